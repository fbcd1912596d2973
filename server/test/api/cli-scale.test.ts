/** `opsmantik serve --workers N`: several handler processes on one port, rate limits exact across them. */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyPostgres, type FreshDb } from '../support/db.js';
import { BROWSER_UA, ORIGIN, wireEvent } from '../support/harness.js';
import { REDIS_URL, redisForTests } from '../support/services.js';
import { migrate } from '../../src/store/db/migrate.js';
import { createSite } from '../../src/store/sites.js';

const CLI = ['--import', 'tsx', 'server/src/node/cli.ts'];

describe('opsmantik serve --workers 2 (PostgreSQL, Redis)', () => {
  let pg: FreshDb & { url: string };
  let redis = false;
  beforeAll(async () => {
    redis = await redisForTests();
    pg = await emptyPostgres(2);
  });
  afterAll(async () => {
    await pg?.drop();
  });

  it('refuses several processes without Redis, since limits would no longer be exact', async () => {
    const child = spawn(process.execPath, [...CLI, 'serve', '--workers', '2', '--port', '0', '--database-url', pg.url], {
      env: { ...process.env, REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2); // a usage error, like every refused setting
    expect(err).toMatch(/--workers needs --redis-url/);
  });

  it('serves from two processes that share one rate limit', async (ctx) => {
    if (!redis) return ctx.skip(`Redis not reachable at ${REDIS_URL}`);
    await migrate(pg.db);
    const site = await createSite(pg.db, { ownerEmail: 'scale@example.com', origins: [ORIGIN] });
    // The limit is per client address, shared through Redis: start from a clean count for this
    // machine's address (other tests of the run also send from 127.0.0.1 through Redis).
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS_URL);
    try {
      const keys = await client.keys('opsmantik:*127.0.0.1*');
      if (keys.length) await client.del(...keys);
    } finally {
      client.disconnect();
    }
    const child = spawn(
      process.execPath,
      [...CLI, 'serve', '--workers', '2', '--db-connections', '4', '--port', '0', '--host', '127.0.0.1', '--database-url', pg.url, '--redis-url', REDIS_URL],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: false },
    );
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c) => {
          out += c;
          // Both processes say where they listen.
          const all = [...out.matchAll(/listening on (http:\/\/\S+)/g)];
          if (all.length === 2) resolve(all[0]![1]!.replace('localhost', '127.0.0.1'));
        });
        child.on('close', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      // A new connection each time (no keep-alive agent), so the primary deals them out to both
      // processes in turn: with limits per process, the 101st would still pass.
      const send = () =>
        new Promise<{ status: number }>((resolve, reject) => {
          const req = request(`${url}/api/sync`, {
            method: 'POST',
            agent: false,
            headers: { origin: ORIGIN, 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
          });
          req.on('response', (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          });
          req.on('error', reject);
          req.end(JSON.stringify(wireEvent(site.publicId, { i: randomUUID() })));
        });
      const statuses: number[] = [];
      for (let n = 0; n < 100; n++) statuses.push((await send()).status);
      expect(statuses.filter((s) => s !== 200).slice(0, 3)).toEqual([]);
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      // The 101st within the minute is over the contract's 100, whichever process answers.
      for (let n = 0; n < 3; n++) expect((await send()).status).toBe(429);
      const [row] = await pg.db.query<{ n: number }>('select count(*)::int as n from public.events');
      expect(row!.n).toBe(100);
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
