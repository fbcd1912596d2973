#!/usr/bin/env node
// `npm run test:mutation`: Stryker over the modules of stryker.config.json, then the score per
// module and the run's duration (docs/testing.md keeps the latest figures). Not part of `npm test`:
// it takes several minutes. Extra arguments go to `stryker run` (e.g. --mutate src/wire.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const started = Date.now();
const r = spawnSync('npx', ['stryker', 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
if (r.status !== 0) {
  console.error(`\nstryker run failed (exit ${r.status ?? r.signal}) after ${minutes} min`);
  process.exit(r.status || 1);
}

// Stryker's mutation-testing-report-schema: files -> mutants -> status.
const report = JSON.parse(readFileSync('reports/mutation/mutation.json', 'utf8'));
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const rows = Object.entries(report.files).map(([file, { mutants }]) => {
  const count = (set) => mutants.filter((m) => set.has(m.status)).length;
  const detected = count(DETECTED);
  const undetected = count(UNDETECTED);
  return { file, detected, undetected, survivors: mutants.filter((m) => UNDETECTED.has(m.status)) };
});
const score = (d, u) => (d + u ? ((100 * d) / (d + u)).toFixed(1) : 'n/a');
const width = Math.max(...rows.map((x) => x.file.length));
console.log(`\nmutation score per module (killed or timed out / valid mutants):`);
for (const x of rows) console.log(`  ${x.file.padEnd(width)}  ${String(score(x.detected, x.undetected)).padStart(5)}%  (${x.detected}/${x.detected + x.undetected})`);
const d = rows.reduce((n, x) => n + x.detected, 0);
const u = rows.reduce((n, x) => n + x.undetected, 0);
console.log(`  ${'all'.padEnd(width)}  ${String(score(d, u)).padStart(5)}%  (${d}/${d + u}) in ${minutes} min`);
for (const x of rows) {
  for (const m of x.survivors) console.log(`  survived: ${x.file}:${m.location.start.line} ${m.mutatorName} ${JSON.stringify(m.replacement ?? '')}`);
}
