#!/usr/bin/env node
// `npm run bench`: OpsMantik beside the trackers sites install today, in one run.
//   1. size of the file each loads (raw, gzip, brotli)
//   2. main-thread cost in headless Chromium (median of repeated visits, minus the page alone),
//      and in headless Firefox ESR (part 2b: bench/lib/firefox.mjs)
//   3. bytes on the wire for a pageview, a scroll milestone and a batch of 20 events
// Results go to bench/results/*.json; bench/report.mjs turns them into docs/benchmarks.md and
// docs/benchmarks-chart.svg (section 4, ingestion, comes from bench/ingest.mjs's own results).
//
//   node bench/run.mjs [--parts size,cpu,wire,firefox] [--repeats 7] [--no-build] [--with-ingest]
//                      [--trackers opsmantik,plausible]
// --trackers: parts 2 and 3 (Chromium) visit only these pages, plus the page alone that every figure is
// measured against; for quick A/B runs. Such a partial run prints its medians and writes
// bench/results/partial/*.json only: bench/results/ and the docs keep the last full run.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { BENCH, ROOT, RESULTS } from './lib/paths.mjs';
import { installPeers } from './lib/peers.mjs';

/** The parts of a full run, in the order they run (ingestion only with --with-ingest). */
const ALL_PARTS = ['size', 'cpu', 'wire', 'firefox'];

const { values: args } = parseArgs({
  options: {
    parts: { type: 'string', default: ALL_PARTS.join(',') },
    repeats: { type: 'string', default: '7' },
    'no-build': { type: 'boolean', default: false },
    'with-ingest': { type: 'boolean', default: false },
    trackers: { type: 'string' },
  },
});
const only = args.trackers && ['none', ...args.trackers.split(',').map((s) => s.trim())];
const parts = new Set(args.parts.split(',').map((s) => s.trim()));
const repeats = Number(args.repeats);
const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
const log = (s) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);
const started = Date.now();

installPeers(log);

// Our files come from the package's own build; a failed build leaves whatever dist/ holds.
let build = 'skipped (--no-build)';
if (!args['no-build']) {
  log('npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  build = r.status === 0 ? 'ok' : `failed (exit ${r.status}); measured the dist/ already there`;
  if (r.status !== 0) log(`build ${build}\n${(r.stderr || r.stdout).split('\n').slice(-10).join('\n')}`);
}
const haveOurs = existsSync(join(ROOT, 'dist', 'opsmantik.min.js'));
if (!haveOurs) log('dist/opsmantik.min.js is missing: OpsMantik is left out of this run');

// Other processes share the 2 cores: sample the load average through the run and report it.
const load = [];
const sampleLoad = () => load.push(os.loadavg()[0]);
sampleLoad();
const sampler = setInterval(sampleLoad, 5000);

const git = (...a) => {
  try {
    return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};
const chromiumVersion = (() => {
  try {
    // The binary itself: Debian's /usr/bin/chromium wrapper prints a warning of its own.
    const bin = existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';
    return execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
})();

const out = only ? join(RESULTS, 'partial') : RESULTS;
mkdirSync(out, { recursive: true });
const write = (name, data) => writeFileSync(join(out, name), `${JSON.stringify(data, null, 2)}\n`);
// Each part records when it ran, for how long, and how busy the machine was meanwhile, so that a
// partial run (--parts cpu) keeps the other parts' records.
const metaFile = join(out, 'meta.json');
const previous = existsSync(metaFile) ? JSON.parse(readFileSync(metaFile, 'utf8')) : {};
const partsMeta = { ...(previous.parts || {}) };
async function part(name, fn) {
  const t = Date.now();
  const from = load.length;
  sampleLoad();
  await fn();
  sampleLoad();
  const l = load.slice(from);
  partsMeta[name] = {
    date: new Date(t).toISOString(),
    seconds: Math.round((Date.now() - t) / 1000),
    loadAverage: { mean: round2(l.reduce((a, b) => a + b, 0) / l.length), max: round2(Math.max(...l)) },
    ...(name === 'cpu' ? { repeats } : {}),
    build,
    command,
  };
}
const round2 = (x) => Math.round(x * 100) / 100;

if (parts.has('size')) {
  await part('size', async () => {
    log('part 1: sizes');
    const { measureSize } = await import('./lib/size.mjs');
    write('size.json', await measureSize());
  });
}

if (parts.has('cpu') || parts.has('wire')) {
  const { launch, contextFactory, prepare } = await import('./lib/browser.mjs');
  const { servers, trackers, missing } = await prepare(only);
  if (missing.length) log(`left out (file missing): ${missing.join(', ')}`);
  const browser = await launch();
  try {
    const mkContext = await contextFactory(browser);
    if (parts.has('wire')) {
      await part('wire', async () => {
        log('part 3: bytes on the wire');
        const { measureWire } = await import('./lib/wire.mjs');
        write('wire.json', await measureWire({ mkContext, servers, trackers, progress: log }));
      });
    }
    if (parts.has('cpu')) {
      await part('cpu', async () => {
        log(`part 2: main-thread cost, ${repeats} rounds of ${trackers.length} pages (about ${Math.round((repeats * trackers.length * 10) / 60)} min)`);
        const { measureCpu } = await import('./lib/cpu.mjs');
        const cpu = await measureCpu({ browser, mkContext, servers, trackers, repeats, progress: log });
        write('cpu.json', cpu);
        if (only) {
          for (const [id, r] of Object.entries(cpu.trackers)) log(`${id}: scripting (trace) median ${r.traceScriptMs.median.toFixed(1)} ms, over the page alone ${r.traceScriptMs.delta?.toFixed(1) ?? '-'} ms ${JSON.stringify(r.traceScriptMs.values)}`);
          for (const [id, p] of Object.entries(cpu.profile)) log(`${id} profile, ${p.totalMs} ms self time:\n${p.top.map((f) => `  ${f.ms} ms  ${f.frame}`).join('\n')}`);
        }
      });
    }
  } finally {
    await browser.close();
    await servers.close();
  }
}

if (parts.has('firefox')) {
  await part('firefox', async () => {
    log(`part 2b: main-thread cost in Firefox, ${repeats} rounds`);
    const { measureFirefox } = await import('./lib/firefox.mjs');
    write('firefox.json', await measureFirefox({ repeats, progress: log }));
  });
}

if (args['with-ingest']) {
  log('part 4: ingestion (node bench/ingest.mjs)');
  spawnSync(process.execPath, [join(BENCH, 'ingest.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

clearInterval(sampler);
const cpus = os.cpus();
write('meta.json', {
  date: new Date().toISOString(),
  command,
  commit: git('rev-parse', '--short', 'HEAD'),
  // Uncommitted changes to what is measured (the tracker's source or build) at the time of the run.
  // (Not bench/results, which this run has just written.)
  dirty: Boolean(git('status', '--porcelain', '--', 'src', 'rollup.config.mjs', 'bench', ':!bench/results')),
  machine: {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    chromium: chromiumVersion,
  },
  parts: partsMeta,
  seconds: Math.round((Date.now() - started) / 1000),
  // Some parts only: the page's other figures come from earlier runs, so its duration is not this run's.
  partial: ALL_PARTS.some((p) => !parts.has(p)),
});

if (only) log(`partial run (--trackers): results in ${out}, docs/benchmarks.md left as it was`);
else {
  log('rendering docs/benchmarks.md');
  const { render } = await import('./report.mjs');
  render();
}
log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
