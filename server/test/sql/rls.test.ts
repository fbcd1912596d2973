import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { addTenant, asRole, monthOf, partitionName, sqlState, type Tenant } from './fixtures.js';

const sorted = (xs: string[]) => [...xs].sort();
const ids = (rows: Array<{ id: string }>) => sorted(rows.map((r) => r.id));

describe.each(backends)('row-level security on %s', (backend) => {
  let fresh: FreshDb;
  let a: Tenant;
  let b: Tenant;
  const month = monthOf(0);

  beforeAll(async () => {
    fresh = await freshDb(backend);
    a = await addTenant(fresh.db, 'alice', month);
    b = await addTenant(fresh.db, 'bob', month);
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it("shows a user only their own rows in every table", async () => {
    const seen = await asRole(fresh.db, 'authenticated', a.user, async (tx) => ({
      sites: ids(await tx.query('SELECT id FROM public.sites')),
      sessions: ids(await tx.query('SELECT id FROM public.sessions')),
      events: ids(await tx.query('SELECT id FROM public.events')),
      calls: ids(await tx.query('SELECT id FROM public.calls')),
      credentials: (await tx.query<{ user_id: string }>('SELECT user_id FROM public.user_credentials')).map((r) => r.user_id),
    }));
    expect(seen).toEqual({
      sites: sorted(a.sites),
      sessions: sorted(a.sessions),
      events: sorted(a.events),
      calls: sorted(a.calls),
      credentials: [a.user],
    });
  });

  it("leaves another tenant's rows alone on UPDATE and DELETE", async () => {
    const touched = await asRole(fresh.db, 'authenticated', a.user, async (tx) => {
      const n = async (text: string, params: unknown[]) => (await tx.query(text, params)).length;
      return [
        await n('UPDATE public.sites SET name = $2 WHERE id = ANY($1::uuid[]) RETURNING id', [b.sites, 'pwned']),
        await n('UPDATE public.sessions SET lead_score = 99 WHERE id = ANY($1::uuid[]) RETURNING id', [b.sessions]),
        await n("UPDATE public.events SET event_label = 'x' WHERE id = ANY($1::uuid[]) RETURNING id", [b.events]),
        await n("UPDATE public.calls SET phone_number = 'x' WHERE id = ANY($1::uuid[]) RETURNING id", [b.calls]),
        await n('DELETE FROM public.events WHERE id = ANY($1::uuid[]) RETURNING id', [b.events]),
        await n('DELETE FROM public.calls WHERE id = ANY($1::uuid[]) RETURNING id', [b.calls]),
        await n('DELETE FROM public.sessions WHERE id = ANY($1::uuid[]) RETURNING id', [b.sessions]),
        await n('DELETE FROM public.sites WHERE id = ANY($1::uuid[]) RETURNING id', [b.sites]),
        await n('DELETE FROM public.user_credentials WHERE user_id = $1 RETURNING id', [b.user]),
      ];
    });
    expect(touched).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Checked as the owner: B's rows are all there, unchanged.
    const [left] = await fresh.db.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM public.sites WHERE id = ANY($1::uuid[]) AND name <> 'pwned')::int AS sites,
              (SELECT count(*) FROM public.sessions WHERE id = ANY($2::uuid[]) AND lead_score = 0)::int AS sessions,
              (SELECT count(*) FROM public.events WHERE id = ANY($3::uuid[]) AND event_label IS NULL)::int AS events,
              (SELECT count(*) FROM public.calls WHERE id = ANY($4::uuid[]) AND phone_number <> 'x')::int AS calls,
              (SELECT count(*) FROM public.user_credentials WHERE user_id = $5)::int AS credentials`,
      [b.sites, b.sessions, b.events, b.calls, b.user]);
    expect(left).toEqual({ sites: 2, sessions: 2, events: 4, calls: 2, credentials: 1 });
  });

  it("refuses to move a row into another tenant's site or create a site for someone else", async () => {
    const move = await sqlState(asRole(fresh.db, 'authenticated', a.user, (tx) =>
      tx.query('UPDATE public.sessions SET site_id = $1 WHERE id = $2', [b.sites[0], a.sessions[0]])));
    expect(move).toBe('42501');
    const create = await sqlState(asRole(fresh.db, 'authenticated', a.user, (tx) =>
      tx.query("INSERT INTO public.sites (user_id, public_id) VALUES ($1, 'stolen')", [b.user])));
    expect(create).toBe('42501');
    const insertEvent = await sqlState(asRole(fresh.db, 'authenticated', a.user, (tx) =>
      tx.query(`INSERT INTO public.events (session_id, session_month, site_id, event_category, event_action, url)
                VALUES ($1, $2, $3, 'pageview', 'view', 'https://x.test/')`, [a.sessions[0], month, a.sites[0]])));
    expect(insertEvent).toBe('42501'); // tracking data is written by the server only
  });

  it('lets a user create and rename their own site', async () => {
    const name = await asRole(fresh.db, 'authenticated', a.user, async (tx) => {
      await tx.query("INSERT INTO public.sites (user_id, public_id) VALUES ($1, 'alice-new')", [a.user]);
      const rows = await tx.query<{ name: string }>(
        "UPDATE public.sites SET name = 'Renamed' WHERE public_id = 'alice-new' RETURNING name");
      await tx.query("DELETE FROM public.sites WHERE public_id = 'alice-new'");
      return rows.map((r) => r.name);
    });
    expect(name).toEqual(['Renamed']);
  });

  it('gives anon nothing at all', async () => {
    for (const table of ['sites', 'sessions', 'events', 'calls', 'user_credentials', partitionName('events', month)]) {
      const code = await sqlState(asRole(fresh.db, 'anon', null, (tx) => tx.query(`SELECT * FROM public.${table}`)));
      expect([table, code]).toEqual([table, '42501']);
    }
  });

  it('shows an authenticated caller without a user id nothing', async () => {
    const n = await asRole(fresh.db, 'authenticated', null, async (tx) =>
      (await tx.query('SELECT id FROM public.events')).length + (await tx.query('SELECT id FROM public.sites')).length);
    expect(n).toBe(0);
  });

  it('lets the privileged role read everything', async () => {
    const counts = await asRole(fresh.db, 'service_role', null, async (tx) => {
      const [row] = await tx.query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM public.sites)::int AS sites, (SELECT count(*) FROM public.sessions)::int AS sessions,
                (SELECT count(*) FROM public.events)::int AS events, (SELECT count(*) FROM public.calls)::int AS calls,
                (SELECT count(*) FROM public.user_credentials)::int AS credentials`);
      return row;
    });
    expect(counts).toEqual({ sites: 4, sessions: 4, events: 8, calls: 4, credentials: 2 });
  });

  it("keeps a partition read directly as closed as its parent", async () => {
    const part = partitionName('events', month);
    const seen = await asRole(fresh.db, 'authenticated', a.user, async (tx) =>
      ids(await tx.query(`SELECT id FROM public.${part}`)));
    expect(seen).toEqual(sorted(a.events));
  });

  it("returns the architecture's query patterns' rows under RLS", async () => {
    // "Get User's Events": newest first, only the caller's.
    const latest = await asRole(fresh.db, 'authenticated', b.user, (tx) =>
      tx.query<{ id: string; created_at: Date }>(
        `SELECT e.* FROM events e
         JOIN sessions s ON s.id = e.session_id AND s.created_month = e.session_month
         JOIN sites st ON st.id = s.site_id
         WHERE st.user_id = auth.uid()
         ORDER BY e.created_at DESC
         LIMIT 100`));
    expect(ids(latest)).toEqual(sorted(b.events));
    const times = latest.map((r) => r.created_at.getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));

    // "Get Session Events": in time order; another tenant's session yields nothing.
    const own = await asRole(fresh.db, 'authenticated', a.user, (tx) =>
      tx.query<{ id: string; event_category: string }>(
        'SELECT * FROM events WHERE session_id = $1 AND session_month = $2 ORDER BY created_at ASC',
        [a.sessions[0], month]));
    expect(own.map((r) => r.event_category)).toEqual(['pageview', 'interaction']);
    const foreign = await asRole(fresh.db, 'authenticated', a.user, (tx) =>
      tx.query('SELECT * FROM events WHERE session_id = $1 AND session_month = $2', [b.sessions[0], month]));
    expect(foreign).toEqual([]);
  });
});
