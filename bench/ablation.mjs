#!/usr/bin/env node
// What each part of the script tag costs on the main thread, beyond what the profile can name.
// The profile (part 2) charges self time to our functions; it cannot see what the browser spends
// calling a listener (each call is traced, entered, and followed by a microtask checkpoint), nor the
// sends an event leads to. So this builds the script tag again with one part changed (a collector left
// out, its listener doing nothing, another way of measuring) and runs part 2's visit on each build,
// side by side with the build as it is, Plausible and the page alone, in one run. Each row gives its
// brotli size beside its cost, so a cut is judged by both.
//
//   node bench/ablation.mjs [--repeats 5] [--variants no-hover,calls-by-server] [--sizes-only]
//
// Builds go to node_modules/.cache/opsmantik-ablation/<variant>/ (a patched copy of src/, built with
// the package's own rollup config); src/ is never touched. Results: bench/results/ablation.json,
// rendered into docs/benchmarks.md by bench/report.mjs (with --variants: bench/results/partial/, the
// full run's record kept).
import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sizes } from './lib/compress.mjs';
import { ROOT, RESULTS } from './lib/paths.mjs';
import { installPeers } from './lib/peers.mjs';
import { TRACKERS } from './lib/trackers.mjs';

/** Scroll depth without its IntersectionObserver: the scroll listener alone, as the collector was before it. */
const LISTENER_ONLY = [
  {
    file: 'collectors/scrollDepth.ts',
    from: '      (SCRIPT_TAG || self.IntersectionObserver) &&',
    to: '      (undefined as typeof IntersectionObserver | undefined) &&',
  },
];

/** Hover intent timed by a CSS animation instead of a listener (bench/fixtures/ablation/). */
const CSS_HOVER = { file: 'collectors/hoverIntent.ts', with: 'bench/fixtures/ablation/hoverIntent-css.ts' };

/**
 * Each variant: what it changes, and the edits to src/ that make it (`from` must be found, or the
 * run stops: a variant that silently built the unchanged script would measure nothing).
 */
const VARIANTS = [
  { id: 'as-built', what: 'the script tag as it is', edits: [] },
  {
    id: 'no-hover',
    what: 'without the hover-intent collector',
    edits: [{ file: 'script.ts', from: '      hoverIntent(),\n', to: '' }],
  },
  {
    id: 'hover-css',
    what: 'hover intent timed by the browser (bench/fixtures/ablation/hoverIntent-css.ts, on main for an hour on 2026-12-01): a zero-specificity style rule whose empty CSS animation starts after the dwell, one call per hover intent; compare its all-tasks column',
    edits: [CSS_HOVER],
  },
  {
    id: 'hover-listener-idle',
    what: "hover intent's `mouseover` listener installed but doing nothing: the cost of being called",
    edits: [{ file: 'collectors/hoverIntent.ts', from: "on(document, 'mouseover', over, true)", to: "on(document, 'mouseover', () => {}, true)" }],
  },
  {
    id: 'hover-no-closest',
    what: "hover intent's listener without `closest` (the target itself must match): what finding the target costs",
    edits: [{ file: 'collectors/hoverIntent.ts', from: '(e.target as Element).closest(options?.selector || INTENT)', to: '((e.target as Element).matches(options?.selector || INTENT) ? (e.target as Element) : null)' }],
  },
  {
    id: 'hover-no-track',
    what: "hover intent's dwell timer firing without tracking the event: what the hover events cost once made",
    edits: [{ file: 'collectors/hoverIntent.ts', from: 'first(x) && t.track(CATEGORY.hoverIntent', to: 'first(x) && 0 && t.track(CATEGORY.hoverIntent' }],
  },
  {
    id: 'hover-no-timer',
    what: "hover intent's listener finding targets but starting no dwell timer: what the dwell timers, and the hover events and sends they make, cost",
    edits: [{ file: 'collectors/hoverIntent.ts', from: 'if (x) timer = setTimeout(', to: 'if (x && 0) timer = setTimeout(' }],
  },
  {
    id: 'hover-moved-only',
    what: 'hover intent looking for a target only when the pointer moved (content scrolling under a resting pointer only ends a dwell): a measurement, not a candidate as written (synthetic events without coordinates, as the unit tests dispatch, would all look unmoved)',
    edits: [
      { file: 'collectors/hoverIntent.ts', from: 'let target: Element | null | undefined;', to: 'let target: Element | null | undefined;\n    let px: number | undefined, py: number | undefined;' },
      {
        file: 'collectors/hoverIntent.ts',
        from: 'const x = (e.target as Element).closest(options?.selector || INTENT);',
        to: 'const m = (e as MouseEvent).clientX !== px || (e as MouseEvent).clientY !== py;\n      px = (e as MouseEvent).clientX;\n      py = (e as MouseEvent).clientY;\n      const x = m ? (e.target as Element).closest(options?.selector || INTENT) : null;',
      },
    ],
  },
  {
    id: 'delay-1s',
    what: 'events sent 1 s after the first waiting one (the default before 2026-12-01, now 5 s): what the visit\'s extra requests cost',
    edits: [{ file: 'tracker/createTracker.ts', from: 'o.delay ?? 5000', to: 'o.delay ?? 1000' }],
  },
  {
    id: 'no-scroll',
    what: 'without the scroll-depth collector',
    edits: [{ file: 'script.ts', from: '      scrollDepth(),\n', to: '' }],
  },
  {
    id: 'scroll-listener-only',
    what: 'scroll depth from its scroll listener alone, without the IntersectionObserver (the collector before it)',
    edits: LISTENER_ONLY,
  },
  {
    id: 'scroll-listener-idle',
    what: "scroll depth's listener alone, installed but doing nothing: the cost of being called",
    edits: [
      ...LISTENER_ONLY,
      {
        file: 'collectors/scrollDepth.ts',
        from: "on(window, 'scroll', () => scrollY < next[location.href]! || (frame ||= setTimeout(measure)))",
        to: "on(window, 'scroll', () => {})",
      },
    ],
  },
  {
    id: 'sends-answered-locally',
    what: "each send answered by the page itself (`fetch` replaced by a resolved `Response`): what the visit's sends cost",
    edits: [{ file: 'tracker/transport.ts', from: "fetch(url, { method: 'POST', body, keepalive: true })", to: 'Promise.resolve(new Response())' }],
  },
];

const { values: args } = parseArgs({
  options: {
    repeats: { type: 'string', default: '5' },
    variants: { type: 'string' },
    'sizes-only': { type: 'boolean', default: false },
  },
});
const repeats = Number(args.repeats);
const chosen = args.variants ? ['as-built', ...args.variants.split(',').map((s) => s.trim()).filter((s) => s !== 'as-built')] : VARIANTS.map((v) => v.id);
const variants = chosen.map((id) => VARIANTS.find((v) => v.id === id) ?? fail(`unknown variant ${id}; known: ${VARIANTS.map((v) => v.id).join(', ')}`));
const log = (s) => console.log(`[ablation ${new Date().toISOString().slice(11, 19)}] ${s}`);

function fail(message) {
  console.error(`ablation: ${message}`);
  process.exit(1);
}

const CACHE = join(ROOT, 'node_modules', '.cache', 'opsmantik-ablation');

/** Builds the script tag of one variant from a patched copy of src/ and returns the file. */
function build(v) {
  const dir = join(CACHE, v.id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(ROOT, 'rollup.config.mjs'), join(dir, 'rollup.config.mjs'));
  cpSync(join(ROOT, 'scripts', 'rollup-parts.mjs'), join(dir, 'scripts', 'rollup-parts.mjs'));
  for (const e of v.edits) {
    const file = join(dir, 'src', e.file);
    // `with`: the file replaced by another (a collector as it was), before any edit of it.
    if (e.with) {
      writeFileSync(file, readFileSync(join(ROOT, e.with), 'utf8'));
      continue;
    }
    const text = readFileSync(file, 'utf8');
    if (!text.includes(e.from)) fail(`variant ${v.id}: src/${e.file} no longer holds ${JSON.stringify(e.from)}; update bench/ablation.mjs`);
    writeFileSync(file, text.replace(e.from, e.to));
  }
  // Only the script tag's entry of the package's config, built where the copy is (the config's paths
  // are relative to the working directory); node_modules is found up the tree, in the package's root.
  const script = `
    import { rollup } from 'rollup';
    const config = (await import('./rollup.config.mjs')).default.find((c) => c.output?.file === 'dist/opsmantik.min.js');
    const bundle = await rollup(config);
    await bundle.write({ ...config.output, sourcemap: false });`;
  // (A file, not `node -e`: terser's workers refuse the flags an inline module needs.)
  writeFileSync(join(dir, 'build.mjs'), script);
  const r = spawnSync(process.execPath, ['build.mjs'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) fail(`variant ${v.id} did not build:\n${(r.stderr || r.stdout).split('\n').slice(-15).join('\n')}`);
  return join(dir, 'dist', 'opsmantik.min.js');
}

const started = Date.now();
const load = [os.loadavg()[0]];
const sampler = setInterval(() => load.push(os.loadavg()[0]), 5000);

installPeers(log);

const built = [];
for (const v of variants) {
  log(`building ${v.id}`);
  const file = build(v);
  built.push({ ...v, file, bytes: sizes(readFileSync(file)).brotli });
}

if (args['sizes-only']) {
  for (const v of built) log(`${v.id.padEnd(30)} ${v.bytes} B (${v.bytes - built[0].bytes >= 0 ? '+' : ''}${v.bytes - built[0].bytes})`);
  process.exit(0);
}

// Each variant is a page of its own, installed as the script tag is.
const ours = TRACKERS.find((t) => t.id === 'opsmantik');
for (const v of built) TRACKERS.push({ ...ours, id: `ablation-${v.id}`, name: v.id, ours: false, source: { file: v.file }, servedAs: `/ablation/${v.id}.js` });

const { launch, contextFactory, prepare } = await import('./lib/browser.mjs');
const { measureCpu } = await import('./lib/cpu.mjs');
const { servers, trackers, missing } = await prepare(['none', 'plausible', ...built.map((v) => `ablation-${v.id}`)]);
if (missing.length) fail(`missing: ${missing.join(', ')}`);
const browser = await launch();
let cpu;
try {
  const mkContext = await contextFactory(browser);
  log(`${repeats} rounds of ${trackers.length} pages (about ${Math.round((repeats * trackers.length * 11) / 60)} min)`);
  cpu = await measureCpu({ browser, mkContext, servers, trackers, repeats, progress: log });
} finally {
  await browser.close();
  await servers.close();
  clearInterval(sampler);
}

const row = (id) => {
  const r = cpu.trackers[id];
  // All tasks beside scripting: work moved out of script (style, layout, animation frames) shows there.
  return {
    scriptingMs: r.traceScriptMs.median,
    overPageMs: r.traceScriptMs.delta,
    interval: r.traceScriptMs.interval,
    values: r.traceScriptMs.values,
    tasksOverPageMs: r.traceTaskMs.delta,
    taskValues: r.traceTaskMs.values,
    posts: r.posts,
    byTask: r.byTask,
    errors: r.errors,
  };
};
const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
const result = {
  date: new Date(started).toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  commit: git('rev-parse', '--short', 'HEAD'),
  command: `node bench/ablation.mjs${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}`,
  repeats,
  loadAverage: { mean: Math.round((load.reduce((a, b) => a + b, 0) / load.length) * 100) / 100, max: Math.round(Math.max(...load) * 100) / 100 },
  none: row('none'),
  plausible: row('plausible'),
  variants: built.map((v) => ({ id: v.id, what: v.what, bytes: v.bytes, ...row(`ablation-${v.id}`) })),
};
// A run of chosen variants is a quick look: it leaves the full run's record (and the docs) alone.
const out = args.variants ? join(RESULTS, 'partial') : RESULTS;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'ablation.json'), `${JSON.stringify(result, null, 2)}\n`);
const base = result.variants[0];
for (const v of result.variants) {
  log(`${v.id.padEnd(22)} ${String(v.bytes).padStart(5)} B (${v.bytes - base.bytes >= 0 ? '+' : ''}${v.bytes - base.bytes}), over the page alone ${v.overPageMs.toFixed(1)} ms (${(v.overPageMs - base.overPageMs).toFixed(1)}), all tasks ${v.tasksOverPageMs.toFixed(1)} ms (${(v.tasksOverPageMs - base.tasksOverPageMs).toFixed(1)}), ${v.posts} sends`);
}
log(`plausible: over the page alone ${result.plausible.overPageMs.toFixed(1)} ms, all tasks ${result.plausible.tasksOverPageMs.toFixed(1)} ms; results in ${join(out, 'ablation.json')}${args.variants ? '' : ' (node bench/report.mjs renders them)'}`);
process.exit(0);
