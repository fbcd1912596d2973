import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { addEvent, addSession, addSite, addUser, monthOf, partitionName, sqlState } from './fixtures.js';

/** Every "Relation Name" and "Index Name" in a JSON plan. */
function planNodes(plan: unknown): { relations: string[]; indexes: string[] } {
  const relations: string[] = [];
  const indexes: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o['Relation Name'] === 'string') relations.push(o['Relation Name']);
      if (typeof o['Index Name'] === 'string') indexes.push(o['Index Name']);
      Object.values(o).forEach(walk);
    }
  };
  walk(plan);
  return { relations, indexes };
}

describe.each(backends)('queries, indexes, retention and concurrency on %s', (backend) => {
  let fresh: FreshDb;
  beforeEach(async () => {
    fresh = await freshDb(backend);
  });
  afterEach(async () => {
    await fresh.drop();
  });

  it('plans the session-events query on one partition, through the session index', async () => {
    const { db } = fresh;
    const month = monthOf(0);
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const session = await addSession(db, site, month);
    await addEvent(db, site, session, month);
    const plan = await db.transaction(async (tx) => {
      // Tiny tables would be scanned whole; forbid that to see which index serves the query.
      await tx.query('SET LOCAL enable_seqscan = off');
      const [row] = await tx.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (FORMAT JSON) SELECT * FROM public.events
         WHERE session_id = '${session}' AND session_month = '${month}' ORDER BY created_at ASC`);
      return row!['QUERY PLAN'];
    });
    const nodes = planNodes(typeof plan === 'string' ? JSON.parse(plan) : plan);
    expect(nodes.relations).toEqual([partitionName('events', month)]);
    expect(nodes.indexes).toEqual([`${partitionName('events', month)}_session_id_created_at_idx`]);
  });

  it('serves a site\'s sessions by fingerprint and a user\'s latest events from indexes', async () => {
    const { db } = fresh;
    const month = monthOf(0);
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    // Enough distinct fingerprints, with statistics, for the plan to reflect real selectivity.
    await db.query(
      `INSERT INTO public.sessions (id, created_month, site_id, fingerprint, last_event_at)
       SELECT gen_random_uuid(), $1, $2, 'fp' || g, now() - g * interval '1 minute' FROM generate_series(1, 300) g`,
      [month, site]);
    await db.exec('ANALYZE public.sessions');
    // Calls too: on an empty table any index on site_id costs the same, and 010's unique index
    // (site_id, matched_fingerprint, ...) could be picked for a plan that then sorts.
    await db.query(
      `INSERT INTO public.calls (site_id, phone_number, matched_fingerprint, status, call_time)
       SELECT $1, '+1555' || g, 'fp' || g, 'unmatched', now() - g * interval '1 minute' FROM generate_series(1, 300) g`,
      [site]);
    await db.exec('ANALYZE public.calls');
    const plans = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const q = async (sql: string) =>
        planNodes((await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`))[0]!['QUERY PLAN']);
      return {
        fingerprint: await q(`SELECT id FROM public.sessions WHERE site_id = '${site}' AND fingerprint = 'fp1'
                              ORDER BY last_event_at DESC LIMIT 1`),
        latest: await q(`SELECT id FROM public.events WHERE site_id = '${site}' ORDER BY created_at DESC LIMIT 100`),
        calls: await q(`SELECT id FROM public.calls WHERE site_id = '${site}' ORDER BY call_time DESC LIMIT 50`),
      };
    });
    expect(plans.fingerprint.indexes.every((i) => i.endsWith('site_id_fingerprint_last_event_at_idx'))).toBe(true);
    expect(plans.fingerprint.indexes.length).toBeGreaterThan(0);
    expect(plans.latest.indexes.length).toBeGreaterThan(0);
    expect(plans.latest.indexes.every((i) => i.endsWith('site_id_created_at_idx'))).toBe(true);
    expect(plans.calls.indexes).toEqual(['calls_site_call_time_idx']);
  });

  it('returns dates as YYYY-MM-DD, counts as numbers, times as Dates and jsonb as objects', async () => {
    const [row] = await fresh.db.query<Record<string, unknown>>(
      `SELECT $1::date AS d, count(*) AS n, $2::timestamptz AS t, $3::jsonb AS j, $4::text[] AS a
       FROM (VALUES (1), (2)) v(x)`,
      ['2026-11-01', '2026-11-25T10:00:00Z', { fp: 'x', n: [1, 2] }, ['https://a.test', 'https://b.test']]);
    expect(row).toEqual({
      d: '2026-11-01',
      n: 2,
      t: new Date('2026-11-25T10:00:00Z'),
      j: { fp: 'x', n: [1, 2] },
      a: ['https://a.test', 'https://b.test'],
    });
  });

  it('lets two concurrent creators of the same month both succeed', async () => {
    const { db } = fresh;
    const months = ['2032-01-01', '2032-02-01', '2032-03-01'];
    const results = await Promise.allSettled(
      months.flatMap((m) => [1, 2, 3, 4].map(() => db.query('SELECT public.ensure_month_partitions($1)', [m]))));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'fulfilled'));
    const parts = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'public.sessions'::regclass AND c.relname LIKE 'sessions_2032%' ORDER BY 1`);
    expect(parts.map((p) => p.name)).toEqual(['sessions_2032_01', 'sessions_2032_02', 'sessions_2032_03']);
  });

  it('drops old months, events before sessions, and keeps the rest', async () => {
    const { db } = fresh;
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    for (const m of ['2020-01-01', '2020-02-01']) {
      await db.query('SELECT public.ensure_month_partitions($1)', [m]);
      const s = await addSession(db, site, m);
      await addEvent(db, site, s, m);
    }
    const [dropped] = await db.query<{ d: string[] }>("SELECT public.drop_months_before('2020-02-01') AS d");
    expect(dropped!.d).toEqual(['events_2020_01', 'sessions_2020_01']);
    const left = await db.query<{ m: string }>('SELECT DISTINCT session_month AS m FROM public.events ORDER BY 1');
    expect(left).toEqual([{ m: '2020-02-01' }]);
    expect(await sqlState(db.query('SELECT public.drop_months_before($1)', [monthOf(0)]))).toBe('22023');
    // Ingest months survive a retention run with the latest allowed cut-off.
    await db.query('SELECT public.drop_months_before($1)', [monthOf(-1)]);
    const [kept] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'public.events'::regclass");
    expect(kept!.n).toBe(4); // last month, this month, the next two
  });

  it('uses realtime.broadcast_changes instead of pg_notify where Supabase provides it', async () => {
    const { db } = fresh;
    // A stand-in with Supabase's signature that records its calls.
    await db.exec(`
      CREATE SCHEMA realtime;
      CREATE TABLE realtime.sent (topic text, event text, op text, tbl text, sch text, new_id uuid, old_id uuid);
      CREATE FUNCTION realtime.broadcast_changes(topic_name text, event_name text, operation text, table_name text,
        table_schema text, new record, old record, level text DEFAULT 'ROW') RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO realtime.sent VALUES (topic_name, event_name, operation, table_name, table_schema,
          (to_jsonb(new) ->> 'id')::uuid, (to_jsonb(old) ->> 'id')::uuid);
      END $$;`);
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    let notified = 0;
    const stop = await db.listen(`opsmantik_site_${site.replace(/-/g, '')}`, () => { notified += 1; });
    const session = await addSession(db, site, monthOf(0));
    const event = await addEvent(db, site, session, monthOf(0));
    await db.query('DELETE FROM public.events WHERE id = $1', [event]);
    const sent = await db.query('SELECT topic, event, op, tbl, sch, new_id, old_id FROM realtime.sent');
    expect(sent).toEqual([
      { topic: `site:${site}`, event: 'INSERT', op: 'INSERT', tbl: 'sessions', sch: 'public', new_id: session, old_id: null },
      { topic: `site:${site}`, event: 'INSERT', op: 'INSERT', tbl: 'events', sch: 'public', new_id: event, old_id: null },
      { topic: `site:${site}`, event: 'DELETE', op: 'DELETE', tbl: 'events', sch: 'public', new_id: null, old_id: event },
    ]);
    await stop();
    expect(notified).toBe(0);
  });
});
