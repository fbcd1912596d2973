#!/usr/bin/env node
// `npm start`: the whole pipeline on the embedded database. Builds only what is older than its
// sources (a warm clone starts in seconds), saying so, then runs the CLI's `serve --demo` in this
// process's place so that signals reach it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time under the given files and folders (node_modules and dist skipped). */
function newest(paths) {
  let max = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== 'node_modules' && name !== 'dist') max = Math.max(max, newest([join(p, name)]));
    } else max = Math.max(max, st.mtimeMs);
  }
  return max;
}
const oldest = (files) => Math.min(...files.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));

// What each part is built from and what it builds; a part is stale when an input is newer than
// its oldest output (the server also bundles the tracker's wire module and copies its script files).
const shared = ['scripts/rollup-parts.mjs', 'scripts/build.mjs'];
const parts = {
  tracker: {
    inputs: ['src', 'examples/npm-spa', 'rollup.config.mjs', 'package.json', ...shared],
    outputs: ['dist/index.js', 'dist/opsmantik.min.js', 'dist/opsmantik-fp.mjs', 'dist/demo/npm-spa.js'],
  },
  server: {
    inputs: ['server/src', 'src/wire.ts', 'dist/opsmantik.min.js', 'dist/opsmantik-fp.mjs', 'server/rollup.config.mjs', 'server/package.json', ...shared],
    outputs: ['server/dist/node.js', 'server/dist/node/cli.js', 'server/dist/tracker/opsmantik.min.js'],
  },
};
for (const [name, { inputs, outputs }] of Object.entries(parts)) {
  if (oldest(outputs) >= newest(inputs)) continue;
  console.log(name === 'tracker' ? 'Building the tracker and the server (the first build takes about a minute) ...' : 'Building the server ...');
  const r = spawnSync(process.execPath, ['scripts/build.mjs', ...(name === 'tracker' ? [] : [name])], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  if (name === 'tracker') break; // the full build made the server current too
}
console.log('The build is current; starting.');
// The CLI reads its arguments from process.argv: `npm start -- --port 4000` passes flags through.
process.argv.splice(2, Infinity, 'serve', '--demo', ...process.argv.slice(2));
await import('../server/dist/node/cli.js').catch((err) => {
  console.error(err);
  process.exit(1);
});
