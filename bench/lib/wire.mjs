// Part 3: bytes on the wire, as the sink receives them. One visit per tracker, in phases:
//   pageview  load the page and let the tracker send what it sends on load;
//   scroll    one scroll milestone (ours: the event our scroll collector sends at 50%; peers have
//             no such collector, so the same fact goes through their custom-event call);
//   batch     20 custom events called in one burst;
//   close     the page is closed (pagehide), and whatever the tracker sends then.
// A phase ends when the sink has heard nothing for QUIET_MS and at least MIN_MS have passed (PostHog
// flushes its queue every 3 s, ours 5 s after the first waiting event), or after MAX_MS.
export const WIRE_PHASES = { QUIET_MS: 1500, MIN_MS: 6500, MAX_MS: 15000, CLOSE_MS: 2000, BATCH: 20 };

function classify(e) {
  if (e.method === 'OPTIONS') return 'preflight';
  if (e.method === 'POST') return 'send';
  return /\.m?js$/.test(e.path) ? 'script' : 'config';
}

function phaseSummary(entries) {
  const sum = (xs, f) => xs.reduce((n, e) => n + f(e), 0);
  const sends = entries.filter((e) => classify(e) === 'send');
  const preflights = entries.filter((e) => classify(e) === 'preflight');
  const configs = entries.filter((e) => classify(e) === 'config');
  return {
    requests: sends.length,
    bodyBytes: sum(sends, (e) => e.bodyBytes),
    headerBytes: sum(sends, (e) => e.headerBytes),
    preflights: preflights.length,
    preflightBytes: sum(preflights, (e) => e.headerBytes),
    configRequests: configs.length,
    // Request bytes the visitor uploads for this phase: every send and preflight, headers included.
    totalBytes: sum(sends, (e) => e.bodyBytes + e.headerBytes) + sum(preflights, (e) => e.headerBytes),
    paths: [...new Set(sends.map((e) => e.path))],
    // The first body, for anyone who wants to see what was sent (binary bodies as base64).
    sample: sends[0] ? sampleOf(sends[0]) : undefined,
  };
}

function sampleOf(e) {
  const text = e.body.toString('utf8');
  const printable = !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text);
  const s = printable ? text : 'base64:' + e.body.toString('base64');
  return s.length > 1500 ? s.slice(0, 1500) + '…' : s;
}

async function settle(log, since, { QUIET_MS, MIN_MS, MAX_MS }) {
  const t0 = performance.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = performance.now();
    const last = log.length > since ? log[log.length - 1].t : t0;
    if (now - t0 >= MAX_MS) return;
    if (now - t0 >= MIN_MS && now - Math.max(last, t0) >= QUIET_MS) return;
  }
}

export async function measureWire({ mkContext, servers, trackers, progress = () => {} }) {
  const out = { phases: WIRE_PHASES, trackers: {} };
  for (const t of trackers.filter((x) => x.wire)) {
    const ctx = await mkContext();
    const page = await ctx.newPage();
    const log = servers.log;
    const res = {};
    let mark = log.length;
    const phase = async (name, act) => {
      mark = log.length;
      await act();
      await settle(log, mark, WIRE_PHASES);
      res[name] = phaseSummary(log.slice(mark));
    };
    await phase('pageview', () => page.goto(`${servers.siteOrigin}/page/${t.id}`, { waitUntil: 'load' }));
    await phase('scroll', () => page.evaluate(t.wire.scroll));
    const burst = Array.from({ length: WIRE_PHASES.BATCH }, (_, i) => t.wire.event(i)).join(';\n');
    await phase('batch', () => page.evaluate(burst));
    mark = log.length;
    await page.close();
    await new Promise((r) => setTimeout(r, WIRE_PHASES.CLOSE_MS));
    res.close = phaseSummary(log.slice(mark));
    await ctx.close();
    out.trackers[t.id] = res;
    progress(`wire ${t.id}: pageview ${res.pageview.bodyBytes} B, scroll ${res.scroll.bodyBytes} B, batch ${res.batch.bodyBytes} B in ${res.batch.requests} requests`);
  }
  return out;
}
