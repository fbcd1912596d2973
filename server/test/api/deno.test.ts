/**
 * The Supabase Edge Function in its real runtime: Deno (the npm package `deno`) runs
 * server/examples/supabase/functions/opsmantik/index.ts with its own deno.json, as
 * `supabase functions deploy` would, against the machine's PostgreSQL. Its `npm:@opsmantik/server`
 * resolves to this repository's build through node_modules (Deno's manual node_modules mode), so
 * the function loads the package's Web-standard entry exactly as published.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyPostgres } from '../support/db.js';
import { ORIGIN, BROWSER_UA, wireEvent } from '../support/harness.js';
import { migrate } from '../../src/store/db/migrate.js';
import { createSite, type CreatedSite } from '../../src/store/sites.js';
import { requireBuild } from '../../../test/support/build.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const fn = 'server/examples/supabase/functions/opsmantik';
const deno = `${root}/node_modules/.bin/deno`;

describe('the Edge Function under Deno, on PostgreSQL', () => {
  let pg: Awaited<ReturnType<typeof emptyPostgres>>;
  let site: CreatedSite;
  let child: ChildProcess | undefined;
  let base: string;

  beforeAll(async () => {
    requireBuild(['server/dist/index.js']);
    if (!existsSync(deno)) throw new Error('node_modules/.bin/deno is missing: run npm install (the deno package is a devDependency).');
    pg = await emptyPostgres(2);
    await migrate(pg.db);
    site = await createSite(pg.db, { ownerEmail: 'owner@shop.example', origins: [ORIGIN] });
    child = spawn(deno, ['run', '-A', '--config', `${fn}/deno.json`, '--node-modules-dir=manual', `${fn}/index.ts`], {
      cwd: root,
      // What Supabase gives a function; the address only so the test can find it.
      env: { ...process.env, SUPABASE_DB_URL: pg.url, DENO_SERVE_ADDRESS: 'tcp:127.0.0.1:0', NO_COLOR: '1', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`Deno did not start in 90 s:\n${out}`)), 90_000);
      // Deno says where it listens on stderr.
      const onData = (c: Buffer) => {
        out += c;
        const m = /Listening on (http:\/\/[^/\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.on('close', (code) => reject(new Error(`Deno exited ${code}:\n${out}`)));
    });
  }, 150_000);

  afterAll(async () => {
    child?.kill('SIGTERM');
    await pg?.drop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/opsmantik${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, 'user-agent': BROWSER_UA, ...headers },
      body: JSON.stringify(body),
    });

  it('stores a batch from /api/sync and answers with the score', async () => {
    const event = wireEvent(site.publicId, { u: `${ORIGIN}/?gclid=deno-test`, i: 'e1' });
    const res = await post('/api/sync', [event, { ...event, ec: 'conversion', ea: 'lead_form', i: 'e2' }]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; accepted: number; score: number };
    expect(body).toMatchObject({ status: 'synced', accepted: 2 });
    expect(body.score).toBeGreaterThan(0);
    const rows = await pg.db.query<{ n: number; attribution: string }>(
      'select count(*)::int as n, max(s.attribution) as attribution from public.events e join public.sessions s on s.id = e.session_id where s.id = $1',
      [event.sid],
    );
    expect(rows[0]).toEqual({ n: 2, attribution: 'paid' });
  });

  it('answers /api/call-event from the site\'s systems (site secret) and stores the call', async () => {
    const res = await post(
      '/api/call-event',
      { site_id: site.publicId, phone_number: '+12025550100', fingerprint: 'fp-deno' },
      { authorization: `Bearer ${site.secret}` },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; call_id: string };
    expect(['matched', 'unmatched']).toContain(body.status);
    const calls = await pg.db.query<{ n: number }>('select count(*)::int as n from public.calls where id = $1', [body.call_id]);
    expect(calls[0]!.n).toBe(1);
  });

  it('refuses bad input with a 4xx, a machine code and a message, writing nothing', async () => {
    const before = await pg.db.query<{ n: number }>('select count(*)::int as n from public.events');
    const wrongOrigin = await post('/api/sync', wireEvent(site.publicId), { origin: 'https://evil.example' });
    expect(wrongOrigin.status).toBe(403);
    expect(await wrongOrigin.json()).toMatchObject({ status: 'error', error: 'origin_not_allowed' });
    const malformed = await post('/api/sync', { s: site.publicId });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { message: string }).message.length).toBeGreaterThan(0);
    const after = await pg.db.query<{ n: number }>('select count(*)::int as n from public.events');
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('serves below the function name only', async () => {
    const outside = await fetch(`${base}/api/sync`, { method: 'POST', body: '{}' });
    expect(outside.status).toBe(404);
    const preflight = await fetch(`${base}/opsmantik/api/sync`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
});
