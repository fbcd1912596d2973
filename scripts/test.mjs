#!/usr/bin/env node
// `npm test`: every check the project promises, in order, stopping at the first failure.
// setup (Debian packages, local services: scripts/setup.mjs) -> types -> build -> all vitest
// projects (unit, happy-dom, server+SQL on PGlite and PostgreSQL, real Chromium and Firefox) -> size budgets ->
// package lint.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

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
const focused = [...walk('test'), ...walk('server/test')].filter((f) => /\.(ts|mjs|js)$/.test(f) && /\b(it|test|describe)\.only\(/.test(readFileSync(f, 'utf8')));
if (focused.length) {
  console.error(`Focused tests would hide the rest of the suite: ${focused.join(', ')}`);
  process.exit(1);
}

const npx = 'npx';
run(process.execPath, ['scripts/setup.mjs']);
run(npx, ['tsc', '--noEmit']);
run('npm', ['run', 'build']);
const results = join(tmpdir(), `opsmantik-vitest-${process.pid}.json`);
run(npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${results}`, ...process.argv.slice(2)]);
const summary = JSON.parse(readFileSync(results, 'utf8'));
run(npx, ['size-limit']);
// Both packages, as npm would publish them.
run(npx, ['publint', '--strict']);
run(npx, ['publint', '--strict', 'server']);
run(npx, ['attw', '--pack', '.', '--profile', 'node16']);
run(npx, ['attw', '--pack', 'server', '--profile', 'node16']);

// One plain closing line for whoever reads the end of the log.
console.log(`\nall checks passed: types, build, tests, size budgets, package lint`);
console.log(`${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${summary.numPendingTests + summary.numTodoTests} skipped`);
