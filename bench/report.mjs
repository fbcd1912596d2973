#!/usr/bin/env node
// Renders bench/results/*.json into docs/benchmarks.md and docs/benchmarks-chart.svg.
// Run on its own (`node bench/report.mjs`) to re-render without measuring again.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { ablationSection } from './lib/ablation-report.mjs';
import { dashboardSection } from './lib/dashboard-report.mjs';
import { firefoxSection } from './lib/firefox-report.mjs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RESULTS, DOCS } from './lib/paths.mjs';
import { CHUNK_WAIT, TRACKERS } from './lib/trackers.mjs';
import { PROTOCOL } from './lib/cpu.mjs';
import { WIRE_PHASES } from './lib/wire.mjs';
import { CHROMIUM_FLAGS } from './lib/browser.mjs';
import { TERSER } from './lib/assets.mjs';
import { chart } from './lib/chart.mjs';
import { bytes, ratio } from './lib/format.mjs';

const read = (name) => (existsSync(join(RESULTS, name)) ? JSON.parse(readFileSync(join(RESULTS, name), 'utf8')) : undefined);
const nameOf = (id) => TRACKERS.find((t) => t.id === id)?.name ?? id;
/** Tables list the pages in the order bench/lib/trackers.mjs gives them (ours first, then the peers). */
const ORDER = TRACKERS.map((t) => t.id);

// ---- formatting -------------------------------------------------------------------------------

const ms = (x) => (x === undefined ? '—' : `${x >= 0 && x < 0.05 ? '0' : x.toFixed(Math.abs(x) >= 100 ? 0 : 1)} ms`);

const withRatio = (fmt, value, ours) => `${fmt(value)}${ratio(value, ours)}`;

// ---- sections -----------------------------------------------------------------------------------

function sizeSection(size) {
  if (!size) return ['## 1. Size', '', 'Not measured in this run (`--parts` left it out).', ''];
  const ours = size.rows.find((r) => r.id === 'opsmantik');
  const cell = (r, k) => (r === ours ? bytes(r[k]) : withRatio(bytes, r[k], ours?.[k]));
  const out = [
    '## 1. Size',
    '',
    'The file a website loads for each tracker, raw and compressed (`node:zlib`, the same settings for every file:',
    'gzip level 9, brotli quality 11 in text mode). Ratios are to the OpsMantik script tag, the column\'s own measure.',
    '',
    '| tracker | version | raw | gzip | brotli |',
    '|---|---|--:|--:|--:|',
  ];
  for (const r of size.rows) {
    if (r.error) {
      out.push(`| ${r.name} | | build failed: ${r.error.replace(/\|/g, '/')} | | |`);
      continue;
    }
    const name = r.ours ? `**${r.name}**` : r.name;
    out.push(`| ${name} | ${r.version ?? 'this tree'} | ${cell(r, 'raw')} | ${cell(r, 'gzip')} | ${cell(r, 'brotli')} |`);
  }
  out.push('', 'Which file each one is:', '');
  const fp = size.rows.find((r) => r.id === 'opsmantik-fp-chunk');
  for (const r of size.rows) {
    if (r.id === 'opsmantik') out.push(`- ${r.name}: \`${r.file}\`, every collector, as a site installs it with one \`<script>\` tag.`);
    else if (r.id === 'opsmantik-core') out.push(`- ${r.name}: \`import { createTracker } from 'opsmantik'\` and one use of it (\`bench/entries/opsmantik-core.js\`), bundled with rollup, node-resolve and terser, as size-limit measures an import.`);
    else if (r.id === 'opsmantik-fp-chunk') {
      out.push(`- ${r.name}: \`${r.file}\`, FingerprintJS and the code that calls it, which the script tag fetches only once consent is given.`);
      if (ours && fp) out.push(`  Script tag and chunk together: ${bytes(ours.brotli + fp.brotli)} brotli.`);
    } else out.push(`- ${r.name}: ${r.loads}.`);
  }
  if (size.alternatives?.length) {
    out.push('', 'Other files of the same packages, for reference (not loaded in parts 2 and 3):', '', '| file | version | raw | gzip | brotli |', '|---|---|--:|--:|--:|');
    for (const a of size.alternatives) out.push(`| ${a.name} | ${a.version} | ${cell(a, 'raw')} | ${cell(a, 'gzip')} | ${cell(a, 'brotli')} |`);
  }
  if (Array.isArray(size.sizeLimit)) {
    out.push('', 'The package\'s own budgets, as `npx size-limit --json` measured them in the same run (brotli, its own bundler):', '');
    for (const e of size.sizeLimit) out.push(`- ${e.name}: ${bytes(e.brotli)}${e.passed === false ? ' (over budget)' : ''}`);
  }
  out.push('');
  return out;
}

function cpuSection(cpu, meta) {
  if (!cpu) return ['## 2. Main-thread cost', '', 'Not measured in this run.', ''];
  const P = cpu.protocol ?? PROTOCOL;
  const t = cpu.trackers;
  const ours = t.opsmantik;
  const base = t.none;
  const interval = (f) => (f?.interval ? ` [${f.interval[0].toFixed(0)}, ${f.interval[1].toFixed(0)}]` : '');
  const d = (row, k) => {
    const f = row?.[k];
    if (!f || f.delta === undefined) return '—';
    const o = ours?.[k]?.delta;
    return `${ms(f.delta)}${o !== undefined && o >= 1 && row !== ours ? ratio(f.delta, o) : ''}`;
  };
  const load = meta?.parts?.cpu?.loadAverage;
  const out = [
    '## 2. Main-thread cost',
    '',
    `Each visit is a fresh browser context (empty cache and storage) that loads the demo page`,
    `(\`bench/fixtures/page.html\`, ${base?.pageHeight ? `${base.pageHeight.toLocaleString('en-US')} px tall in a 1280 × 800 window` : 'a long landing page'}) with one tracker in its \`<head>\`, clicks and presses a key`,
    `while it settles for ${P.settleAfterLoadMs} ms, scrolls ${P.scrollSteps} mouse-wheel steps of ${P.scrollStepPx} px to the end (clicking and pressing a key every ${P.interactEveryScrollSteps ?? '—'} steps),`,
    `hovers ${P.hovers} links and buttons (every ${P.dwellEvery}th for ${P.hoverDwellMs} ms, long enough for a hover intent), waits ${P.settleAtEndMs} ms (and, on the two`,
    `pages that compute a fingerprint, until it is computed: all of it falls inside the visit), reads the counters, and ${P.afterLeaveMs != null ? `leaves the page (to \`about:blank\`, ${P.afterLeaveMs} ms more in the trace): what a tracker sends when the page is hidden is part of the visit, and events held back are paid for there` : 'ends (runs before 2026-12-01 ended without leaving the page)'}. ${cpu.repeats} rounds; each round visits every`,
    'page once in a shuffled order, after one unrecorded warm-up visit. Figures are medians over the rounds minus the median',
    'of the page without a tracker; the brackets hold a 95% bootstrap interval of that difference (ms).',
    '',
    '- **ScriptDuration** and **TaskDuration**: the Chrome DevTools Protocol\'s `Performance.getMetrics`, measured in thread',
    '  time (`timeDomain: threadTicks`), so that other processes on the machine do not inflate them. ScriptDuration leaves',
    '  out promise callbacks, and they are read before the page is left.',
    '- **Scripting (trace)** and **main thread (trace)**: from a trace (`Tracing` domain) of the page\'s renderer, in thread',
    '  time (`tdur`). Scripting is the outermost script events on the main thread as DevTools\' Performance panel counts',
    '  them (script evaluation and compilation, function calls, event dispatch, timers, animation-frame and idle callbacks,',
    '  garbage collection) plus `RunMicrotasks`, the promise callbacks. Main thread is the sum of all top-level tasks,',
    '  rendering included, so it also counts the layout and paint a tracker causes; microtasks run inside those tasks.',
    '  The same tasks in wall time are in `bench/results/cpu.json` (`traceWallMs`): on a shared machine they also count',
    '  the time the thread waited for a core.',
    '',
    '| tracker | ScriptDuration | scripting (trace) | TaskDuration | main thread (trace) | JS heap | requests sent | JS fetched |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const id of ORDER.filter((x) => x !== 'none' && t[x])) {
    const r = t[id];
    const name = id.startsWith('opsmantik') ? `**${nameOf(id)}**` : nameOf(id);
    const heap = r.heapMB?.delta;
    const heapOurs = ours?.heapMB?.delta;
    out.push(
      `| ${name} | ${d(r, 'scriptMs')} | ${d(r, 'traceScriptMs')}${interval(r.traceScriptMs)} | ${d(r, 'taskMs')}${interval(r.taskMs)} | ${d(r, 'traceTaskMs')}${interval(r.traceTaskMs)} | ` +
        `${heap === undefined ? '—' : `${heap.toFixed(2)} MB${heapOurs > 0.01 && id !== 'opsmantik' ? ratio(heap, heapOurs) : ''}`} | ${r.posts} | ${bytes(r.scriptBytes)}${id === 'opsmantik' ? '' : ratio(r.scriptBytes, ours?.scriptBytes)} |`,
    );
  }
  if (base) {
    out.push(
      '',
      `The page alone (the baseline subtracted above): ScriptDuration ${ms(base.scriptMs.median)}, scripting (trace) ${ms(base.traceScriptMs?.median)},`,
      `TaskDuration ${ms(base.taskMs.median)}, main thread (trace) ${ms(base.traceTaskMs.median)} in thread time and ${ms(base.traceWallMs.median)} in wall time, JS heap ${base.heapMB.median.toFixed(2)} MB.`,
      `Its TaskDuration over the ${cpu.repeats} rounds ranged from ${ms(Math.min(...base.taskMs.values))} to ${ms(Math.max(...base.taskMs.values))} (the page\'s own rendering varies from visit to`,
      'visit): that spread is the resolution of the two task columns. The two script columns leave rendering out and are far',
      'steadier, which is what resolves the small trackers.',
    );
  }
  out.push(
    '',
    '"Requests sent" counts the POSTs the sink received during one visit (median), which shows that each tracker really ran',
    'and reported to the local sink. "JS fetched" is every script the tracker loaded from the sink, lazy chunks included.',
    'The work is not the same for all: OpsMantik also reports scroll milestones and hover intents during the visit (in batches:',
    'one 5 s after the first waiting event, what is left by beacon as the page is left), which the peers do not collect by',
    'default; PostHog autocaptures clicks and page leave.',
  );
  const fpa = t.fingerprintjs;
  if (fpa?.scriptMs?.delta !== undefined && fpa.traceTaskMs?.delta !== undefined) {
    out.push(
      '',
      `Why the trace columns: FingerprintJS alone shows ${ms(fpa.scriptMs.delta)} of ScriptDuration but ${ms(fpa.traceScriptMs?.delta)} of scripting and`,
      `${ms(fpa.traceTaskMs.delta)} of main-thread tasks in the trace, because it does its work in promise callbacks, which ScriptDuration does not count.`,
    );
  }
  const late = t['fingerprintjs-quiet'];
  if (fpa?.traceScriptMs?.delta !== undefined && late?.traceScriptMs?.delta !== undefined) {
    out.push(
      '',
      'FingerprintJS alone started when ours starts (after load, once the visitor leaves the page alone for',
      `${CHUNK_WAIT.pauseMs} ms or at the latest after ${CHUNK_WAIT.looks} looks that far apart, as \`src/fingerprint-chunk.ts\` waits; this visit never pauses that long`,
      `before its end, so both start at that deadline, about ${(CHUNK_WAIT.looks * CHUNK_WAIT.pauseMs) / 1000} s after load, while the scrolling and hovering go on): ${ms(late.traceScriptMs.delta)} of`,
      `scripting${interval(late.traceScriptMs)}, against ${ms(fpa.traceScriptMs.delta)}${interval(fpa.traceScriptMs)} started at load. The same file and the same two calls cost`,
      `${ms(late.traceScriptMs.delta - fpa.traceScriptMs.delta)} more (median against median) at that moment, with nothing of ours on the page: what "OpsMantik + fingerprint" is`,
      'compared with depends on when the library runs as much as on what surrounds it.' +
        (late.errors?.length ? ' (A visit where it had not finished 20 s after the visit ended is listed below; its figure counts what ran.)' : ''),
    );
  }
  out.push(...interactionLines(cpu, P), ...taskLines(cpu), ...profileLines(cpu.profile, read('profile-before.json')));
  const errs = Object.entries(t).filter(([, r]) => r.errors?.length);
  if (errs.length) {
    out.push('', 'Page errors and failed requests seen during the runs:', '');
    for (const [id, r] of errs) out.push(`- ${nameOf(id)}: ${r.errors.map((e) => '`' + e.slice(0, 160).replace(/`/g, "'") + '`').join(', ')}`);
  }
  if (load) out.push('', `Load average during this part: mean ${load.mean}, max ${load.max} on ${meta.machine.cpus} cores.`);
  out.push('');
  return out;
}

/** Event Timing's latency of the visit's clicks and key presses, and long tasks, per tracker. */
function interactionLines(cpu, P) {
  const t = cpu.trackers;
  if (!t.none?.interactionMs) return [];
  const out = [
    '',
    '### Interaction latency and long tasks',
    '',
    `Each visit clicks on an empty spot and presses a key every ${P.interactionGapMs} ms ${P.interactionsAfterLoad} times right after the load event (when a`,
    `tracker does its start-up work), then once every ${P.interactEveryScrollSteps} wheel steps. The latency of each interaction is Event Timing's`,
    "duration (input to the next frame painted, its longest event) from the trace, which holds every interaction where a",
    'PerformanceObserver sees only those over 16 ms; the median, 90th percentile and maximum pool every interaction of every',
    'visit. Long tasks: top-level tasks over 50 ms of thread time in one visit (median and most over the visits).',
    '',
    '| tracker | interactions | median | vs page alone | p90 | max | long tasks (median / most) |',
    '|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const id of ORDER.filter((x) => t[x]?.interactionMs)) {
    const i = t[id].interactionMs;
    const name = id.startsWith('opsmantik') ? `**${nameOf(id)}**` : nameOf(id);
    const delta = i.delta === undefined ? '—' : `${i.delta >= 0 ? '+' : ''}${i.delta.toFixed(1)} ms`;
    out.push(`| ${name} | ${i.count} | ${ms(i.median)} | ${delta} | ${ms(i.p90)} | ${ms(i.max)} | ${t[id].longTasks?.median ?? '—'} / ${t[id].longTasks?.max ?? '—'} |`);
  }
  return out;
}

/**
 * Scripting by what started it (trace), per visit: the page alone, our script tag, Plausible. Rows
 * are the kinds where either tracker adds most to the page alone; the rest are summed.
 */
function taskLines(cpu) {
  const t = cpu.trackers;
  const [base, ours, peer] = [t.none?.byTask, t.opsmantik?.byTask, t.plausible?.byTask];
  if (!base || !ours) return [];
  const cols = [base, ours, ...(peer ? [peer] : [])];
  const kinds = [...new Set(cols.flatMap((c) => Object.keys(c)))];
  const get = (c, k) => c[k] ?? { ms: 0, count: 0 };
  const added = (k) => get(ours, k).ms - get(base, k).ms;
  // Where either tracker adds most to the page alone.
  const weight = (k) => Math.max(added(k), peer ? get(peer, k).ms - get(base, k).ms : 0);
  const shown = kinds.sort((a, b) => weight(b) - weight(a)).slice(0, 9);
  const rest = kinds.filter((k) => !shown.includes(k));
  const cell = (c, ks) => {
    const v = ks.reduce((n, k) => ({ ms: n.ms + get(c, k).ms, count: n.count + get(c, k).count }), { ms: 0, count: 0 });
    return `${ms(v.ms)} (${Math.round(v.count)})`;
  };
  const out = [
    '',
    '### Scripting by task',
    '',
    `The same trace, by what started each piece of scripting: script evaluation, each event type's listeners, timers by`,
    'their delay, promise callbacks (a `fetch` answer, and what a `fetch` started in a promise chain costs), observers. It',
    "counts what the browser spends around a tracker's code (calling a listener, running a timer's task), which a profile",
    `of the tracker's functions cannot see. Mean per visit over the ${cpu.repeats} visits, ms (number of tasks); rows are where the`,
    `script tag${peer ? ' or Plausible' : ''} adds most to the page alone.`,
    '',
    `| started by | page alone | OpsMantik script tag | added by OpsMantik |${peer ? ' Plausible |' : ''}`,
    `|---|--:|--:|--:|${peer ? '--:|' : ''}`,
  ];
  const row = (label, ks) => {
    const add = ks.reduce((n, k) => n + added(k), 0);
    const sign = add >= 0.05 ? '+' : add <= -0.05 ? '-' : '';
    out.push(`| ${label} | ${cell(base, ks)} | ${cell(ours, ks)} | ${sign}${ms(Math.abs(add))} |${peer ? ` ${cell(peer, ks)} |` : ''}`);
  };
  for (const k of shown) row(k, [k]);
  if (rest.length) row('everything else', rest);
  row('**all scripting**', kinds);
  return out;
}

/** Our script's top functions by self time, from the profiled visits: this run's, and the recorded one before the cuts. */
function profileLines(after, before) {
  if (!after) return [];
  const out = [
    '',
    "### Where OpsMantik's time goes",
    '',
    `After the measured rounds, ${Object.values(after)[0]?.visits ?? 'a few'} more visits of each OpsMantik variant record a V8 CPU profile (the \`Profiler\``,
    'domain, a sample every 100 µs; not counted above, as the profiler slows the page). Each sample is charged to the',
    'nearest function with a source file, so a built-in it calls (JSON.parse, a storage access, `closest()`) counts to it,',
    'and mapped through the build\'s source map (`dist/*.map`) to the TypeScript line where the function starts. Self time',
    'in wall time while the function ran, median over the visits: it ranks, the tables above measure.',
  ];
  const table = (title, p) => {
    if (!p) return;
    out.push('', `${title}: our files ${ms(p.totalMs)} in all.`, '', '| self time | function (source line) | |', '|--:|---|---|');
    for (const f of p.top.slice(0, 8)) out.push(`| ${ms(f.ms)} | \`${f.frame}\` | \`${(f.code ?? '').replace(/\|/g, '\\|').replace(/`/g, "'")}\` |`);
  };
  if (before) {
    out.push('', `Before the cuts of issue 14 (commit \`${before.commit}\`, recorded in \`bench/results/profile-before.json\`; source lines as of that commit):`);
    table('OpsMantik (script tag), before', before.profile?.opsmantik);
  }
  table('OpsMantik (script tag), this run', after.opsmantik);
  table('OpsMantik + fingerprint, this run', after['opsmantik-fp']);
  return out;
}

function wireSection(wire) {
  if (!wire) return ['## 3. Bytes on the wire', '', 'Not measured in this run.', ''];
  const t = wire.trackers;
  const ours = t.opsmantik;
  const P = wire.phases ?? WIRE_PHASES;
  const cell = (r, phase, k = 'bodyBytes') => {
    const p = r[phase];
    if (!p) return '—';
    const v = p[k];
    const o = ours?.[phase]?.[k];
    return `${bytes(v)} / ${p.requests}${r === ours ? '' : ratio(v, o)}`;
  };
  const out = [
    '## 3. Bytes on the wire',
    '',
    'Request bodies as the local sink received them, then the same with request headers and CORS preflights: bytes',
    'uploaded / number of requests. One visit per tracker, in phases: the **pageview** on load; one **scroll milestone**',
    '(ours: the event our scroll-depth collector sends at 50%, called through the same API; the peers have no such',
    'collector, so the same fact goes through their custom-event call); a burst of **20 custom events**; and what each sends',
    `when the page is **closed**. A phase ends when the sink has been quiet for ${P.QUIET_MS / 1000} s, at least ${P.MIN_MS / 1000} s after it began`,
    '(PostHog flushes every 3 s). Peers run with their defaults (compression and batching included); only their endpoints',
    'point at the sink, which runs on another host name than the page, as a vendor\'s would.',
    '',
    '| tracker | pageview | scroll milestone | 20 events | on close |',
    '|---|--:|--:|--:|--:|',
  ];
  const order = ['opsmantik', 'opsmantik-fp', 'plausible', 'snowplow', 'segment', 'rudderstack', 'posthog'];
  const rows = order.filter((x) => t[x]);
  for (const id of rows) {
    const r = t[id];
    const name = id.startsWith('opsmantik') ? `**${nameOf(id)}**` : nameOf(id);
    out.push(`| ${name} | ${cell(r, 'pageview')} | ${cell(r, 'scroll')} | ${cell(r, 'batch')} | ${cell(r, 'close')} |`);
  }
  out.push('', 'With request headers and preflights (what the visitor actually uploads):', '', '| tracker | pageview | scroll milestone | 20 events | on close |', '|---|--:|--:|--:|--:|');
  for (const id of rows) {
    const r = t[id];
    const name = id.startsWith('opsmantik') ? `**${nameOf(id)}**` : nameOf(id);
    out.push(`| ${name} | ${cell(r, 'pageview', 'totalBytes')} | ${cell(r, 'scroll', 'totalBytes')} | ${cell(r, 'batch', 'totalBytes')} | ${cell(r, 'close', 'totalBytes')} |`);
  }
  out.push('', 'Where the requests went (paths at the sink, all phases):', '');
  for (const id of rows) {
    const paths = [...new Set(Object.values(t[id]).flatMap((p) => p.paths))];
    const pre = Object.values(t[id]).reduce((n, p) => n + p.preflights, 0);
    const cfg = Object.values(t[id]).reduce((n, p) => n + p.configRequests, 0);
    out.push(`- ${nameOf(id)}: ${paths.map((p) => '`' + p + '`').join(', ')}${pre ? `; ${pre} CORS preflight${pre > 1 ? 's' : ''}` : ''}${cfg ? `; ${cfg} configuration fetch${cfg > 1 ? 'es' : ''}` : ''}.`);
  }
  const fp = t['opsmantik-fp'];
  if (fp && ours) {
    out.push('', 'OpsMantik with the fingerprint sends the same events; the visitor id (`meta.fp`) rides on the next event after it is computed.');
  }
  if (t.posthog?.pageview?.paths?.includes('/flags/')) {
    out.push('', 'PostHog\'s pageview phase includes its feature-flag request (`/flags/`), which it sends on every page load.');
  }
  out.push('', 'The first body of each phase is kept in `bench/results/wire.json` (`sample`), to see what each tracker sends.', '');
  return out;
}

function ingestSection(ingest) {
  const out = ['## 4. Ingestion throughput and latency', ''];
  if (!ingest) {
    out.push('Not run: `bench/results/ingest.json` does not exist. `node bench/ingest.mjs` (the server\'s own benchmark, PostgreSQL', 'at `DATABASE_URL`) writes it; `npm run bench -- --with-ingest` runs it too.', '');
    return out;
  }
  out.push(
    `From \`bench/results/ingest.json\` (${ingest.generatedAt?.slice(0, 10) ?? 'date unknown'}; \`${ingest.command ?? 'node bench/ingest.mjs'}\`): HTTP \`POST /api/sync\``,
    'through the reference server (group commit: requests arriving together written in one transaction of three set-based',
    'statements) into PostgreSQL, against COPY of rows of the same shape into the same tables through the same driver, the',
    'fastest way PostgreSQL takes rows. The ratio is HTTP events/s ÷ COPY events/s. Targets: 0.5 for single events, 0.8 for',
    'batches of 10, 1.0 for batches of 50; p99 under 50 ms at 500 single-event requests a second.',
    '',
    '| events per request | HTTP events/s | requests/s | p50 | p99 | server RSS | COPY events/s | HTTP ÷ COPY |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|',
  );
  const num = (x) => (typeof x === 'number' ? x.toLocaleString('en-US') : '—');
  const spread = (xs) => (Array.isArray(xs) && xs.length > 1 ? ` (${num(Math.min(...xs))}–${num(Math.max(...xs))})` : '');
  for (const r of ingest.runs ?? []) {
    const h = r.http ?? {};
    const toCopy = r.spread?.medianHttpToCopy ?? r.httpToCopy ?? (h.eventsPerSecond && r.copy?.eventsPerSecond ? h.eventsPerSecond / r.copy.eventsPerSecond : undefined);
    out.push(
      `| ${r.batch} | ${num(h.eventsPerSecond)}${spread(r.spread?.httpEventsPerSecond)} | ${num(h.requestsPerSecond)} | ${h.p50Ms ?? '—'} ms | ${h.p99Ms ?? '—'} ms | ` +
        `${h.serverRssMaxMb ?? '—'} MB | ${num(r.copy?.eventsPerSecond)}${spread(r.spread?.copyEventsPerSecond)} | ${toCopy === undefined ? '—' : toCopy.toFixed(2)}${spread(r.spread?.httpToCopy)} |`,
    );
  }
  if ((ingest.runs ?? []).some((r) => r.spread)) {
    out.push('', `Where the run was repeated (${ingest.runs.find((r) => r.spread).spread.repeats} times), the range over the repeats follows in brackets; the ratio is their median.`);
  }
  const rated = (ingest.runs ?? []).flatMap((r) => [].concat(r.httpAtRate ?? []).map((o) => ({ batch: r.batch, ...o })));
  if (rated.length) {
    out.push('', 'At fixed request rates (open loop: requests go out on schedule, whether earlier ones have returned or not):', '', '| events per request | schedule | requests/s achieved | events/s | p50 | p99 | dropped |', '|--:|---|--:|--:|--:|--:|--:|');
    for (const o of rated) {
      out.push(`| ${o.batch} | ${o.mode ?? '—'} | ${num(o.achievedRequestsPerSecond)} | ${num(o.eventsPerSecond)} | ${o.p50Ms ?? '—'} ms | ${o.p99Ms ?? '—'} ms | ${o.dropped ?? 0} |`);
    }
  }
  out.push(...ingestScaleSections(ingest, num));
  if (ingest.note) out.push('', ingest.note);
  if (ingest.machine) {
    const m = ingest.machine;
    out.push('', `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.node}, ${String(m.postgres ?? '').split(' on ')[0]}; load average at start ${m.loadAverageAtStart?.join(', ')}.`);
  }
  out.push('');
  return out;
}

/** The parts bench/ingest.mjs added for group commit: triggers, processes, queue mode, load averages. */
function ingestScaleSections(ingest, num) {
  const out = [];
  const load = (l) => (l ? `${l.mean} (max ${l.max})` : '—');
  const ms = (x) => (typeof x === 'number' ? `${x} ms` : '—');
  const ratio = (x) => (typeof x === 'number' ? x.toFixed(2) : '—');
  if (ingest.syncLoadAverage) out.push('', `Load average (1 min) during these parts: ${load(ingest.syncLoadAverage)}.`);
  const t = ingest.triggers;
  if (t) {
    out.push(
      '',
      `Change notifications (${t.statement}):`,
      '',
      '| trigger | seconds for 20,000 events |',
      '|---|--:|',
      `| none | ${t.seconds.none} |`,
      `| per statement, transition tables (012, 015) | ${t.seconds.perStatement} |`,
      `| per row (005, before 012) | ${t.seconds.perRow} |`,
      ...(t.seconds.writePath === undefined ? [] : [`| every trigger an events INSERT runs: the notifications and the dashboard rollups' log (016) | ${t.seconds.writePath} |`]),
      '',
      `Load average during this part: ${load(t.loadAverage)}.`,
    );
  }
  if (ingest.processes?.length) {
    out.push(
      '',
      'Handler processes on one machine (node:cluster, rate limits in Redis, 10 database connections split between them), closed loop with COPY beside each:',
      '',
      '| processes | connections each | batch 1 events/s | ÷ COPY | batch 10 events/s | ÷ COPY | single events at a fixed rate: achieved/s, p50, p99 | load average |',
      '|--:|--:|--:|--:|--:|--:|---|---|',
    );
    for (const p of ingest.processes) {
      const [b1, b10] = [p.runs.find((r) => r.batch === 1), p.runs.find((r) => r.batch === 10)];
      const a = p.atRate ?? {};
      out.push(
        `| ${p.processes} | ${p.connectionsPerProcess} | ${num(b1?.http.eventsPerSecond)} | ${ratio(b1?.httpToCopy)} | ${num(b10?.http.eventsPerSecond)} | ${ratio(b10?.httpToCopy)} | ` +
          `${a.mode ?? '—'}: ${num(a.achievedRequestsPerSecond)}, ${ms(a.p50Ms)}, ${ms(a.p99Ms)} | ${load(p.loadAverage)} |`,
      );
    }
  }
  const q = ingest.queue;
  if (q) {
    const a = q.handler.atRate;
    const c = q.handler.closedLoop;
    out.push(
      '',
      'Queue mode (NATS JetStream at 127.0.0.1:4222, one handler process, then one worker pulling 2,000 messages at a time):',
      '',
      '| part | figure | load average |',
      '|---|---|---|',
      `| handler, ${a.mode} | ${num(a.achievedRequestsPerSecond)} requests/s achieved, p50 ${ms(a.p50Ms)}, p99 ${ms(a.p99Ms)}, dropped ${a.dropped ?? 0} | ${load(q.handler.loadAverage)} |`,
      `| handler, ${c.mode}, batches of 10 | ${num(c.eventsPerSecond)} events/s, p99 ${ms(c.p99Ms)} | (same) |`,
      `| worker, draining ${num(q.worker.events)} queued events | ${num(q.worker.eventsPerSecond)} events/s in ${q.worker.seconds} s | ${load(q.worker.loadAverage)} |`,
      `| COPY of the same rows | ${num(q.copy.eventsPerSecond)} events/s | |`,
      `| worker ÷ COPY | ${ratio(q.workerToCopy)} | |`,
    );
  }
  return out;
}

function summary(size, cpu, wire) {
  const out = [];
  const s = size?.rows;
  const ours = s?.find((r) => r.id === 'opsmantik');
  if (ours) {
    const peers = s.filter((r) => !r.ours && r.id !== 'fingerprintjs');
    const smaller = peers.filter((r) => r.brotli < ours.brotli).map((r) => r.name);
    out.push(
      `- Size: the script tag is ${bytes(ours.brotli)} brotli with every collector; ${peers.map((r) => `${r.name} ${bytes(r.brotli)}${ratio(r.brotli, ours.brotli)}`).join(', ')}.` +
        (smaller.length ? ` ${smaller.join(' and ')} ${smaller.length > 1 ? 'are' : 'is'} smaller, and sends one request per event (part 3).` : ''),
    );
  }
  const t = cpu?.trackers;
  if (t?.opsmantik) {
    const both = (id) => `${ms(t[id]?.traceScriptMs?.delta)} / ${ms(t[id]?.traceTaskMs.delta)}`;
    const peers = ['plausible', 'snowplow', 'segment', 'rudderstack', 'posthog'].filter((id) => t[id]).map((id) => `${nameOf(id)} ${both(id)}`);
    out.push(
      `- Main thread over the page alone (trace, thread time; scripting / all tasks): OpsMantik ${both('opsmantik')};` +
        ` with the fingerprint ${both('opsmantik-fp')} (FingerprintJS alone ${both('fingerprintjs')}${t['fingerprintjs-quiet'] ? `, started when ours starts ${both('fingerprintjs-quiet')}` : ''}); ${peers.join(', ')}.`,
    );
    const i = (id) => t[id]?.interactionMs;
    if (i('none') && i('opsmantik-fp')) {
      out.push(
        `- Interaction latency (Event Timing, median of every click and key press): the page alone ${ms(i('none').median)}, with OpsMantik ${ms(i('opsmantik')?.median)},` +
          ` with OpsMantik + fingerprint ${ms(i('opsmantik-fp').median)}, with FingerprintJS alone ${ms(i('fingerprintjs')?.median)}.`,
      );
    }
  }
  const w = wire?.trackers;
  if (w?.opsmantik) {
    const b = (id) => w[id]?.batch;
    const parts = ['plausible', 'snowplow', 'segment', 'rudderstack', 'posthog'].filter((id) => b(id)).map((id) => `${nameOf(id)} ${bytes(b(id).bodyBytes)} in ${b(id).requests}`);
    out.push(`- 20 events on the wire: OpsMantik ${bytes(b('opsmantik').bodyBytes)} in ${b('opsmantik').requests} request${b('opsmantik').requests > 1 ? 's' : ''}; ${parts.join(', ')}.`);
  }
  return out;
}

/** The command each part was measured with: one when a single run made them all. */
function commands(meta) {
  const parts = Object.entries(meta.parts ?? {}).filter(([, p]) => p.command);
  const distinct = [...new Set(parts.map(([, p]) => p.command))];
  if (distinct.length <= 1) return `\`${distinct[0] ?? meta.command ?? 'npm run bench'}\``;
  return parts.map(([name, p]) => `${name}: \`${p.command}\` (${p.date.slice(0, 16).replace('T', ' ')})`).join(', ');
}

// ---- the page -----------------------------------------------------------------------------------

export function render() {
  const size = read('size.json');
  const cpu = read('cpu.json');
  const wire = read('wire.json');
  const ingest = read('ingest.json');
  const dashboard = read('dashboard.json');
  const dashboardTriggers = read('dashboard-triggers.json');
  const meta = read('meta.json') ?? {};
  const m = meta.machine ?? {};
  const busy = Object.entries(meta.parts ?? {}).filter(([, p]) => p.loadAverage?.mean > 1.5);
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by bench/report.mjs from bench/results/*.json; edit those scripts, not this file. -->',
    '',
    'OpsMantik beside the trackers a site owner would otherwise install, measured in one run on one machine with',
    '`npm run bench` (it installs the peers into `bench/node_modules` from `bench/package-lock.json` when they are missing,',
    `builds the package, runs every part and renders this page${meta.seconds && !meta.partial ? `; this run took ${Math.round(meta.seconds / 60)} minutes` : ''}). Every figure is printed`,
    'with its ratio to OpsMantik\'s, as `(N×)`: the script tag for sizes, the script tag without the fingerprint elsewhere.',
    '',
    `- Date: ${meta.date?.slice(0, 16).replace('T', ' ') ?? '—'} UTC; commit \`${meta.commit ?? '?'}\`${meta.dirty ? ' with uncommitted changes to the tracker or the benchmark' : ''}.`,
    `- Command: ${commands(meta)}${cpu ? `; part 2 ran ${cpu.repeats} rounds (every page ${cpu.repeats} times, in fresh contexts)` : ''}.`,
    `- Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.platform}; Node ${m.node}; ${m.chromium}.`,
    `- Chromium: headless, through playwright-core, with \`${CHROMIUM_FLAGS.join(' ')}\`, \`--disable-blink-features=AutomationControlled\``,
    '  (so `navigator.webdriver` is false and PostHog and Plausible do not drop the visit as a bot) and a host-resolver rule that',
    '  resolves nothing but the two local servers, so a tracker that tried its vendor would fail at once and be reported.',
  ];
  const failed = Object.entries(meta.parts ?? {}).filter(([, p]) => p.build?.startsWith('failed'));
  if (failed.length) {
    lines.push(`- \`npm run build\` failed before ${failed.map(([n]) => n).join(', ')}: OpsMantik's figures there come from the \`dist/\` an earlier build left.`);
  }
  if (busy.length) {
    lines.push(
      // The load is measured; where it came from is not (the run's own build counts in the size part).
      `- The 2 cores were busy during some parts (load average ` +
        busy.map(([name, p]) => `${p.loadAverage.mean} mean, ${p.loadAverage.max} max during ${name}`).join('; ') +
        '). The browser parts measure thread CPU time, which such load barely moves, but wall-time figures and the spread of',
      '  the task columns are wider than on an idle machine.',
    );
  }
  lines.push('', '![Size and main-thread cost per tracker](benchmarks-chart.svg)', '', ...summary(size, cpu, wire), '');
  lines.push(...sizeSection(size), ...cpuSection(cpu, meta), ...ablationSection(read('ablation.json')), ...firefoxSection(read('firefox.json'), meta, nameOf), ...wireSection(wire), ...ingestSection(ingest), ...dashboardSection(dashboard, dashboardTriggers));
  lines.push(
    '## Method, and what it does not show',
    '',
    '- Two local servers: the site (`http://127.0.0.1:PORT`) serves the demo page with one snippet in `<head>`; the sink',
    '  (`http://localhost:PORT`) plays each vendor\'s CDN and collector. It serves the tracker files, the configuration',
    '  documents they fetch (Segment\'s project settings, RudderStack\'s source config, PostHog\'s remote config, each with',
    '  nothing enabled), answers every POST at any path with 200, answers CORS preflights, and records each request\'s',
    '  body and header bytes (`bench/lib/server.mjs`).',
    '- Peers are pinned in `bench/package.json` and run with their defaults; each is installed the way its documentation',
    '  shows for a script tag, pointed at the sink (`bench/lib/trackers.mjs`). Where a package ships no minified browser',
    `  file, the benchmark minifies or bundles it with terser \`${JSON.stringify(TERSER)}\` and rollup, and the size table says so.`,
    '- OpsMantik is measured as built by the package\'s own `npm run build`: the script tag with every collector (pageview,',
    '  scroll depth, hover intent, interactions, click ids), once without consent (no fingerprint) and once with consent',
    '  granted through the stub queue, which loads the fingerprint chunk from next to the script and computes the visitor',
    '  id in idle time once the visitor has left the page alone for half a second.',
    '- Not measured: what the vendors\' servers would add (remote configuration that turns on session recording, surveys or',
    '  destinations, and the extra code those load), network latency, mobile CPUs, and browsers other than Chromium and Firefox. A PostHog or',
    '  Segment project with features turned on loads more code than here, so their figures are a floor.',
    '- Reproduce: `npm run bench` (all parts), `npm run bench -- --parts cpu --repeats 15` (one part, more rounds),',
    '  `node bench/ablation.mjs` (the ablation table), `node bench/report.mjs` (re-render from `bench/results/`). Nothing',
    '  here is a test; `npm test` does not run it.',
    '',
  );
  mkdirSync(DOCS, { recursive: true });
  writeFileSync(join(DOCS, 'benchmarks.md'), lines.join('\n'));
  writeFileSync(join(DOCS, 'benchmarks-chart.svg'), chart({ size, cpu, nameOf }));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) render();
