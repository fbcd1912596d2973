// Section 2b of docs/benchmarks.md, from bench/results/firefox.json (bench/lib/firefox.mjs).
import { ratio } from './format.mjs';
import { TRACKERS } from './trackers.mjs';

const num = (x) => (Math.abs(x) < 10 ? x.toFixed(1) : x.toFixed(0));
const ms = (x) => `${num(x)} ms`;

/** @param {(id: string) => string} nameOf */
export function firefoxSection(ff, meta, nameOf) {
  const out = ['## 2b. Main-thread cost in Firefox', ''];
  if (!ff) {
    out.push('Not measured in this run (`--parts` left `firefox` out).', '');
    return out;
  }
  const t = ff.trackers;
  const ours = t.opsmantik?.mainThreadMs?.delta;
  const oursScript = t.opsmantik?.scriptMs?.delta;
  // A difference with its ratio to ours (when ours is at least `floor` ms) and its interval.
  const cell = (f, o, id, floor) =>
    f?.delta === undefined ? '—' : `${ms(f.delta)}${id !== 'opsmantik' && o >= floor ? ratio(f.delta, o) : ''} [${num(f.interval[0])}, ${num(f.interval[1])}]`;
  const load = meta?.parts?.firefox?.loadAverage;
  out.push(
    `The same visit as part 2, in Debian's Firefox ESR (${ff.browser}, headless), driven by puppeteer-core over WebDriver BiDi`,
    `(\`bench/lib/firefox.mjs\`): ${ff.repeats} rounds, each in a fresh Firefox that visits every page once in a shuffled order after one`,
    'unrecorded warm-up visit, each visit in a fresh browser context.',
    'WebDriver BiDi has no tracing or performance-metrics domain, and Firefox has no Long Tasks API',
    "(`PerformanceObserver.supportedEntryTypes` lacks `longtask`). Two figures come from elsewhere, both in thread time:",
    '',
    "- **Scripting (profiler)**: Firefox runs the Gecko profiler from its start (`MOZ_PROFILER_STARTUP=1`, main threads sampled",
    '  every millisecond with their CPU time, written to a file on exit by `MOZ_PROFILER_SHUTDOWN`; one browser per round), and',
    "  each visit counts the CPU time of the samples whose stack holds a frame of the tracker's own files (all served from the",
    "  sink's origin), inclusive of what they call. The page alone has none, so nothing is subtracted. Like part 2's",
    '  scripting, but sampled: inline snippets in the page are left out, and work a script schedules outside its own frames',
    '  (style and layout done later) is not counted.',
    `- **Main thread (/proc)**: the CPU time of the main thread of Firefox's web-content processes during the visit, from`,
    `  \`/proc/<pid>/task/<pid>/stat\` (in ticks of ${ff.tickMs} ms), all work alike (like part 2's TaskDuration), minus the page alone's`,
    "  median. Coarse: the page's own rendering varies by tens of ms from visit to visit.",
    '',
    "Brackets hold a 95% bootstrap interval of the median difference (ms). Not comparable with part 2's figures (another",
    'engine, other counters, the profiler running); compare the trackers within this table.',
    '',
    '| tracker | scripting (profiler) | main thread (/proc) | requests sent |',
    '|---|--:|--:|--:|',
  );
  // In the order bench/lib/trackers.mjs gives the pages, the page alone left out.
  for (const id of TRACKERS.map((x) => x.id).filter((x) => x !== 'none' && t[x])) {
    const r = t[id];
    const name = id.startsWith('opsmantik') ? `**${nameOf(id)}**` : nameOf(id);
    out.push(`| ${name} | ${cell(r.scriptMs, oursScript, id, 1)} | ${cell(r.mainThreadMs, ours, id, 10)} | ${r.posts} |`);
  }
  const base = t.none?.mainThreadMs;
  if (base) {
    out.push(
      '',
      `The page alone, main thread (/proc): ${ms(base.median)} (from ${ms(Math.min(...base.values))} to ${ms(Math.max(...base.values))} over the rounds). A tick is ${ff.tickMs} ms, so`,
      'differences of a few ticks are within the counter\'s resolution: more rounds (`--repeats`) narrow the intervals.',
    );
  }
  const errs = Object.entries(t).filter(([, r]) => r.errors?.length);
  if (errs.length) {
    out.push('', 'Page errors and console errors seen during the runs:', '');
    for (const [id, r] of errs) out.push(`- ${nameOf(id)}: ${r.errors.slice(0, 2).map((e) => '`' + e.slice(0, 160).replace(/`/g, "'") + '`').join(', ')}`);
  }
  if (load) out.push('', `Load average during this part: mean ${load.mean}, max ${load.max} on ${meta.machine?.cpus ?? '?'} cores.`);
  out.push('');
  return out;
}
