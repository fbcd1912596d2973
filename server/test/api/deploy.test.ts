/**
 * The deployment recipe is exercised, not just shipped: the systemd unit passes
 * `systemd-analyze verify`, and its ExecStart with its Environment= lines starts the built server,
 * which answers /readyz and exits 0 on the unit's KillSignal. Upgrades: two servers starting at
 * once on one fresh PostgreSQL database both migrate it, and every migration is applied once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireBuild } from '../../../test/support/build.js';
import { emptyPostgres } from '../support/db.js';
import { serve } from '../../src/node/serve.js';
import { migrationFiles } from '../../src/store/db/migrate.js';

const serverRoot = fileURLToPath(new URL('../..', import.meta.url));
const UNIT = join(serverRoot, 'deploy', 'opsmantik.service');
const INSTALLED = '/opt/opsmantik/node_modules/@opsmantik/server';

/** The [Service] settings of a unit file: each key with all its values, in order. */
function serviceSection(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    settings.set(key, [...(settings.get(key) ?? []), line.slice(at + 1)]);
  }
  return settings;
}

describe('the systemd unit', () => {
  const unit = serviceSection(readFileSync(UNIT, 'utf8'));

  it('passes systemd-analyze verify', () => {
    const analyze = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    if (analyze.error) {
      if (process.env.CI) throw new Error(`systemd-analyze is required under CI: ${analyze.error.message}`);
      console.warn('systemd-analyze is not installed here: the unit was not verified');
      return;
    }
    expect(analyze.stderr.trim()).toBe('');
    expect(analyze.status).toBe(0);
  });

  it('runs node on the CLI directly, so the stop signal reaches the server', () => {
    const [execStart] = unit.get('ExecStart')!;
    expect(execStart).toMatch(/^\/usr\/bin\/node \S+\/dist\/node\/cli\.js serve$/);
    expect(execStart).not.toMatch(/\bnpx?\b/);
    expect(unit.get('KillSignal')).toEqual(['SIGTERM']);
    const drain = Number(unit.get('Environment')!.find((e) => e.startsWith('OPSMANTIK_DRAIN_TIMEOUT_MS='))!.split('=')[1]);
    // systemd must wait longer than the server drains.
    expect(Number(unit.get('TimeoutStopSec')![0]) * 1000).toBeGreaterThan(drain);
  });

  it('starts the built server with its ExecStart and environment, ready, and stops it with its KillSignal', async () => {
    requireBuild(['server/dist/node/cli.js']);
    const [execStart] = unit.get('ExecStart')!;
    // The unit's paths on a target machine, mapped onto this checkout and a temporary state folder.
    const [, ...args] = execStart!.split(' ').map((a) => a.replace(INSTALLED, serverRoot.replace(/\/$/, '')));
    expect(existsSync(args[0]!)).toBe(true);
    const state = await mkdtemp(join(tmpdir(), 'om-unit-'));
    const env: Record<string, string> = {};
    for (const e of unit.get('Environment')!) {
      const at = e.indexOf('=');
      env[e.slice(0, at)] = e.slice(at + 1);
    }
    env.OPSMANTIK_DATA_DIR = env.OPSMANTIK_DATA_DIR!.replace('/var/lib/opsmantik', state);
    env.PORT = '0';
    const { PATH, HOME } = process.env;
    const child = spawn(process.execPath, args, { cwd: state, env: { PATH: PATH ?? '', HOME: HOME ?? state, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const m = /listening on http:\/\/localhost:(\d+)/.exec(out);
          if (m) resolve(`http://127.0.0.1:${m[1]}`);
        });
        child.on('close', (code) => reject(new Error(`the unit's ExecStart exited ${code}: ${out}`)));
      });
      // OPSMANTIK_HOST=127.0.0.1 from the unit: it listens there, behind the proxy.
      expect(out).toContain(`embedded database in ${join(state, 'data')} (OPSMANTIK_DATA_DIR)`);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill(unit.get('KillSignal')![0] as NodeJS.Signals);
      expect(await exited).toBe(0);
      expect(out).toContain('"step":"database_closed"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(state, { recursive: true, force: true });
    }
  });
});

describe('upgrades', () => {
  it('two servers starting at once on one fresh PostgreSQL database both migrate it, each migration once', async () => {
    const pg = await emptyPostgres(2);
    await pg.db.close();
    const quiet = { log: () => undefined };
    try {
      const [a, b] = await Promise.all([
        serve({ databaseUrl: pg.url, port: 0, metrics: false, handler: quiet }),
        serve({ databaseUrl: pg.url, port: 0, metrics: false, handler: quiet }),
      ]);
      try {
        const applied = await a.db.query<{ name: string; n: number }>('select name, count(*)::int as n from public.opsmantik_migrations group by name order by name');
        expect(applied.map((r) => r.name)).toEqual(migrationFiles().map((f) => f.name));
        expect(applied.every((r) => r.n === 1)).toBe(true);
        for (const s of [a, b]) expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    } finally {
      await pg.drop();
    }
  });
});
