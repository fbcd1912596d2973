// The ablation run (bench/ablation.mjs) as a part of docs/benchmarks.md: each build's bytes beside
// its main-thread cost, against the script tag as built and Plausible.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

const ms = (x) => `${x.toFixed(1)} ms`;
const signed = (x, digits = 0) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(digits)}`;

/** The script tag's brotli budget from `.size-limit.json` (its entry for dist/opsmantik.min.js). */
function scriptBudget() {
  const entry = JSON.parse(readFileSync(join(ROOT, '.size-limit.json'), 'utf8')).find((e) => e.path === 'dist/opsmantik.min.js');
  return entry ? Math.round(parseFloat(entry.limit) * (/kb/i.test(entry.limit) ? 1000 : 1)) : Infinity;
}

export function ablationSection(a) {
  if (!a) return [];
  const budget = scriptBudget();
  const base = a.variants.find((v) => v.id === 'as-built');
  if (!base) return [];
  const byId = Object.fromEntries(a.variants.map((v) => [v.id, v]));
  /** Scripting of build x minus build y, when the run has both. */
  const diff = (x, y) => (byId[x] && byId[y] ? byId[x].overPageMs - byId[y].overPageMs : undefined);
  const out = [
    '### What each part of the script tag costs (ablation)',
    '',
    'The profile above names our functions; it cannot see what the browser spends calling a listener (each call is',
    'traced, entered and followed by a microtask checkpoint), nor what an event costs once it leads to a send.',
    '`bench/ablation.mjs` builds the script tag again with one part changed (from a patched copy of `src/`, with the',
    "package's own rollup config) and runs part 2's visit on each build, beside the build as it is, Plausible and the page",
    `alone: ${a.repeats} rounds, ${a.date.slice(0, 16).replace('T', ' ')} UTC, commit \`${a.commit}\`, load average ${a.loadAverage.mean} mean and`,
    `${a.loadAverage.max} max, \`${a.command}\`. Scripting (trace) over the page alone, median; brotli as size-limit counts it.`,
    '',
    '| build | brotli | vs as built | scripting | vs as built | sends |',
    '|---|--:|--:|--:|--:|--:|',
  ];
  for (const v of a.variants) {
    const name = v.id === 'as-built' ? `**${v.id}**: ${v.what}` : `${v.id}: ${v.what}`;
    out.push(`| ${name} | ${v.bytes} B | ${signed(v.bytes - base.bytes)} B | ${ms(v.overPageMs)} | ${signed(v.overPageMs - base.overPageMs, 1)} ms | ${v.posts} |`);
  }
  out.push(`| Plausible, for scale | | | ${ms(a.plausible.overPageMs)} | ${signed(a.plausible.overPageMs - base.overPageMs, 1)} ms | ${a.plausible.posts} |`);
  const lines = [];
  const called = [
    ['scroll-listener-idle', 'no-scroll', 'the scroll events'],
    ['hover-listener-idle', 'no-hover', 'the `mouseover` events'],
  ].filter(([x, y]) => diff(x, y) !== undefined);
  if (called.length) {
    lines.push(
      `- Being called at all over the visit (a listener that does nothing, against none): ${called.map(([x, y, what]) => `${ms(diff(x, y))} for ${what}`).join(', ')}.`,
      '  No change inside our functions removes that; only not listening does.',
    );
  }
  const timer = diff('scroll-position-read-in-timer', 'as-built');
  if (timer !== undefined) {
    lines.push(`- Comparing the position in a timer (one per frame) instead of in the listener: ${signed(timer, 1)} ms against the build as it is.`);
  }
  const sends = diff('as-built', 'sends-answered-locally');
  if (sends !== undefined) lines.push(`- The visit's ${base.posts} sends (\`fetch\` with \`keepalive\`, and the answers): ${ms(sends)} in all.`);
  const io = byId['scroll-observer-and-listener'];
  if (io) {
    lines.push(
      `- Scroll depth from an IntersectionObserver: ${signed(io.overPageMs - base.overPageMs, 1)} ms (to ${ms(io.overPageMs)}; Plausible ${ms(a.plausible.overPageMs)}), for`,
      `  ${signed(io.bytes - base.bytes)} B${io.bytes > budget ? `, over the script tag's budget of ${budget.toLocaleString('en-US')} B (\`.size-limit.json\`)` : ''}. The listener it keeps until the observer`,
      '  trusts the element is needed on pages whose `html` is `height: 100%`: the element is then one viewport tall,',
      '  its share never changes and the observer never calls back.',
    );
  }
  const calls = byId['calls-by-server'];
  const both = byId['observer-and-calls-by-server'];
  if (calls && both) {
    lines.push(
      `- The tracker's own call request (\`/api/call-event\` after a \`tel:\` click, and its place in the outbox) takes ${base.bytes - calls.bytes} B.`,
      `  Were the server to record the call from the \`phone_click\` event the tracker sends anyway, both changes together`,
      `  would weigh ${both.bytes.toLocaleString('en-US')} B (${both.bytes <= budget ? 'within' : 'over'} the budget) and cost ${ms(both.overPageMs)}.`,
    );
  }
  if (lines.length) out.push('', ...lines);
  out.push('');
  return out;
}
