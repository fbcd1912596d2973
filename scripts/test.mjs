#!/usr/bin/env node
// `npm test`: every check the project promises, in order, stopping at the first failure.
// types -> build -> all vitest projects (unit, happy-dom, server+SQL on PGlite and PostgreSQL,
// real Chromium) -> size budgets -> package lint.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function run(cmd, args) {
  console.log(`\n> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

// A focused test (.only) anywhere fails the run before anything else.
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const focused = walk('test').filter((f) => /\.(ts|mjs|js)$/.test(f) && /\b(it|test|describe)\.only\(/.test(readFileSync(f, 'utf8')));
if (focused.length) {
  console.error(`Focused tests would hide the rest of the suite: ${focused.join(', ')}`);
  process.exit(1);
}

const npx = 'npx';
run(npx, ['tsc', '--noEmit']);
run('npm', ['run', 'build']);
run(npx, ['vitest', 'run', ...process.argv.slice(2)]);
run(npx, ['size-limit']);
run(npx, ['publint', '--strict']);
run(npx, ['attw', '--pack', '.', '--profile', 'node16']);
