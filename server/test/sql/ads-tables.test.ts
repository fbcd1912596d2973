/**
 * site_ads_settings and ad_uploads (sql/013_google_ads.sql): row-level security per owner, what
 * each role may do, and the checks that refuse bad settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { addTenant, asRole, sqlState, type Tenant } from './fixtures.js';

describe.each(backends)('Google Ads tables on %s', (backend) => {
  let fresh: FreshDb;
  let a: Tenant;
  let b: Tenant;

  async function seed(t: Tenant, n: number) {
    await fresh.db.query('INSERT INTO public.site_ads_settings (site_id, time_zone) VALUES ($1, $2)', [t.sites[0], 'Europe/Istanbul']);
    await fresh.db.query(
      `INSERT INTO public.ad_uploads (site_id, order_id, kind, conversion_action, click_id_kind, conversion_time, conversion_value, currency, status)
       VALUES ($1, $2, 'call', 'Calls', 'gclid', now(), 0, 'EUR', 'uploaded')`,
      [t.sites[0], `om-call-${n}`],
    );
  }

  beforeAll(async () => {
    fresh = await freshDb(backend);
    a = await addTenant(fresh.db, 'alice');
    b = await addTenant(fresh.db, 'bob');
    await seed(a, 1);
    await seed(b, 2);
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it('an owner sees only their own sites\' settings and uploads, and cannot touch the others\'', async () => {
    const seen = await asRole(fresh.db, 'authenticated', a.user, async (tx) => ({
      settings: (await tx.query<{ site_id: string }>('SELECT site_id FROM public.site_ads_settings')).map((r) => r.site_id),
      uploads: (await tx.query<{ order_id: string }>('SELECT order_id FROM public.ad_uploads')).map((r) => r.order_id),
      changed: (await tx.query("UPDATE public.site_ads_settings SET currency = 'USD' WHERE site_id = $1 RETURNING site_id", [b.sites[0]])).length,
      own: (await tx.query("UPDATE public.site_ads_settings SET currency = 'TRY' WHERE site_id = $1 RETURNING site_id", [a.sites[0]])).length,
    }));
    expect(seen).toEqual({ settings: [a.sites[0]], uploads: ['om-call-1'], changed: 0, own: 1 });
  });

  it('an owner cannot write upload records or settings for another site; anon reads nothing', async () => {
    expect(await sqlState(asRole(fresh.db, 'authenticated', a.user, (tx) => tx.query(
      "UPDATE public.ad_uploads SET status = 'failed' WHERE site_id = $1", [a.sites[0]])))).toBe('42501');
    expect(await sqlState(asRole(fresh.db, 'authenticated', a.user, (tx) => tx.query(
      'INSERT INTO public.site_ads_settings (site_id) VALUES ($1)', [b.sites[1]])))).toBe('42501');
    expect(await sqlState(asRole(fresh.db, 'anon', null, (tx) => tx.query('SELECT * FROM public.ad_uploads')))).toBe('42501');
    expect(await sqlState(asRole(fresh.db, 'anon', null, (tx) => tx.query('SELECT * FROM public.site_ads_settings')))).toBe('42501');
    const service = await asRole(fresh.db, 'service_role', null, async (tx) => (await tx.query('SELECT order_id FROM public.ad_uploads')).length);
    expect(service).toBe(2);
  });

  it('refuses settings that could not be sent to Google', async () => {
    const site = a.sites[1];
    for (const [column, value] of [
      ['currency', 'eur'],
      ['time_zone', "Europe/Istanbul'; --"],
      ['lead_threshold', 101],
      ['ad_user_data', 'yes'],
      ['customer_id', '123-456-7890'],
      ['call_value', -1],
    ] as const) {
      const code = await sqlState(fresh.db.query(`INSERT INTO public.site_ads_settings (site_id, ${column}) VALUES ($1, $2)`, [site, value]));
      expect([column, code]).toEqual([column, '23514']);
    }
    // A lead kind needs both its name and its threshold.
    expect(await sqlState(fresh.db.query("INSERT INTO public.site_ads_settings (site_id, lead_action) VALUES ($1, 'Hot')", [site]))).toBe('23514');
    expect(await sqlState(fresh.db.query(
      `INSERT INTO public.ad_uploads (site_id, order_id, kind, conversion_action, click_id_kind, conversion_time, conversion_value, currency, status)
       VALUES ($1, 'x', 'call', 'Calls', 'fbclid', now(), 0, 'EUR', 'uploaded')`, [site]))).toBe('23514');
  });

  it('goes with its site', async () => {
    await fresh.db.query('DELETE FROM public.sites WHERE id = $1', [b.sites[0]]);
    const [left] = await fresh.db.query<{ s: number; u: number }>(
      'SELECT (SELECT count(*) FROM public.site_ads_settings WHERE site_id = $1)::int AS s, (SELECT count(*) FROM public.ad_uploads WHERE site_id = $1)::int AS u',
      [b.sites[0]]);
    expect(left).toEqual({ s: 0, u: 0 });
  });
});
