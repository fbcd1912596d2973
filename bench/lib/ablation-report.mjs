// The ablation run (bench/ablation.mjs) as a part of docs/benchmarks.md: each build's bytes beside
// its main-thread cost, against the script tag as built and Plausible.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

// (A difference that rounds to zero prints as 0.0, not -0.0.)
const ms = (x) => `${(Math.abs(x) < 0.05 ? 0 : x).toFixed(1)} ms`;
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
  // Every top-level task (style, layout, paint and animation frames too), over the page alone; runs before 2026-12-01 06:20 did not record it.
  const tasks = (v) => (v.tasksOverPageMs === undefined ? '—' : ms(v.tasksOverPageMs));
  const tasksVs = (v) => (v.tasksOverPageMs === undefined || base.tasksOverPageMs === undefined ? '—' : `${signed(v.tasksOverPageMs - base.tasksOverPageMs, 1)} ms`);
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
    '| build | brotli | vs as built | scripting | vs as built | all tasks | vs as built | sends |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const v of a.variants) {
    const name = v.id === 'as-built' ? `**${v.id}**: ${v.what}` : `${v.id}: ${v.what}`;
    out.push(`| ${name} | ${v.bytes} B | ${signed(v.bytes - base.bytes)} B | ${ms(v.overPageMs)} | ${signed(v.overPageMs - base.overPageMs, 1)} ms | ${tasks(v)} | ${tasksVs(v)} | ${v.posts} |`);
  }
  out.push(`| Plausible, for scale | | | ${ms(a.plausible.overPageMs)} | ${signed(a.plausible.overPageMs - base.overPageMs, 1)} ms | ${tasks(a.plausible)} | ${tasksVs(a.plausible)} | ${a.plausible.posts} |`);
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
  const hover = diff('as-built', 'no-hover');
  if (hover !== undefined) {
    const parts = [
      ['as-built', 'hover-no-closest', '`closest()` finding the target'],
      ['as-built', 'hover-no-track', 'its hover events once made (tracked, stored and sent)'],
      ['as-built', 'hover-no-timer', 'its dwell timers with the hover events and sends they make'],
    ].filter(([x, y]) => diff(x, y) !== undefined);
    lines.push(
      `- Hover intent, in all: ${ms(hover)} of the build's ${ms(base.overPageMs)}, the largest part left.${parts.length ? ` Within it: ${parts.map(([x, y, what]) => `${what} ${ms(diff(x, y))}`).join(', ')};` : ''}`,
      `  the visits of the build as it is spread over ${ms(Math.max(...base.values) - Math.min(...base.values))} of scripting in this run (${base.values.map((x) => x.toFixed(0)).join(', ')} ms),`,
      '  so a difference between two medians well inside that spread is an indication at most, not a finding.',
    );
  }
  const css = byId['hover-css'];
  if (css && css.tasksOverPageMs !== undefined && base.tasksOverPageMs !== undefined) {
    lines.push(
      `- Hover intent timed by the browser instead (\`hover-css\`: a style rule whose empty animation starts after the dwell, one call per hover intent): scripting ${signed(css.overPageMs - base.overPageMs, 1)} ms,`,
      `  but all tasks ${signed(css.tasksOverPageMs - base.tasksOverPageMs, 1)} ms (${ms(css.tasksOverPageMs)} against ${ms(base.tasksOverPageMs)} over the page alone; per visit ${css.taskValues.map((x) => x.toFixed(0)).join(', ')} against ${base.taskValues.map((x) => x.toFixed(0)).join(', ')} ms):`,
      css.tasksOverPageMs > base.tasksOverPageMs
        ? '  the style and animation-frame work the rule makes the browser do costs the page more than the listener calls it saves, so the listener stays.'
        : '  in this run the rule cost less in all tasks too.',
    );
  }
  const sends = diff('as-built', 'sends-answered-locally');
  if (sends !== undefined) lines.push(`- The visit's \`fetch\` sends and their answers (${base.posts} requests in all, the beacon at page leave among them): ${ms(sends)}.`);
  const delay = byId['delay-1s'];
  if (delay) {
    lines.push(
      `- Batches 1 s after the first waiting event (the default until 2026-12-01) instead of 5 s: ${signed(diff('delay-1s', 'as-built'), 1)} ms,`,
      `  ${delay.posts} requests against ${base.posts}; the 5 s batches leave the rest for the beacon at page leave, which the visit counts.`,
    );
  }
  const listener = byId['scroll-listener-only'];
  if (listener) {
    lines.push(
      `- Scroll depth asked for by an IntersectionObserver, as built, against its scroll listener alone: ${signed(-diff('scroll-listener-only', 'as-built'), 1)} ms`,
      `  (${ms(listener.overPageMs)} to ${ms(base.overPageMs)}; Plausible ${ms(a.plausible.overPageMs)}), for ${signed(base.bytes - listener.bytes)} B. The build as it is weighs`,
      `  ${base.bytes.toLocaleString('en-US')} B against the script tag's budget of ${budget.toLocaleString('en-US')} B (\`.size-limit.json\`): the bytes came from the call request the`,
      '  tracker no longer makes (the server records the call from the `phone_click` event).',
    );
  }
  if (lines.length) out.push('', ...lines);
  out.push('');
  return out;
}
