/**
 * Every row's session belongs to its site, for every role (migration 011_tenant_keys; issue 12,
 * findings 2 and 6), on both backends. Each refusal a tenant can provoke must fail the same way
 * whether the other tenant's row exists or not. The pgTAP file sql/tests/03_tenant_keys.sql says
 * the same on PostgreSQL; this one also runs on PGlite.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, emptyPostgres, freshDb, type FreshDb } from '../support/db.js';
import { migrate, migrationFiles, migrationsDir } from '../../src/store/db/migrate.js';
import { openPglite } from '../../src/store/db/pglite.js';
import { sessionsSnapshot } from '../../src/live/live.js';
import { addCall, addEvent, addSession, addSite, addTenant, addUser, asRole, monthOf, sqlState, type Tenant } from './fixtures.js';

const nextMonth = monthOf(1);

describe.each(backends)('a session belongs to its site, on %s', (backend) => {
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

  const asAlice = <T>(fn: Parameters<typeof asRole<T>>[3]) => asRole(fresh.db, 'authenticated', a.user, fn);

  it("a tenant cannot hang its event under another tenant's session, and learns nothing from trying", async () => {
    const foreign = await sqlState(asAlice((tx) =>
      tx.query('UPDATE public.events SET session_id = $1 WHERE id = $2', [b.sessions[0], a.events[0]])));
    const missing = await sqlState(asAlice((tx) =>
      tx.query('UPDATE public.events SET session_id = $1 WHERE id = $2', [randomUUID(), a.events[0]])));
    expect([foreign, missing]).toEqual(['42501', '42501']);
    const rows = await fresh.db.query<{ session_id: string }>('SELECT session_id FROM public.events WHERE id = $1', [a.events[0]]);
    expect(rows).toEqual([{ session_id: a.sessions[0] }]);
  });

  it("not even the server's role can store an event of one site under another site's session", async () => {
    expect(await sqlState(addEvent(fresh.db, a.sites[0]!, b.sessions[0]!, month))).toBe('23503');
    expect(await sqlState(fresh.db.query('UPDATE public.events SET site_id = $1 WHERE id = $2', [b.sites[0], a.events[0]]))).toBe('23503');
  });

  it("a call can only be matched to a session of its own site, and the refusal is the same for a session that does not exist", async () => {
    const match = (session: string) =>
      sqlState(asAlice((tx) =>
        tx.query(`UPDATE public.calls SET status = 'matched', matched_session_id = $1, matched_session_month = $2 WHERE id = $3`,
          [session, month, a.calls[0]])));
    expect([await match(b.sessions[0]!), await match(randomUUID())]).toEqual(['23503', '23503']);
    // Its own session is fine.
    const own = await asAlice((tx) =>
      tx.query(`UPDATE public.calls SET status = 'matched', matched_session_id = $1, matched_session_month = $2 WHERE id = $3 RETURNING id`,
        [a.sessions[0], month, a.calls[0]]));
    expect(own).toHaveLength(1);
    // The server's role is held to it too.
    expect(await sqlState(fresh.db.query(
      `INSERT INTO public.calls (site_id, phone_number, status, matched_session_id, matched_session_month) VALUES ($1, '+12025550100', 'matched', $2, $3)`,
      [a.sites[0], b.sessions[0], month]))).toBe('23503');
  });

  it('a tenant cannot rename or move its rows onto ids that might exist elsewhere', async () => {
    for (const [sql, params] of [
      ['UPDATE public.sessions SET id = $1 WHERE id = $2', [b.sessions[0], a.sessions[0]]],
      ['UPDATE public.sessions SET created_month = $1 WHERE id = $2', [nextMonth, a.sessions[0]]],
      ['UPDATE public.events SET id = $1 WHERE id = $2', [b.events[0], a.events[0]]],
      ['UPDATE public.calls SET site_id = $1 WHERE id = $2', [a.sites[1], a.calls[0]]],
    ] as const) {
      expect([sql, await sqlState(asAlice((tx) => tx.query(sql, [...params])))]).toEqual([sql, '42501']);
    }
    // Contents stay editable.
    const renamed = await asAlice((tx) => tx.query("UPDATE public.events SET event_label = 'ok' WHERE id = $1 RETURNING id", [a.events[0]]));
    expect(renamed).toHaveLength(1);
  });

  it('a session id belongs to one site in every month', async () => {
    // Site A may not start a session with B's id next month, whatever the role.
    expect(await sqlState(fresh.db.query('INSERT INTO public.sessions (id, created_month, site_id) VALUES ($1, $2, $3)',
      [b.sessions[0], nextMonth, a.sites[0]]))).toBe('23505');
    // B's own site may continue it.
    await fresh.db.query('INSERT INTO public.sessions (id, created_month, site_id) VALUES ($1, $2, $3)', [b.sessions[0], nextMonth, b.sites[0]]);
  });

  it('reserved public ids cannot be taken by tenants, in any case', async () => {
    for (const id of ['demo', 'DEMO', 'demo-shop', 'opsmantik']) {
      expect([id, await sqlState(asAlice((tx) => tx.query('INSERT INTO public.sites (user_id, public_id) VALUES ($1, $2)', [a.user, id])))])
        .toEqual([id, '42501']);
    }
    expect(await sqlState(asAlice((tx) => tx.query("UPDATE public.sites SET public_id = 'demo' WHERE id = $1", [a.sites[0]])))).toBe('42501');
    const ok = await asAlice((tx) => tx.query("INSERT INTO public.sites (user_id, public_id) VALUES ($1, 'alice-demo') RETURNING id", [a.user]));
    expect(ok).toHaveLength(1);
  });

  it("the snapshot shows a site's own sessions with their own events only", async () => {
    const snap = (await sessionsSnapshot(fresh.db, a.sites[0]!, 50)) as { sessions: Array<{ id: string; events: Array<{ id: string }> }> };
    expect(snap.sessions.map((s) => s.id)).toEqual([a.sessions[0]]);
    expect(snap.sessions[0]!.events.map((e) => e.id).sort()).toEqual([a.events[0], a.events[1]].sort());
  });
});

describe.each(backends)('011_tenant_keys on a database where a tenant already crossed over, on %s', (backend) => {
  it("removes events hung under another site's session and un-matches calls pointing at one", async () => {
    const target = backend === 'pglite' ? { db: await openPglite(), drop: async () => {} } : await emptyPostgres();
    const before = mkdtempSync(join(tmpdir(), 'opsmantik-sql-'));
    try {
      for (const f of migrationFiles().filter((f) => f.name < '011_')) copyFileSync(join(migrationsDir(), f.name), join(before, f.name));
      await migrate(target.db, { dir: before });
      const month = monthOf(0);
      const siteA = await addSite(target.db, await addUser(target.db, 'a@example.test'), 'site-a');
      const siteB = await addSite(target.db, await addUser(target.db, 'b@example.test'), 'site-b');
      const sessionA = await addSession(target.db, siteA, month);
      const sessionB = await addSession(target.db, siteB, month);
      const own = await addEvent(target.db, siteB, sessionB, month);
      // What the old keys allowed: A's event under B's session, A's call matched to B's session.
      const planted = await addEvent(target.db, siteA, sessionB, month);
      const call = await addCall(target.db, siteA, '+12025550100');
      await target.db.query(`UPDATE public.calls SET status = 'matched', matched_session_id = $1, matched_session_month = $2, lead_score = 50 WHERE id = $3`,
        [sessionB, month, call]);
      const ownCall = await addCall(target.db, siteA, '+12025550101');
      await target.db.query(`UPDATE public.calls SET status = 'matched', matched_session_id = $1, matched_session_month = $2 WHERE id = $3`,
        [sessionA, month, ownCall]);

      expect(await migrate(target.db)).toEqual(migrationFiles().filter((f) => f.name >= '011_').map((f) => f.name));
      const events = await target.db.query<{ id: string }>('SELECT id FROM public.events');
      expect(events.map((e) => e.id)).toEqual([own]);
      expect(events.map((e) => e.id)).not.toContain(planted);
      const calls = await target.db.query<{ id: string; status: string; matched_session_id: string | null; lead_score: number | null }>(
        'SELECT id, status, matched_session_id, lead_score FROM public.calls ORDER BY phone_number');
      expect(calls).toEqual([
        { id: call, status: 'unmatched', matched_session_id: null, lead_score: null },
        { id: ownCall, status: 'matched', matched_session_id: sessionA, lead_score: null },
      ]);
    } finally {
      rmSync(before, { recursive: true, force: true });
      await target.db.close();
      await target.drop();
    }
  });
});
