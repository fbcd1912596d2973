/**
 * The Supabase pieces that can be checked without Supabase:
 * - the Edge Function's app (examples/supabase/functions/opsmantik/app.ts) answering Web-standard
 *   Requests below the function's path, with the real handler and database behind it;
 * - the Broadcast topic policy (examples/supabase/realtime-policy.sql) against a stand-in of
 *   Supabase's realtime.messages and realtime.topic();
 * - contract section 6's claim that subscribing to the parent `events` receives nothing, as Supabase
 *   Realtime's postgres_changes decodes (a table-naming decoder filtered by the publication's table
 *   list), on a private PostgreSQL cluster with wal_level = logical, and that the tables the
 *   supabase-js snippet names are the ones published.
 * The publication's membership, pgoutput's naming and the broadcast_changes switch are tested in
 * test/sql/ (realtime, logical, queries); they are not repeated here.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { addEvent, addSession, addSite, addUser, asRole, monthOf } from '../sql/fixtures.js';
import { createHandler, type Handler } from '../../src/server/handler.js';
import { createSite, type CreatedSite } from '../../src/server/sites.js';
import { openPostgres } from '../../src/server/db/postgres.js';
import { migrate } from '../../src/server/db/migrate.js';
import { mountAt, settingsFrom } from '../../examples/supabase/functions/opsmantik/app.js';
import { realtimeTables, siteTopic } from '../../examples/supabase/topics.js';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { DESKTOP_UA } from './support/browser.js';

const ORIGIN = 'https://shop.example';
const month = () => new Date().toISOString().slice(0, 7);
const partition = (parent: string, m = month()) => `${parent}_${m.replace('-', '_')}`;

describe.each(backends)('the Supabase Edge Function app on %s', (kind) => {
  let fresh: FreshDb;
  let handler: Handler;
  let site: CreatedSite;
  let app: ReturnType<typeof mountAt>;
  beforeAll(async () => {
    fresh = await freshDb(kind);
    site = await createSite(fresh.db, { ownerEmail: 'owner@example.com', origins: [ORIGIN] });
    handler = createHandler({ db: fresh.db, log: () => {}, limits: { sync: 1000, call: 1000 } });
    app = mountAt('/opsmantik/', handler);
  });
  afterAll(async () => {
    await handler?.close();
    await fresh?.drop();
  });

  const fn = (path: string, init: RequestInit = {}) =>
    app(new Request(`https://project.supabase.co${path}`, init), { remoteAddress: '203.0.113.7' });

  it('stores a beacon sent to /opsmantik/api/sync and matches a server-to-server call to it', async () => {
    const sid = randomUUID();
    const body = JSON.stringify([
      { s: site.publicId, u: `${ORIGIN}/?gclid=edge-1`, sid, sm: month(), ec: 'pageview', ea: 'view', i: 'a1', meta: { fp: 'fp-edge' } },
      { s: site.publicId, u: `${ORIGIN}/`, sid, sm: month(), ec: 'conversion', ea: 'lead_form', i: 'a2' },
    ]);
    const headers = { origin: ORIGIN, 'content-type': 'text/plain;charset=UTF-8', 'user-agent': DESKTOP_UA };
    const res = await fn('/opsmantik/api/sync', { method: 'POST', headers, body });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await res.json()).toEqual({ status: 'synced', score: 50, accepted: 2 });

    const rows = await fresh.db.query<{ gclid: string; attribution: string; n: number }>(
      `select s.gclid, s.attribution, (select count(*)::int from public.${partition('events')} e where e.session_id = s.id) as n
         from public.${partition('sessions')} s where s.id = $1`,
      [sid],
    );
    expect(rows).toEqual([{ gclid: 'edge-1', attribution: 'paid', n: 2 }]);

    const call = await fn('/opsmantik/api/call-event', {
      method: 'POST',
      headers: { authorization: `Bearer ${site.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ site_id: site.publicId, phone_number: '+15550100', fingerprint: 'fp-edge' }),
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
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain', 'user-agent': DESKTOP_UA },
      body: JSON.stringify({ s: site.publicId, u: 'https://evil.example/', sid: randomUUID(), sm: month(), ec: 'pageview', ea: 'view' }),
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

// Logical decoding needs wal_level = logical, which the shared server does not run with.
describe.runIf(backends.includes('postgres'))('partitions and logical decoding (contract section 6) on a private PostgreSQL', () => {
  let pg: PrivatePostgres;
  let db: ReturnType<typeof openPostgres>;
  beforeAll(async () => {
    pg = await startPrivatePostgres({ wal_level: 'logical', max_replication_slots: '4', max_wal_senders: '4' });
    db = openPostgres(pg.url, { max: 2 });
    await migrate(db);
  });
  afterAll(async () => {
    await db?.close();
    await pg?.stop();
  });

  it('names a change after its partition, so only the partitions are worth subscribing to', async () => {
    const m = monthOf(0);
    const site = await addSite(db, await addUser(db, 'owner@example.test'), 'site-ld');
    // For comparison: the parent published "via the root", which the architecture's snippet assumes.
    await db.exec('CREATE PUBLICATION via_root FOR TABLE public.events WITH (publish_via_partition_root = true)');
    await db.query("SELECT pg_create_logical_replication_slot('names', 'test_decoding')");

    const session = await addSession(db, site, m, { gclid: 'g-1' });
    await addEvent(db, site, session, m, { category: 'conversion' });

    const published = async (pub: string) =>
      (await db.query<{ t: string }>('SELECT schemaname || $2 || tablename AS t FROM pg_publication_tables WHERE pubname = $1', [pub, '.'])).map((r) => r.t);
    const ours = await published('supabase_realtime');
    const viaRoot = await published('via_root');

    // A decoder that reports the table a row is stored in (test_decoding, and wal2json, which
    // Supabase Realtime's postgres_changes reads with a table filter made from the publication).
    const decoded = (await db.query<{ data: string }>("SELECT data FROM pg_logical_slot_get_changes('names', NULL, NULL)"))
      .map((r) => /^table ([^:]+):/.exec(r.data)?.[1])
      .filter((t): t is string => Boolean(t));
    expect(decoded).toEqual([`public.${partition('sessions', m.slice(0, 7))}`, `public.${partition('events', m.slice(0, 7))}`]);

    // Our publication lists the partitions; the snippet's table names are among them.
    for (const table of realtimeTables()) expect(ours).toContain(`public.${table}`);
    expect(ours).not.toContain('public.events');
    expect(ours).not.toContain('public.sessions');
    expect(decoded.filter((t) => ours.includes(t))).toEqual(decoded);
    // Published via the root, the publication lists only `events`: a filter made from it matches
    // no change a table-naming decoder reports, so nothing reaches a subscriber.
    expect(viaRoot).toEqual(['public.events']);
    expect(decoded.filter((t) => viaRoot.includes(t))).toEqual([]);
  });
});
