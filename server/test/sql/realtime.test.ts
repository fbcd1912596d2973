import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { realtimeTables } from '../../examples/supabase/topics.js';
import { addCall, addEvent, addSession, addSite, addTenant, addUser, asRole, monthOf, sqlState } from './fixtures.js';

interface Change {
  table: string;
  op: string;
  site_id: string;
  record: Record<string, unknown>;
  truncated?: boolean;
}

/** Collects the payloads of one channel; `next(n)` resolves once n have arrived. */
async function collect(db: FreshDb['db'], channel: string) {
  const got: Change[] = [];
  const raw: string[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  const stop = await db.listen(channel, (payload) => {
    raw.push(payload);
    got.push(JSON.parse(payload) as Change);
    if (waiter && got.length >= waiter.n) waiter.resolve();
  });
  return {
    got,
    raw,
    stop,
    next: (n: number) =>
      got.length >= n ? Promise.resolve() : new Promise<void>((resolve) => { waiter = { n, resolve }; }),
  };
}

const channelOf = (site: string) => `opsmantik_site_${site.replace(/-/g, '')}`;

describe.each(backends)('realtime on %s', (backend) => {
  let fresh: FreshDb;
  beforeEach(async () => {
    fresh = await freshDb(backend);
  });
  afterEach(async () => {
    await fresh.drop();
  });

  it('announces new sessions, events and calls, updates and deletes on the site channel', async () => {
    const { db } = fresh;
    const month = monthOf(0);
    const user = await addUser(db, 'a@example.test');
    const siteA = await addSite(db, user, 'site-a');
    const siteB = await addSite(db, user, 'site-b');
    const a = await collect(db, channelOf(siteA));
    const b = await collect(db, channelOf(siteB));

    const session = await addSession(db, siteA, month);
    const event = await addEvent(db, siteA, session, month);
    const call = await addCall(db, siteA);
    await db.query('UPDATE public.sessions SET lead_score = 10 WHERE id = $1', [session]);
    await db.query('UPDATE public.sessions SET lead_score = 10 WHERE id = $1', [session]); // no change: silent
    await db.query('DELETE FROM public.calls WHERE id = $1', [call]);
    // A change on site B, committed last: once B hears it, everything for A has been delivered too.
    await addCall(db, siteB);
    await b.next(1);
    await a.next(5);

    expect(a.got.map((c) => [c.table, c.op, c.site_id, c.record.id])).toEqual([
      ['sessions', 'INSERT', siteA, session],
      ['events', 'INSERT', siteA, event],
      ['calls', 'INSERT', siteA, call],
      ['sessions', 'UPDATE', siteA, session],
      ['calls', 'DELETE', siteA, call],
    ]);
    expect(a.got[1]!.record).not.toHaveProperty('metadata');
    expect(a.got[1]!.record.session_month).toBe(month);
    expect(a.got[3]!.record.lead_score).toBe(10);
    expect(b.got.map((c) => [c.table, c.site_id])).toEqual([['calls', siteB]]);
    await a.stop();
    await b.stop();
  });

  it("keeps a large row's payload under pg_notify's 8000-byte limit", async () => {
    const { db } = fresh;
    const month = monthOf(0);
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const session = await addSession(db, site, month);
    const ch = await collect(db, channelOf(site));
    await db.query(
      `INSERT INTO public.events (session_id, session_month, site_id, event_category, event_action, event_label, url)
       VALUES ($1, $2, $3, 'interaction', 'click', $4, $5)`,
      [session, month, site, 'L'.repeat(4000), 'https://example.test/?' + 'q'.repeat(4000)]);
    await ch.next(1);
    const big = ch.got[0]!;
    expect([big.table, big.op]).toEqual(['events', 'INSERT']);
    expect(big.truncated).toBe(true);
    expect(big.record.session_id).toBe(session);
    expect(big.record).not.toHaveProperty('url');
    expect(Buffer.byteLength(ch.raw[0]!)).toBeLessThan(8000);
    await ch.stop();
  });

  it('announces every row of a many-row statement, and only the rows an update changed (012: per statement)', async () => {
    const { db } = fresh;
    const month = monthOf(0);
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const [s1, s2] = [await addSession(db, site, month), await addSession(db, site, month)];
    const ch = await collect(db, channelOf(site));
    await db.query(
      `INSERT INTO public.events (session_id, session_month, site_id, client_event_id, event_category, event_action, url)
       SELECT $1, $2, $3, 'e' || g, 'pageview', 'view', 'https://example.test/' FROM generate_series(1, 3) AS g`,
      [s1, month, site]);
    // One statement over both sessions; only s2's row changes.
    await db.query('UPDATE public.sessions SET lead_score = CASE WHEN id = $2 THEN 40 ELSE lead_score END WHERE id IN ($1, $2)', [s1, s2]);
    await ch.next(4);
    expect(ch.got.map((c) => [c.table, c.op, c.record.client_event_id ?? c.record.id]).sort()).toEqual(
      [['events', 'INSERT', 'e1'], ['events', 'INSERT', 'e2'], ['events', 'INSERT', 'e3'], ['sessions', 'UPDATE', s2]].sort());
    const [triggers] = await db.query<{ row_level: number }>(
      `SELECT count(*)::int AS row_level FROM pg_trigger t
        WHERE t.tgrelid IN ('public.sessions'::regclass, 'public.events'::regclass, 'public.calls'::regclass)
          AND NOT t.tgisinternal AND (t.tgtype & 1) = 1 AND t.tgname LIKE '%notify%'`);
    expect(triggers!.row_level).toBe(0);
    await ch.stop();
  });

  it('announces nothing for a statement that changed no row, and each row a delete removed (015)', async () => {
    const { db } = fresh;
    const month = monthOf(0);
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const s1 = await addSession(db, site, month);
    const ch = await collect(db, channelOf(site));
    const insert = `INSERT INTO public.events (session_id, session_month, site_id, client_event_id, event_category, event_action, url)
                    VALUES ($1, $2, $3, 'e1', 'pageview', 'view', 'https://example.test/') ON CONFLICT DO NOTHING`;
    await db.query(insert, [s1, month, site]);
    await db.query(insert, [s1, month, site]); // a repeat: no row
    await db.query('UPDATE public.sessions SET referrer = referrer WHERE id = $1', [s1]); // no change
    await db.query(`DELETE FROM public.events WHERE session_id = $1 AND client_event_id = 'e1'`, [s1]);
    await db.query('UPDATE public.sessions SET lead_score = 7 WHERE id = $1', [s1]);
    // Notifications arrive in commit order: anything from the empty statements would come before the last.
    await ch.next(3);
    expect(ch.got.map((c) => [c.table, c.op, c.record.client_event_id ?? c.record.id])).toEqual(
      [['events', 'INSERT', 'e1'], ['events', 'DELETE', 'e1'], ['sessions', 'UPDATE', s1]]);
    await ch.stop();
  });

  it('derives a session\'s dimensions again only when a column they come from changes (015)', async () => {
    const { db } = fresh;
    const month = monthOf(0);
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const s1 = await addSession(db, site, month);
    const source = async () => (await db.query<{ d: string }>('SELECT dim_source AS d FROM public.sessions WHERE id = $1', [s1]))[0]!.d;
    await db.query(`UPDATE public.sessions SET referrer = 'https://www.example.org/a' WHERE id = $1`, [s1]);
    expect(await source()).toBe('example.org');
    // Marked by hand; an update naming the columns without changing them leaves it, a change derives it again.
    await db.query(`UPDATE public.sessions SET dim_source = 'marked' WHERE id = $1`, [s1]);
    await db.query('UPDATE public.sessions SET referrer = referrer, utm = utm, landing_url = landing_url, user_agent = user_agent WHERE id = $1', [s1]);
    expect(await source()).toBe('marked');
    await db.query(`UPDATE public.sessions SET referrer = 'https://news.example.net/b' WHERE id = $1`, [s1]);
    expect(await source()).toBe('news.example.net');
  });

  it('publishes calls and each partition (never the partitioned parents)', async () => {
    const rows = await fresh.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_publication_rel r
       JOIN pg_publication p ON p.oid = r.prpubid JOIN pg_class c ON c.oid = r.prrelid
       WHERE p.pubname = 'supabase_realtime' ORDER BY 1`);
    const names = rows.map((r) => r.name);
    expect(names).toContain('calls');
    expect(names).not.toContain('events');
    expect(names).not.toContain('sessions');
    for (const o of [-1, 0, 1, 2]) {
      const m = monthOf(o).slice(0, 7).replace('-', '_');
      expect(names).toContain(`events_${m}`);
      expect(names).toContain(`sessions_${m}`);
    }
    // The tables the supabase-js snippet subscribes to are all published.
    for (const table of realtimeTables()) expect(names).toContain(table);
  });

  it('secures, publishes and sets REPLICA IDENTITY FULL on a partition created after the migration', async () => {
    const { db } = fresh;
    // What Supabase does to every new table in public: grant it to anon and authenticated.
    await db.exec('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role');
    const month = '2031-05-01';
    // Two callers at once (on PostgreSQL these are two connections).
    await Promise.all([
      db.query('SELECT public.ensure_month_partitions($1)', [month]),
      db.query('SELECT public.ensure_month_partitions($1)', [month]),
    ]);
    const cat = await db.query<{ name: string; replident: string; rls: boolean; published: boolean; same_acl: boolean; policies: string[] }>(
      `SELECT c.relname AS name, c.relreplident::text AS replident, c.relrowsecurity AS rls,
              EXISTS (SELECT 1 FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid
                      WHERE p.pubname = 'supabase_realtime' AND r.prrelid = c.oid) AS published,
              (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(c.relacl) x)
                IS NOT DISTINCT FROM
              (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(p.relacl) x) AS same_acl,
              (SELECT array_agg(polname::text ORDER BY polname) FROM pg_policy WHERE polrelid = c.oid) AS policies
       FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent
       WHERE c.relname IN ('sessions_2031_05', 'events_2031_05') ORDER BY 1`);
    expect(cat.map((r) => [r.name, r.replident, r.rls, r.published, r.same_acl])).toEqual([
      ['events_2031_05', 'f', true, true, true],
      ['sessions_2031_05', 'f', true, true, true],
    ]);
    expect(cat[0]!.policies).toEqual(['events_owner_delete', 'events_owner_select', 'events_owner_update', 'events_service_all']);

    const a = await addTenant(db, 'alice', month);
    const b = await addTenant(db, 'bob', month);
    const seen = await asRole(db, 'authenticated', b.user, async (tx) => ({
      events: (await tx.query<{ id: string }>('SELECT id FROM public.events_2031_05')).map((r) => r.id).sort(),
      sessions: (await tx.query<{ id: string }>('SELECT id FROM public.sessions_2031_05')).map((r) => r.id).sort(),
    }));
    expect(seen).toEqual({ events: [...b.events].sort(), sessions: [...b.sessions].sort() });
    expect(a.events.some((id) => seen.events.includes(id))).toBe(false);
    expect(await sqlState(asRole(db, 'anon', null, (tx) => tx.query('SELECT * FROM public.events_2031_05')))).toBe('42501');
    expect(await sqlState(asRole(db, 'anon', null, (tx) => tx.query('SELECT * FROM public.sessions_2031_05')))).toBe('42501');
    // Default privileges would have given anon INSERT too: refused.
    expect(await sqlState(asRole(db, 'anon', null, (tx) =>
      tx.query("INSERT INTO public.sessions_2031_05 (id, created_month, site_id) VALUES (gen_random_uuid(), '2031-05-01', $1)", [a.sites[0]])))).toBe('42501');
    // Updates through the partition are at least as limited as through the parent: tenants update
    // through the parent, where column privileges live (011_tenant_keys), and not at all here.
    expect(await sqlState(asRole(db, 'authenticated', a.user, (tx) =>
      tx.query('UPDATE public.events_2031_05 SET event_label = $1 WHERE id = ANY($2::uuid[]) RETURNING id', ['x', b.events])))).toBe('42501');
  });
});

describe.each(backends)('a partition made by hand on %s', (backend) => {
  let fresh: FreshDb;
  beforeEach(async () => {
    fresh = await freshDb(backend);
  });
  afterEach(async () => {
    await fresh.drop();
  });

  it('is secured and published by the event trigger, on CREATE ... PARTITION OF and on ATTACH', async () => {
    const { db } = fresh;
    await db.exec('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role');
    await db.exec(`
      CREATE TABLE public.sessions_2033_01 PARTITION OF public.sessions FOR VALUES FROM ('2033-01-01') TO ('2033-02-01');
      CREATE TABLE public.events_2033_01 (LIKE public.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
      ALTER TABLE public.events ATTACH PARTITION public.events_2033_01 FOR VALUES FROM ('2033-01-01') TO ('2033-02-01');`);
    const cat = await db.query<{ name: string; rls: boolean; replident: string; published: boolean; policies: number }>(
      `SELECT c.relname AS name, c.relrowsecurity AS rls, c.relreplident::text AS replident,
              EXISTS (SELECT 1 FROM pg_publication_rel r WHERE r.prrelid = c.oid) AS published,
              (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
       FROM pg_class c WHERE c.relname IN ('sessions_2033_01', 'events_2033_01') ORDER BY 1`);
    expect(cat).toEqual([
      { name: 'events_2033_01', rls: true, replident: 'f', published: true, policies: 4 },
      { name: 'sessions_2033_01', rls: true, replident: 'f', published: true, policies: 4 },
    ]);
    const a = await addTenant(db, 'alice', '2033-01-01');
    const b = await addTenant(db, 'bob', '2033-01-01');
    const seen = await asRole(db, 'authenticated', a.user, async (tx) =>
      (await tx.query<{ id: string }>('SELECT id FROM public.events_2033_01')).map((r) => r.id).sort());
    expect(seen).toEqual([...a.events].sort());
    expect(b.events.some((id) => seen.includes(id))).toBe(false);
    expect(await sqlState(asRole(db, 'anon', null, (tx) => tx.query('SELECT * FROM public.events_2033_01')))).toBe('42501');
  });
});
