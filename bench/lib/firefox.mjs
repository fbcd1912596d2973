// Part 2b: main-thread cost in Firefox ESR (Debian's), driven by puppeteer-core over WebDriver BiDi.
//
// What Firefox offers here, tried on this machine (Firefox 153 ESR):
// - WebDriver BiDi has no tracing or performance-metrics domain (Chromium's Tracing and Performance
//   domains have no BiDi counterpart).
// - In the page, PerformanceObserver.supportedEntryTypes has no 'longtask' (Firefox does not ship
//   the Long Tasks API); 'event' (Event Timing) is there, but measures input latency, not cost.
// - What is used, two figures per visit:
//   - scripting: the Gecko profiler, started from the environment (bench/lib/gecko-profile.mjs), one
//     browser per round; the CPU time of the samples in the trackers' own scripts (every tracker file
//     comes from the sink's origin), inclusive of what they call. The page alone has none.
//   - main thread: the CPU time of the main thread of each of Firefox's web-content processes, from
//     /proc/<pid>/task/<pid>/stat (user + system, in clock ticks of 10 ms), read before the visit and
//     after it, before its context is closed: script, style, layout, painting and garbage
//     collection alike, so the figure per tracker is its median minus the page alone's, as part 2's
//     task time is. Coarse (ticks, and the page's own rendering varies by tens of ms a visit).
//   Both are thread time, like part 2's: other processes on the machine do not add to them.
//
// The visit is part 2's (bench/lib/cpu.mjs PROTOCOL): load, settle, 200 wheel steps, 50 hovers with
// a dwell every tenth, settle; input through BiDi input.performActions.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { FIREFOX_LAUNCH } from '../../scripts/firefox.mjs';
import { PROTOCOL } from './cpu.mjs';
import { prepare } from './browser.mjs';
import { TRACKERS } from './trackers.mjs';
import { median, diffInterval } from './stats.mjs';
import { originCpuByWindow, profilerEnv } from './gecko-profile.mjs';
import { TICK_MS, cpuMs, readStat } from './proc.mjs';

/** The command name and the fields after it, from /proc/<pid>/task/<pid>/stat (the main thread's). */
const mainThreadStat = (pid) => readStat(`/proc/${pid}/task/${pid}/stat`);

// The names Firefox gives the processes that run web pages (not its extensions' process, named
// 'WebExtensions', nor the socket, media and utility processes).
const WEB_CONTENT = new Set(['Web Content', 'Isolated Web Co']);

/**
 * Main-thread CPU ms of each web-content process under the browser's process, by pid. Content
 * processes are forked by Firefox's fork server, so the tree is walked through parent pids.
 */
export function contentMainThreadMs(rootPid) {
  const procs = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const { comm, fields: f } = mainThreadStat(name);
      procs.push({ pid: Number(name), ppid: Number(f[1]), comm, ms: cpuMs(f) });
    } catch {
      // The process ended while the list was read.
    }
  }
  const ours = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!ours.has(p.pid) && ours.has(p.ppid)) grew = ours.add(p.pid) !== undefined;
  }
  return new Map(procs.filter((p) => ours.has(p.pid) && WEB_CONTENT.has(p.comm)).map((p) => [p.pid, p.ms]));
}

/** CPU ms spent between two readings, by the processes alive at the second (one that ended is left out). */
const spent = (before, after) => [...after].reduce((n, [pid, ms]) => n + ms - (before.get(pid) ?? 0), 0);

async function runOnce({ browser, servers, tracker, targets }) {
  const P = PROTOCOL;
  const context = await browser.createBrowserContext();
  const page = await context.newPage({ type: 'window' });
  await page.setViewport({ width: 1280, height: 800 });
  // navigator.webdriver is true under BiDi (the pref that hid it is gone): PostHog and Plausible drop
  // events from automated browsers, so every page, the page alone too, is told it is false.
  await page.evaluateOnNewDocument(() => Object.defineProperty(Navigator.prototype, 'webdriver', { configurable: true, get: () => false }));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const root = browser.process().pid;
  const first = servers.log.length;
  const before = contentMainThreadMs(root);
  const t0 = performance.now();
  const from = Date.now();
  await page.goto(`${servers.siteOrigin}/page/${tracker.id}`, { waitUntil: 'load' });
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  await wait(P.settleAfterLoadMs);
  await page.mouse.move(640, 400);
  for (let i = 0; i < P.scrollSteps; i++) await page.mouse.wheel({ deltaY: P.scrollStepPx });
  await wait(300);
  const points =
    targets ??
    (await page.$$eval('[data-hover]', (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];
      }),
    ));
  for (let i = 0; i < P.hovers; i++) {
    const [x, y] = points[i % points.length];
    await page.mouse.move(x, y);
    if (i % P.dwellEvery === P.dwellEvery - 1) await wait(P.hoverDwellMs);
  }
  await wait(P.settleAtEndMs);
  const scrolledTo = await page.evaluate(() => (scrollY + innerHeight) / document.documentElement.scrollHeight);
  // Leaving the page is part of the visit, as in part 2.
  await page.goto('about:blank');
  await wait(P.afterLeaveMs);
  const mainThreadMs = spent(before, contentMainThreadMs(root));
  const window = [from, Date.now()];
  const sent = servers.log.slice(first);
  await context.close();
  return {
    points,
    window,
    run: {
      mainThreadMs,
      wallMs: performance.now() - t0,
      posts: sent.filter((e) => e.method === 'POST').length,
      scrolledTo: Math.round(scrolledTo * 1000) / 1000,
      errors,
    },
  };
}

/**
 * Every tracker `repeats` times, in rounds in a shuffled order (as part 2). Each round is one Firefox,
 * profiled from its start, with one unrecorded warm-up visit first; its profile, written when it
 * quits, gives each visit's CPU time in the trackers' own scripts.
 */
export async function measureFirefox({ repeats, progress = () => {} }) {
  const { servers, trackers, missing } = await prepare(TRACKERS.filter((t) => !t.chromiumOnly).map((t) => t.id));
  if (missing.length) progress(`firefox: left out (file missing): ${missing.join(', ')}`);
  const profile = join(tmpdir(), `opsmantik-firefox-${process.pid}.json`);
  let version;
  try {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const runs = Object.fromEntries(trackers.map((t) => [t.id, []]));
    let targets;
    for (let r = 0; r < repeats; r++) {
      const browser = await puppeteer.launch({ ...FIREFOX_LAUNCH, env: { ...process.env, ...profilerEnv(profile) } });
      version ??= await browser.version();
      const visits = [];
      try {
        ({ points: targets } = await runOnce({ browser, servers, tracker: trackers.find((t) => t.id === 'none') ?? trackers[0], targets }));
        const order = trackers.map((t) => [rnd(), t]).sort((a, b) => a[0] - b[0]).map(([, t]) => t);
        for (const t of order) visits.push([t.id, await runOnce({ browser, servers, tracker: t, targets })]);
      } finally {
        await browser.close();
      }
      const scriptMs = await originCpuByWindow(profile, servers.sinkOrigin, visits.map(([, v]) => v.window));
      visits.forEach(([id, v], n) => runs[id].push({ ...v.run, scriptMs: scriptMs[n] }));
      progress(`firefox round ${r + 1}/${repeats}`);
    }
    const out = { browser: version, repeats, protocol: PROTOCOL, tickMs: TICK_MS, trackers: {} };
    for (const [id, rs] of Object.entries(runs)) {
      out.trackers[id] = {
        runs: rs.length,
        mainThreadMs: field(rs, runs.none, 'mainThreadMs', id),
        scriptMs: field(rs, runs.none, 'scriptMs', id),
        posts: median(rs.map((r) => r.posts)),
        wallMs: median(rs.map((r) => r.wallMs)),
        scrolledTo: median(rs.map((r) => r.scrolledTo)),
        errors: [...new Set(rs.flatMap((r) => r.errors))].slice(0, 10),
      };
    }
    return out;
  } finally {
    await servers.close();
  }
}

/** Median, values, and (but for the page alone) the difference from the page alone with its interval. */
function field(rs, base, key, id) {
  const xs = rs.map((r) => Math.round(r[key] * 10) / 10);
  const bs = base?.map((r) => r[key]);
  return { median: median(xs), values: xs, ...(bs && id !== 'none' ? { delta: median(xs) - median(bs), interval: diffInterval(xs, bs) } : {}) };
}
