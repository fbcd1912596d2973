#!/usr/bin/env node
// `npm run build`: the tracker (rollup.config.mjs), then the server package (server/rollup.config.mjs),
// each with a line before and after so a long first build is never silent.
// `node scripts/build.mjs server` builds one part only (scripts/start.mjs builds what is stale).
import { spawnSync } from 'node:child_process';

const steps = [
  ['tracker', ['rollup', '-c', '--silent']],
  ['server', ['rollup', '-c', '--silent'], 'server'],
];
const only = process.argv.slice(2);
for (const [name, args, cwd] of steps) {
  if (only.length && !only.includes(name)) continue;
  const started = Date.now();
  console.log(`build: ${name} ...`);
  const r = spawnSync('npx', ['--no-install', ...args], { stdio: 'inherit', cwd });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(`build: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
