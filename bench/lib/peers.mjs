// The peers live in bench/'s own package, so that the main install stays lean: installed from
// bench/package-lock.json the first time a benchmark needs them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH } from './paths.mjs';

/** Runs `npm ci` in bench/ when its node_modules is missing; exits the process when that fails. */
export function installPeers(log) {
  if (existsSync(join(BENCH, 'node_modules', 'posthog-js'))) return;
  log('installing the peers (npm ci in bench/)');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: BENCH, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}
