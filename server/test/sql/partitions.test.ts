import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { addEvent, addSession, addSite, addUser, monthOf, partitionName, sqlState } from './fixtures.js';

describe.each(backends)('partitions on %s', (backend) => {
  let fresh: FreshDb;
  beforeEach(async () => {
    fresh = await freshDb(backend);
  });
  afterEach(async () => {
    await fresh.drop();
  });

  it('puts a session and its event in the partitions of their month', async () => {
    const { db } = fresh;
    const month = monthOf(0);
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const session = await addSession(db, site, month);
    const event = await addEvent(db, site, session, month);
    const [s] = await db.query<{ part: string; created_month: string }>(
      'SELECT tableoid::regclass::text AS part, created_month FROM public.sessions WHERE id = $1', [session]);
    const [e] = await db.query<{ part: string }>(
      'SELECT tableoid::regclass::text AS part FROM public.events WHERE id = $1', [event]);
    expect(s).toEqual({ part: partitionName('sessions', month), created_month: month });
    expect(e!.part).toBe(partitionName('events', month));
  });

  it('creates partitions for last month, this month and the next two', async () => {
    const rows = await fresh.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'public.events'::regclass ORDER BY 1`);
    expect(rows.map((r) => r.name)).toEqual([-1, 0, 1, 2].map((o) => partitionName('events', monthOf(o))));
  });

  it('refuses an event without session_month', async () => {
    const { db } = fresh;
    const month = monthOf(0);
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const session = await addSession(db, site, month);
    const code = await sqlState(db.query(
      `INSERT INTO public.events (session_id, site_id, event_category, event_action, url)
       VALUES ($1, $2, 'pageview', 'view', 'https://example.test/')`, [session, site]));
    // Tuple routing finds no partition for a NULL key before NOT NULL is checked: 23514.
    expect(code).toBe('23514');
    // And the column itself is NOT NULL, which would refuse it in any partition too.
    const [col] = await db.query<{ notnull: boolean }>(
      `SELECT attnotnull AS notnull FROM pg_attribute
       WHERE attrelid = 'public.events'::regclass AND attname = 'session_month'`);
    expect(col!.notnull).toBe(true);
  });

  it("refuses an event whose month differs from its session's", async () => {
    const { db } = fresh;
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const session = await addSession(db, site, monthOf(0));
    // Next month has a partition, so only the composite foreign key can refuse it.
    const code = await sqlState(addEvent(db, site, session, monthOf(1)));
    expect(code).toBe('23503'); // foreign_key_violation
    const [count] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.events');
    expect(count!.n).toBe(0);
  });

  it('refuses a row for a month without a partition with SQLSTATE 23514, then takes it once the month exists', async () => {
    const { db } = fresh;
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const old = '2020-03-01';
    expect(await sqlState(addSession(db, site, old))).toBe('23514');
    await db.query('SELECT public.ensure_month_partitions($1)', [old]);
    const session = await addSession(db, site, old);
    await addEvent(db, site, session, old);
    const [row] = await db.query<{ part: string }>(
      'SELECT tableoid::regclass::text AS part FROM public.events WHERE session_id = $1', [session]);
    expect(row!.part).toBe('events_2020_03');
  });

  it('refuses a month value that is not the first day of a month', async () => {
    const { db } = fresh;
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const month = monthOf(0);
    expect(await sqlState(addSession(db, site, month.slice(0, 8) + '15'))).toBe('23514');
  });
});
