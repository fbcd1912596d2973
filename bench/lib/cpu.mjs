// Part 2: main-thread cost. Each run is a fresh browser context (empty cache and storage, a new
// renderer) that loads the demo page with one tracker, lets it settle, scrolls 200 steps with the
// mouse wheel and hovers 50 targets, then reads the Performance domain's counters and a trace.
// Runs go in rounds, every tracker once per round in a shuffled order, so that load from other
// processes on the machine falls on all trackers alike.
import { startTrace, endTrace, mainThreadTaskMs, scriptingMs } from './trace.mjs';
import { median, diffInterval } from './stats.mjs';

/** What one run does, in one place so the report can print it. */
export const PROTOCOL = {
  settleAfterLoadMs: 1000,
  scrollSteps: 200,
  scrollStepPx: 120,
  hovers: 50,
  hoverDwellMs: 320,
  dwellEvery: 10,
  settleAtEndMs: 1000,
};

function shuffled(xs, rnd) {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Centres of the 50 hover targets at the bottom of the page, once the page is scrolled to the end. */
async function hoverTargets(page) {
  return page.$$eval('[data-hover]', (els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];
    }),
  );
}

/**
 * One visit. Input goes through the DevTools protocol (as a real mouse would: the renderer acks each
 * wheel event after a frame, so 200 steps take about 4 s), and nothing runs in the page before the
 * counters are read, so the baseline page costs only its own parsing, layout and painting.
 */
async function runOnce({ mkContext, servers, tracker, targets }) {
  const P = PROTOCOL;
  const ctx = await mkContext();
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  const cdp = await ctx.newCDPSession(page);
  // Thread CPU time rather than wall time: what the page itself cost, whatever else the machine ran.
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await startTrace(cdp);
  const first = servers.log.length;
  const t0 = performance.now();
  await page.goto(`${servers.siteOrigin}/page/${tracker.id}`, { waitUntil: 'load' });
  await page.waitForTimeout(P.settleAfterLoadMs);
  const mouse = (type, x, y, extra = {}) => cdp.send('Input.dispatchMouseEvent', { type, x, y, ...extra });
  await mouse('mouseMoved', 640, 400);
  for (let i = 0; i < P.scrollSteps; i++) await mouse('mouseWheel', 640, 400, { deltaX: 0, deltaY: P.scrollStepPx });
  await page.waitForTimeout(300);
  const points = targets ?? (await hoverTargets(page));
  for (let i = 0; i < P.hovers; i++) {
    const [x, y] = points[i % points.length];
    await mouse('mouseMoved', x, y);
    if (i % P.dwellEvery === P.dwellEvery - 1) await page.waitForTimeout(P.hoverDwellMs);
  }
  await page.waitForTimeout(P.settleAtEndMs);
  const { metrics } = await cdp.send('Performance.getMetrics');
  const events = await endTrace(cdp);
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const [scrolledTo, pageHeight] = await page.evaluate(() => [(scrollY + innerHeight) / document.documentElement.scrollHeight, document.documentElement.scrollHeight]);
  const sent = servers.log.slice(first);
  await ctx.close();
  return {
    points,
    run: {
      scriptMs: m.ScriptDuration * 1000,
      taskMs: m.TaskDuration * 1000,
      traceTaskMs: mainThreadTaskMs(events, 'tdur'),
      traceScriptMs: scriptingMs(events, 'tdur'),
      traceWallMs: mainThreadTaskMs(events, 'dur'),
      heapMB: m.JSHeapUsedSize / 2 ** 20,
      wallMs: performance.now() - t0,
      posts: sent.filter((e) => e.method === 'POST').length,
      scriptBytes: sent.filter((e) => e.method === 'GET' && /\.m?js$/.test(e.path)).reduce((n, e) => n + e.responseBytes, 0),
      scrolledTo: Math.round(scrolledTo * 1000) / 1000,
      pageHeight,
      errors,
    },
  };
}

/**
 * @param {object} o
 * @param {number} o.repeats  runs per tracker
 * @param {(s: string) => void} [o.progress]
 */
export async function measureCpu({ browser, mkContext, servers, trackers, repeats, progress = () => {} }) {
  let seed = 42;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const runs = Object.fromEntries(trackers.map((t) => [t.id, []]));
  // A warm-up visit, not recorded: the first page pays for Chromium's own start-up work. It also
  // finds where the hover targets are once the page is scrolled to its end (the same for every tracker).
  const { points: targets } = await runOnce({ mkContext, servers, tracker: trackers.find((t) => t.id === 'none') ?? trackers[0] });
  const started = performance.now();
  for (let r = 0; r < repeats; r++) {
    for (const t of shuffled(trackers, rnd)) runs[t.id].push((await runOnce({ mkContext, servers, tracker: t, targets })).run);
    const elapsed = (performance.now() - started) / 1000;
    progress(`cpu round ${r + 1}/${repeats} (${elapsed.toFixed(0)} s)`);
  }
  return summarise(runs, repeats);
}

const FIELDS = ['scriptMs', 'traceScriptMs', 'taskMs', 'traceTaskMs', 'traceWallMs', 'heapMB'];

export function summarise(runs, repeats) {
  const base = runs.none;
  const out = { repeats, protocol: PROTOCOL, trackers: {} };
  for (const [id, rs] of Object.entries(runs)) {
    const row = { runs: rs.length, posts: median(rs.map((r) => r.posts)), scriptBytes: median(rs.map((r) => r.scriptBytes)), wallMs: median(rs.map((r) => r.wallMs)) };
    for (const f of FIELDS) {
      const xs = rs.map((r) => r[f]);
      row[f] = { median: median(xs), values: xs.map((x) => Math.round(x * 10) / 10) };
      if (base && id !== 'none') {
        const bs = base.map((r) => r[f]);
        row[f].delta = median(xs) - median(bs);
        row[f].interval = diffInterval(xs, bs);
      }
    }
    row.scrolledTo = median(rs.map((r) => r.scrolledTo));
    row.pageHeight = median(rs.map((r) => r.pageHeight));
    row.errors = [...new Set(rs.flatMap((r) => r.errors))].slice(0, 10);
    out.trackers[id] = row;
  }
  return out;
}
