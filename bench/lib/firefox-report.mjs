// Section 2b of docs/benchmarks.md, from bench/results/firefox.json (bench/lib/firefox.mjs).
import { ratio } from './format.mjs';

const ms = (x) => `${Math.round(x)} ms`;

/** @param {(id: string) => string} nameOf */
export function firefoxSection(ff, meta, nameOf) {
  const out = ['## 2b. Main-thread cost in Firefox', ''];
  if (!ff) {
    out.push('Not measured in this run (`--parts` left `firefox` out).', '');
    return out;
  }
  const t = ff.trackers;
  const ours = t.opsmantik?.mainThreadMs?.delta;
  const load = meta?.parts?.firefox?.loadAverage;
  out.push(
    `The same visit as part 2, in Debian's Firefox ESR (${ff.browser}, headless), driven by puppeteer-core over WebDriver BiDi`,
    `(\`bench/lib/firefox.mjs\`), ${ff.repeats} rounds in a shuffled order after one warm-up visit, each visit in a fresh browser context.`,
    'Firefox offers less to measure with: WebDriver BiDi has no tracing or performance-metrics domain, and Firefox has no',
    "Long Tasks API (`PerformanceObserver.supportedEntryTypes` lacks `longtask`), so there is no scripting column here. The",
    'figure is the CPU time of the main thread of Firefox\'s web-content processes during the visit, read from',
    `\`/proc/<pid>/task/<pid>/stat\` before and after it (thread time, in ticks of ${ff.tickMs} ms): script, style, layout,`,
    'paint and garbage collection alike, like part 2\'s TaskDuration, minus the page alone\'s median; the brackets hold a 95%',
    'bootstrap interval of that difference. It is not comparable with part 2\'s figures (another engine, another counter);',
    'compare the trackers within this table.',
    '',
    '| tracker | main thread, content processes | requests sent |',
    '|---|--:|--:|',
  );
  const order = ['opsmantik', 'opsmantik-fp', 'fingerprintjs', 'plausible', 'snowplow', 'segment', 'rudderstack', 'posthog'];
  for (const id of order.filter((x) => t[x])) {
    const r = t[id];
    const f = r.mainThreadMs;
    const name = id.startsWith('opsmantik') ? `**${nameOf(id)}**` : nameOf(id);
    const cell = f.delta === undefined ? '—' : `${ms(f.delta)}${id !== 'opsmantik' && ours >= 10 ? ratio(f.delta, ours) : ''} [${f.interval[0].toFixed(0)}, ${f.interval[1].toFixed(0)}]`;
    out.push(`| ${name} | ${cell} | ${r.posts} |`);
  }
  const base = t.none?.mainThreadMs;
  if (base) {
    out.push(
      '',
      `The page alone: ${ms(base.median)} (from ${ms(Math.min(...base.values))} to ${ms(Math.max(...base.values))} over the rounds). A tick is ${ff.tickMs} ms, so`,
      'differences of a few ticks are within the counter\'s resolution: more rounds (`--repeats`) narrow the intervals.',
    );
  }
  const errs = Object.entries(t).filter(([, r]) => r.errors?.length);
  if (errs.length) {
    out.push('', 'Page errors and console errors seen during the runs:', '');
    for (const [id, r] of errs) out.push(`- ${nameOf(id)}: ${r.errors.slice(0, 2).map((e) => '`' + e.slice(0, 160).replace(/`/g, "'") + '`').join(', ')}`);
  }
  out.push(
    '',
    'Not used: the Gecko profiler, which does run headless here (`MOZ_PROFILER_STARTUP=1` with `MOZ_PROFILER_SHUTDOWN=<file>`',
    'writes a profile of function samples when the browser quits), would give per-function figures as part 2\'s trace does, at',
    'the cost of one browser per visit and a reader for its own format.',
  );
  if (load) out.push('', `Load average during this part: mean ${load.mean}, max ${load.max} on ${meta.machine?.cpus ?? '?'} cores.`);
  out.push('');
  return out;
}
