// Part 1: the bytes a website loads for each tracker, raw, gzip and brotli, one compressor setting for
// all (lib/compress.mjs). Ours three ways: the script tag, `import { createTracker }` bundled as
// size-limit would, and the fingerprint chunk the script tag loads once consent is given.
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { sizes } from './compress.mjs';
import { materialise, bundle } from './assets.mjs';
import { TRACKERS, ALTERNATIVES, versionOf } from './trackers.mjs';
import { BENCH, ROOT } from './paths.mjs';

/** size-limit's own figures, when the package has a budget file: a cross-check of ours. */
function sizeLimit() {
  if (!existsSync(join(ROOT, '.size-limit.json')) && !existsSync(join(ROOT, '.size-limit.js'))) return undefined;
  const r = spawnSync('npx', ['size-limit', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
  try {
    return JSON.parse(r.stdout).map((e) => ({ name: e.name, brotli: e.size, passed: e.passed }));
  } catch {
    return { error: (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' ') };
  }
}

export async function measureSize() {
  const rows = [];
  // The fingerprint file the script tag fetches after consent, whatever its extension.
  const fpName = existsSync(join(ROOT, 'dist')) ? readdirSync(join(ROOT, 'dist')).find((f) => /^opsmantik-fp\.(min\.)?m?js$/.test(f)) : undefined;
  const fpChunk = fpName && join(ROOT, 'dist', fpName);
  const script = join(ROOT, 'dist', 'opsmantik.min.js');
  if (existsSync(script)) {
    rows.push({ id: 'opsmantik', name: 'OpsMantik script tag', ours: true, file: 'dist/opsmantik.min.js', ...sizes(readFileSync(script)) });
    try {
      const code = await bundle(join(BENCH, 'entries', 'opsmantik-core.js'), 'es');
      rows.push({ id: 'opsmantik-core', name: 'OpsMantik `import { createTracker }`', ours: true, file: 'bench/entries/opsmantik-core.js, bundled', ...sizes(Buffer.from(code)) });
    } catch (e) {
      rows.push({ id: 'opsmantik-core', name: 'OpsMantik `import { createTracker }`', ours: true, error: String(e.message || e) });
    }
    if (fpChunk) {
      rows.push({ id: 'opsmantik-fp-chunk', name: 'OpsMantik fingerprint chunk', ours: true, file: `dist/${fpName}`, ...sizes(readFileSync(fpChunk)) });
    }
  }
  for (const t of TRACKERS.filter((x) => x.pkg)) {
    const file = await materialise(t.source, t.id);
    rows.push({ id: t.id, name: t.name, pkg: t.pkg, version: versionOf(t.pkg), loads: t.loads, ...sizes(readFileSync(file)) });
  }
  const alternatives = [];
  for (const [i, a] of ALTERNATIVES.entries()) {
    const file = await materialise(a.source, `alt${i}`);
    alternatives.push({ name: a.name, pkg: a.pkg, version: versionOf(a.pkg), ...sizes(readFileSync(file)) });
  }
  return { rows, alternatives, sizeLimit: sizeLimit() };
}
