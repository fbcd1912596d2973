/**
 * The Supabase pieces that can be checked without Supabase:
 * - the Edge Function's app (server/examples/supabase/functions/opsmantik/app.ts) answering Web-standard
 *   Requests below the function's path, with the real handler and database behind it;
 * - the Broadcast topic policy (server/examples/supabase/realtime-policy.sql) against a stand-in of
 *   Supabase's realtime.messages and realtime.topic().
 * The publication's membership (including the tables the supabase-js snippet names), pgoutput's
 * naming and the broadcast_changes switch are tested in server/test/sql/ (realtime, logical, queries);
 * they are not repeated here.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { addSite, addUser, asRole, monthOf, partitionName } from '../sql/fixtures.js';
import { mountAt, settingsFrom } from '../../examples/supabase/functions/opsmantik/app.js';
import { siteTopic } from '../../examples/supabase/topics.js';
import { BROWSER_UA, ORIGIN, openHarness, wireEvent, type Harness } from '../support/harness.js';

describe.each(backends)('the Supabase Edge Function app on %s', (kind) => {
  let h: Harness;
  let app: ReturnType<typeof mountAt>;
  beforeAll(async () => {
    h = await openHarness(kind);
    app = mountAt('/opsmantik/', h.handler);
  });
  afterAll(async () => {
    await h?.close();
  });

  const fn = (path: string, init: RequestInit = {}) =>
    app(new Request(`https://project.supabase.co${path}`, init), { remoteAddress: '203.0.113.7' });

  it('stores a beacon sent to /opsmantik/api/sync and matches a server-to-server call to it', async () => {
    const { site } = h;
    const sid = randomUUID();
    const body = JSON.stringify([
      wireEvent(site.publicId, { u: `${ORIGIN}/?gclid=edge-1`, sid, i: 'a1', meta: { fp: 'fp-edge' } }),
      wireEvent(site.publicId, { u: `${ORIGIN}/`, sid, ec: 'conversion', ea: 'lead_form', i: 'a2' }),
    ]);
    const headers = { origin: ORIGIN, 'content-type': 'text/plain;charset=UTF-8', 'user-agent': BROWSER_UA };
    const res = await fn('/opsmantik/api/sync', { method: 'POST', headers, body });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await res.json()).toEqual({ status: 'synced', score: 50, accepted: 2 });

    const rows = await h.db.query<{ gclid: string; attribution: string; n: number }>(
      `select s.gclid, s.attribution, (select count(*)::int from public.${partitionName('events', monthOf(0))} e where e.session_id = s.id) as n
         from public.${partitionName('sessions', monthOf(0))} s where s.id = $1`,
      [sid],
    );
    expect(rows).toEqual([{ gclid: 'edge-1', attribution: 'paid', n: 2 }]);

    const call = await fn('/opsmantik/api/call-event', {
      method: 'POST',
      headers: { authorization: `Bearer ${site.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ site_id: site.publicId, phone_number: '+12025550100', fingerprint: 'fp-edge' }),
    });
    expect(await call.json()).toMatchObject({ status: 'matched', session_id: sid, lead_score: 50 });
  });

  it('answers the CORS preflight, the health check, and 404 outside its path', async () => {
    const pre = await fn('/opsmantik/api/sync', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const health = await fn('/opsmantik/healthz');
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const outside = await fn('/api/sync', { method: 'POST', body: '{}' });
    expect(outside.status).toBe(404);
    expect(await outside.json()).toMatchObject({ status: 'error', error: 'not_found' });
    // A function name that merely starts the same is not this function.
    expect((await fn('/opsmantik-other/healthz')).status).toBe(404);
  });

  it('refuses what the handler refuses, through the mount (an origin the site does not allow)', async () => {
    const res = await fn('/opsmantik/api/sync', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
      body: JSON.stringify(wireEvent(h.site.publicId, { u: 'https://evil.example/' })),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'origin_not_allowed' });
  });
});

describe('the Edge Function settings', () => {
  it('take the database Supabase provides, unless one is named, and refuse to start without', () => {
    const env = (o: Record<string, string>) => (k: string) => o[k];
    expect(settingsFrom(env({ SUPABASE_DB_URL: 'postgres://a' }))).toEqual({ databaseUrl: 'postgres://a', prefix: 'opsmantik' });
    expect(settingsFrom(env({ SUPABASE_DB_URL: 'postgres://a', OPSMANTIK_DATABASE_URL: 'postgres://b', REDIS_URL: 'redis://r', OPSMANTIK_FUNCTION_NAME: 'track' })))
      .toEqual({ databaseUrl: 'postgres://b', redisUrl: 'redis://r', prefix: 'track' });
    expect(() => settingsFrom(env({}))).toThrow(/SUPABASE_DB_URL/);
  });
});

/** What Supabase provides for Broadcast authorisation, reduced to what the policy uses. */
const REALTIME_STAND_IN = `
  CREATE SCHEMA realtime;
  CREATE TABLE realtime.messages (id bigserial PRIMARY KEY, topic text NOT NULL, extension text NOT NULL,
    payload jsonb, event text, private boolean DEFAULT true, inserted_at timestamptz DEFAULT now());
  ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
  GRANT USAGE ON SCHEMA realtime TO anon, authenticated;
  GRANT SELECT, INSERT ON realtime.messages TO anon, authenticated;
  CREATE FUNCTION realtime.topic() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('realtime.topic', true), '')::text $$;
  GRANT EXECUTE ON FUNCTION realtime.topic() TO anon, authenticated;`;

describe.each(backends)('the Broadcast topic policy on %s', (kind) => {
  let fresh: FreshDb;
  beforeAll(async () => {
    fresh = await freshDb(kind);
    await fresh.db.exec(REALTIME_STAND_IN);
    const policy = readFileSync(new URL('../../examples/supabase/realtime-policy.sql', import.meta.url), 'utf8');
    await fresh.db.exec(policy);
    await fresh.db.exec(policy); // running it again replaces it
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it("lets a signed-in owner join their own site's topic only", async () => {
    const { db } = fresh;
    const alice = await addUser(db, 'alice@example.test');
    const bob = await addUser(db, 'bob@example.test');
    const aliceSite = await addSite(db, alice, 'alice-site');
    const bobSite = await addSite(db, bob, 'bob-site');
    for (const topic of [siteTopic(aliceSite), siteTopic(bobSite)]) {
      await db.query(`INSERT INTO realtime.messages (topic, extension, event, payload) VALUES ($1, 'broadcast', 'INSERT', '{}')`, [topic]);
      await db.query(`INSERT INTO realtime.messages (topic, extension, event, payload) VALUES ($1, 'presence', 'join', '{}')`, [topic]);
    }
    // Realtime checks a join by reading realtime.messages as the user, with the topic set.
    const visible = (role: 'anon' | 'authenticated', user: string | null, topic: string) =>
      asRole(db, role, user, async (tx) => {
        await tx.query("SELECT set_config('realtime.topic', $1, true)", [topic]);
        const rows = await tx.query<{ topic: string; extension: string }>('SELECT topic, extension FROM realtime.messages');
        return rows.map((r) => `${r.extension}:${r.topic}`);
      });
    expect(await visible('authenticated', alice, siteTopic(aliceSite))).toEqual([`broadcast:${siteTopic(aliceSite)}`]);
    expect(await visible('authenticated', alice, siteTopic(bobSite))).toEqual([]);
    expect(await visible('authenticated', bob, siteTopic(bobSite))).toEqual([`broadcast:${siteTopic(bobSite)}`]);
    expect(await visible('anon', null, siteTopic(aliceSite))).toEqual([]);
    expect(await visible('authenticated', alice, 'site:')).toEqual([]);
  });
});
