/**
 * Row-level security on UPDATE of calls and events, as a signed-in site owner (`authenticated`):
 * the USING side hides other tenants' rows (rls.test.ts), and the WITH CHECK side keeps an owner
 * from moving their own call or event into another tenant's site. Moving between two sites of the
 * same owner stays allowed, so the check is the owner's sites, not "never change site_id".
 *
 * The moves are written without a WHERE clause on purpose: an UPDATE whose WHERE (or RETURNING)
 * reads the table also needs SELECT, and PostgreSQL then checks the new row against the SELECT
 * policy as well, which would hide a missing WITH CHECK. `UPDATE ... SET site_id = x` alone is
 * checked by the UPDATE policy's WITH CHECK only. Each runs in a transaction that is rolled back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { addTenant, asRole, monthOf, sqlState, type Tenant } from './fixtures.js';

describe.each(backends)('row-level security on updates of calls and events on %s', (backend) => {
  let fresh: FreshDb;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    fresh = await freshDb(backend);
    a = await addTenant(fresh.db, 'carol', monthOf(0));
    b = await addTenant(fresh.db, 'dave', monthOf(0));
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  /** Runs `sql` as tenant `a`, then rolls back; resolves to the SQLSTATE it failed with. */
  const moveAll = (sql: string, params: unknown[]) =>
    sqlState(asRole(fresh.db, 'authenticated', a.user, async (tx) => {
      await tx.query(sql, params);
      throw Object.assign(new Error('the move went through'), { code: 'moved' });
    }));

  const siteOf = async (table: 'calls' | 'events', id: string) =>
    (await fresh.db.query<{ site_id: string }>(`SELECT site_id FROM public.${table} WHERE id = $1`, [id]))[0]!.site_id;

  it("refuses to move the owner's calls into another tenant's site (42501), and the calls stay", async () => {
    expect(await moveAll('UPDATE public.calls SET site_id = $1', [b.sites[0]])).toBe('42501');
    // With a WHERE clause too.
    const state = await sqlState(asRole(fresh.db, 'authenticated', a.user, (tx) =>
      tx.query('UPDATE public.calls SET site_id = $1 WHERE id = $2', [b.sites[0], a.calls[0]])));
    expect(state).toBe('42501');
    expect(await siteOf('calls', a.calls[0]!)).toBe(a.sites[0]);
  });

  it("refuses to move the owner's events into another tenant's site (42501), and the event stays", async () => {
    expect(await moveAll('UPDATE public.events SET site_id = $1', [b.sites[0]])).toBe('42501');
    const state = await sqlState(asRole(fresh.db, 'authenticated', a.user, (tx) =>
      tx.query('UPDATE public.events SET site_id = $1 WHERE id = $2', [b.sites[0], a.events[0]])));
    expect(state).toBe('42501');
    expect(await siteOf('events', a.events[0]!)).toBe(a.sites[0]);
  });

  it("refuses to move the owner's sessions into another tenant's site (42501)", async () => {
    // rls.test.ts moves one with a WHERE clause, which the SELECT policy alone refuses.
    expect(await moveAll('UPDATE public.sessions SET site_id = $1', [b.sites[0]])).toBe('42501');
  });

  it('lets the owner update their own call, but not move it even between their own sites (site_id is not a tenant column since 011)', async () => {
    const updated = await asRole(fresh.db, 'authenticated', a.user, async (tx) =>
      tx.query("UPDATE public.calls SET phone_number = '+12025550199' WHERE id = $1 RETURNING id", [a.calls[1]]),
    );
    expect(updated).toHaveLength(1);
    const before = await siteOf('calls', a.calls[1]!);
    const refused = await asRole(fresh.db, 'authenticated', a.user, (tx) =>
      tx.query('UPDATE public.calls SET site_id = $1 WHERE id = $2', [a.sites[0] === before ? a.sites[1] : a.sites[0], a.calls[1]]),
    ).then(
      () => 'updated',
      (err: { code?: string }) => err.code,
    );
    expect(refused).toBe('42501');
    expect(await siteOf('calls', a.calls[1]!)).toBe(before);
  });

  it("lets the owner label their own event, and still hides the other tenant's", async () => {
    const touched = await asRole(fresh.db, 'authenticated', a.user, async (tx) => ({
      own: (await tx.query("UPDATE public.events SET event_label = 'reviewed' WHERE id = $1 RETURNING id", [a.events[1]])).length,
      other: (await tx.query("UPDATE public.events SET event_label = 'reviewed' WHERE id = $1 RETURNING id", [b.events[1]])).length,
    }));
    expect(touched).toEqual({ own: 1, other: 0 });
  });
});
