// Part 2: main-thread cost. Each run is a fresh browser context (empty cache and storage, a new
// renderer) that loads the demo page with one tracker, clicks and presses keys while it settles,
// scrolls 200 steps with the mouse wheel (clicking now and then) and hovers 50 targets, then reads
// the Performance domain's counters and a trace (with every interaction's latency). A few more
// visits of our own variants, not counted, record a CPU profile: where our script's time goes.
// Runs go in rounds, every tracker once per round in a shuffled order, so that load from other
// processes on the machine falls on all trackers alike.
import { join } from 'node:path';
import { startTrace, endTrace, mainThreadTaskMs, scriptingMs, scriptingByTask, longTaskCount, interactionMs } from './trace.mjs';
import { startProfile, endProfile, selfTimes, topFrames, sourceLine } from './profile.mjs';
import { median, diffInterval } from './stats.mjs';
import { ROOT } from './paths.mjs';

/** What one run does, in one place so the report can print it. */
export const PROTOCOL = {
  settleAfterLoadMs: 1000,
  // A click and a key press every 125 ms while the page settles (when a fingerprint may be computed),
  // and one of each every 25 wheel steps: 16 of each per visit.
  interactionsAfterLoad: 8,
  interactionGapMs: 125,
  interactEveryScrollSteps: 25,
  scrollSteps: 200,
  scrollStepPx: 120,
  hovers: 50,
  hoverDwellMs: 320,
  dwellEvery: 10,
  settleAtEndMs: 1000,
  // The visit ends by leaving the page (to about:blank) inside the measure: what a tracker sends when
  // the page is hidden (a beacon of what waits, an engagement event) is part of the visit's cost, and
  // a tracker that holds events longer must pay for sending them here.
  afterLeaveMs: 500,
  profiledVisits: 3,
};

/** Our files in the profile, and where their source maps are. */
const OUR_FILES = { 'opsmantik.min.js': join(ROOT, 'dist', 'opsmantik.min.js'), 'opsmantik-fp.mjs': join(ROOT, 'dist', 'opsmantik-fp.mjs') };

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
async function runOnce({ mkContext, servers, tracker, targets, profile }) {
  const P = PROTOCOL;
  const ctx = await mkContext();
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Requests still open when the page is left are reported failed here though the browser completes
  // them (beacons, keepalive fetches): the sink's count (`posts`) says what arrived.
  let leaving = false;
  page.on('requestfailed', (r) => leaving || errors.push(`request failed: ${r.url()}`));
  const cdp = await ctx.newCDPSession(page);
  // Thread CPU time rather than wall time: what the page itself cost, whatever else the machine ran.
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  if (profile) await startProfile(cdp);
  else await startTrace(cdp);
  const first = servers.log.length;
  const t0 = performance.now();
  await page.goto(`${servers.siteOrigin}/page/${tracker.id}`, { waitUntil: 'load' });
  const settled = performance.now() + P.settleAfterLoadMs;
  const mouse = (type, x, y, extra = {}) => cdp.send('Input.dispatchMouseEvent', { type, x, y, ...extra });
  const key = (type) => cdp.send('Input.dispatchKeyEvent', { type, key: 'a', code: 'KeyA', windowsVirtualKeyCode: 65, ...(type === 'keyDown' && { text: 'a' }) });
  // A click in the left margin (on nothing: no link, no intent target at any scroll position), then 'a'.
  const interact = async () => {
    await mouse('mousePressed', 5, 400, { button: 'left', clickCount: 1 });
    await mouse('mouseReleased', 5, 400, { button: 'left', clickCount: 1 });
    await key('keyDown');
    await key('keyUp');
  };
  for (let i = 0; i < P.interactionsAfterLoad; i++) {
    await interact();
    await page.waitForTimeout(P.interactionGapMs);
  }
  await page.waitForTimeout(Math.max(0, settled - performance.now()));
  await mouse('mouseMoved', 640, 400);
  for (let i = 0; i < P.scrollSteps; i++) {
    await mouse('mouseWheel', 640, 400, { deltaX: 0, deltaY: P.scrollStepPx });
    if (i % P.interactEveryScrollSteps === P.interactEveryScrollSteps - 1) await interact();
  }
  await page.waitForTimeout(300);
  const points = targets ?? (await hoverTargets(page));
  for (let i = 0; i < P.hovers; i++) {
    const [x, y] = points[i % points.length];
    await mouse('mouseMoved', x, y);
    if (i % P.dwellEvery === P.dwellEvery - 1) await page.waitForTimeout(P.hoverDwellMs);
  }
  await page.waitForTimeout(P.settleAtEndMs);
  // A fingerprint is computed inside the measured visit, however long it waits for a quiet moment:
  // the trace ends only once it is done (polled every 250 ms, the same for every page that computes one: its `done`).
  const { done } = tracker;
  if (done) await page.waitForFunction(done, undefined, { polling: 250, timeout: 20_000 }).catch(() => errors.push('fingerprint not computed within 20 s'));
  const { metrics } = await cdp.send('Performance.getMetrics');
  // From the browser's layout, not a script in the page: the trace is still running.
  const { cssLayoutViewport: vp, cssContentSize: content } = await cdp.send('Page.getLayoutMetrics');
  const [scrolledTo, pageHeight] = [(vp.pageY + vp.clientHeight) / content.height, content.height];
  leaving = true;
  await page.goto('about:blank');
  await page.waitForTimeout(P.afterLeaveMs);
  if (profile) {
    const p = await endProfile(cdp);
    await ctx.close();
    return { points, selfTimes: selfTimes(p, OUR_FILES) };
  }
  const events = await endTrace(cdp);
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const sent = servers.log.slice(first);
  await ctx.close();
  return {
    points,
    run: {
      scriptMs: m.ScriptDuration * 1000,
      taskMs: m.TaskDuration * 1000,
      traceTaskMs: mainThreadTaskMs(events, 'tdur'),
      traceScriptMs: scriptingMs(events, 'tdur'),
      byTask: scriptingByTask(events, 'tdur'),
      traceWallMs: mainThreadTaskMs(events, 'dur'),
      longTasks: longTaskCount(events),
      interactions: interactionMs(events).map((x) => Math.round(x * 10) / 10),
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
  const out = summarise(runs, repeats);
  out.profile = await profileOurs({ mkContext, servers, trackers, targets });
  return out;
}

/** Profiled visits of our variants (not counted above: the profiler slows the page down). */
export async function profileOurs({ mkContext, servers, trackers, targets, visits = PROTOCOL.profiledVisits }) {
  const out = {};
  for (const t of trackers.filter((x) => x.ours)) {
    const v = [];
    for (let i = 0; i < visits; i++) v.push((await runOnce({ mkContext, servers, tracker: t, targets, profile: true })).selfTimes);
    const p = topFrames(v);
    // The line's text as of this run, for the report.
    for (const f of p.top) f.code = sourceLine(ROOT, f.frame);
    out[t.id] = p;
  }
  return out;
}

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

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
    // Every interaction of every visit, pooled; long tasks per visit.
    const inter = rs.flatMap((r) => r.interactions ?? []);
    if (inter.length) row.interactionMs = { median: median(inter), p90: quantile(inter, 0.9), max: Math.max(...inter), count: inter.length };
    if (base && id !== 'none' && row.interactionMs) row.interactionMs.delta = row.interactionMs.median - median(base.flatMap((r) => r.interactions ?? []));
    row.longTasks = { median: median(rs.map((r) => r.longTasks ?? 0)), max: Math.max(...rs.map((r) => r.longTasks ?? 0)) };
    // Scripting by what started it: the mean per visit (means add up to the mean total, medians would not).
    const kinds = new Set(rs.flatMap((r) => Object.keys(r.byTask ?? {})));
    const mean = (k, field) => rs.reduce((n, r) => n + (r.byTask?.[k]?.[field] ?? 0), 0) / rs.length;
    row.byTask = Object.fromEntries([...kinds].map((k) => [k, { ms: mean(k, 'ms'), count: mean(k, 'count') }]));
    row.scrolledTo = median(rs.map((r) => r.scrolledTo));
    row.pageHeight = median(rs.map((r) => r.pageHeight));
    row.errors = [...new Set(rs.flatMap((r) => r.errors))].slice(0, 10);
    out.trackers[id] = row;
  }
  return out;
}
