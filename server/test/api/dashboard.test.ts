/**
 * The dashboard's API without a browser, on both backends: who may read it, what it refuses, the
 * cursor paging, the CSV format, and that each query reads only its period's partitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { openHarness, type Harness } from '../support/harness.js';
import { seedDashboard } from '../support/dashboard-seed.js';
import { partitionMonths, planOf, recording } from '../support/plans.js';
import { breakdown, dashboardStats, leadDetail, leads } from '../../src/store/dashboard.js';
import { DIMENSIONS, parseDashboardQuery } from '../../src/rules/dashboard-query.js';
import { leadsCsv } from '../../src/routes/export.js';

const DAY = 86_400_000;
const monthKey = (t: number, shift = 0) => {
  const d = new Date(t);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + shift, 1)).toISOString().slice(0, 7).replace('-', '_');
};

describe.each(backends)('dashboard API on %s', (kind) => {
  let h: Harness;
  const now = Date.now();
  const get = (path: string, token: string | null = h.site.liveToken) =>
    h.handler(new Request(`http://localhost${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
  const site = () => `site=${h.site.publicId}`;

  beforeAll(async () => {
    h = await openHarness(kind);
    // A year of empty months around the data, so that pruning has something to leave out.
    for (let m = -12; m <= 2; m++) await h.db.query('select public.ensure_month_partitions($1::date)', [`${monthKey(now, m).replace('_', '-')}-01`]);
    await seedDashboard(h.db, h.site.id, { sessions: 300, now });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers only with the site’s live token, in the header', async () => {
    for (const path of ['/api/stats', '/api/breakdown', '/api/leads', '/api/export']) {
      expect((await get(`${path}?${site()}&dim=campaign&what=leads`, null)).status).toBe(401);
      expect((await get(`${path}?${site()}&dim=campaign&what=leads`, 'oml_wrong')).status).toBe(401);
    }
    const other = await h.newSite();
    expect((await get(`/api/stats?site=${other.publicId}`)).status).toBe(401);
    expect((await get(`/api/stats?${site()}`)).status).toBe(200);
  });

  it('refuses a period, filter, dimension, cursor or id it cannot read, with a machine code', async () => {
    const bad = [
      `/api/stats?${site()}&period=week`,
      `/api/stats?${site()}&period=custom&from=2026-02-30&to=2026-03-01`,
      `/api/stats?${site()}&period=custom&from=2026-03-02&to=2026-03-01`,
      `/api/stats?${site()}&period=custom&from=2020-01-01&to=2026-03-01`,
      `/api/stats?${site()}&campaign=`,
      `/api/stats?${site()}&threshold=101`,
      `/api/breakdown?${site()}&dim=country`,
      `/api/leads?${site()}&before=yesterday`,
      `/api/leads?${site()}&limit=0`,
      `/api/lead?${site()}&id=nope&month=2026-01`,
      `/api/lead?${site()}&id=${crypto.randomUUID()}&month=2026-13`,
      `/api/export?${site()}&what=everything`,
    ];
    for (const path of bad) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(await res.json(), path).toMatchObject({ status: 'error', error: 'invalid_query', message: expect.any(String) });
    }
    const missing = await get(`/api/lead?${site()}&id=${crypto.randomUUID()}&month=${new Date(now).toISOString().slice(0, 7)}`);
    expect(missing.status).toBe(404);
  });

  it('pages leads by cursor without repeating or skipping one', async () => {
    const q = `${site()}&period=custom&from=${new Date(now - 90 * DAY).toISOString().slice(0, 10)}&to=${new Date(now).toISOString().slice(0, 10)}`;
    const seen: string[] = [];
    let before = '';
    for (let i = 0; i < 10; i++) {
      const body = (await (await get(`/api/leads?${q}&limit=40${before ? `&before=${encodeURIComponent(before)}` : ''}`)).json()) as { leads: { id: string }[]; next: string | null };
      seen.push(...body.leads.map((l) => l.id));
      if (!body.next) break;
      before = body.next;
    }
    const [all] = await h.db.query<{ n: number }>(`select count(*)::int as n from public.sessions where site_id = $1::uuid and lead_score >= 50`, [h.site.id]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(all!.n);
  });

  it('writes CSV that a spreadsheet cannot run, with the period in the file name', async () => {
    const sid = crypto.randomUUID();
    const month = new Date(now).toISOString().slice(0, 7);
    await h.db.query(
      `insert into public.sessions (id, created_month, site_id, lead_score, utm, created_at)
       values ($1::uuid, $2::date, $3::uuid, 90, '{"utm_campaign": "=HYPERLINK(\\"x\\"), \\"quoted\\""}', now())`,
      [sid, `${month}-01`, h.site.id],
    );
    const res = await get(`/api/export?${site()}&period=today&what=campaign`);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="[\w-]+-campaign-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(await res.text()).toContain(`"'=HYPERLINK(""x""), ""quoted""",1,1,1,0,0`);
    await h.db.query('delete from public.sessions where id = $1::uuid', [sid]);
  });

  it('streams a leads export page by page, each lead once, in the order of the leads list', async () => {
    const empty = parseDashboardQuery(new URLSearchParams('period=custom&from=2020-01-01&to=2020-01-01'), now);
    const q = parseDashboardQuery(new URLSearchParams(`period=custom&from=${new Date(now - 89 * DAY).toISOString().slice(0, 10)}&to=${new Date(now).toISOString().slice(0, 10)}`), now);
    if (!q.ok || !empty.ok) throw new Error('bad query');
    const whole = await new Response(await leadsCsv(h.db, h.site.id, q.value, 100_000)).text();
    const paged = await new Response(await leadsCsv(h.db, h.site.id, q.value, 7)).text();
    const lines = whole.trimEnd().split('\r\n');
    expect(lines.length).toBeGreaterThan(100);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(lines.length - 1);
    expect(paged).toBe(whole);
    // And the same rows as the leads list.
    const list = await leads(h.db, h.site.id, q.value, { limit: 100_000 });
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(list.leads.map((l) => l.id));
    // An empty period: the header alone.
    expect(await new Response(await leadsCsv(h.db, h.site.id, empty.value, 7)).text()).toBe(`${lines[0]}\r\n`);
  });

  it('reads only the partitions of the period (and a month either side), for every query', async () => {
    const parsed = parseDashboardQuery(new URLSearchParams('period=7d&campaign=spring'), now);
    if (!parsed.ok) throw new Error(parsed.message);
    const rec = recording(h.db);
    await dashboardStats(rec.db, h.site.id, parsed.value, now);
    for (const dim of DIMENSIONS) await breakdown(rec.db, h.site.id, parsed.value, dim);
    const page = await leads(rec.db, h.site.id, parsed.value, { limit: 100 });
    const first = page.leads[0];
    if (first) await leadDetail(rec.db, h.site.id, first.id, `${first.month}-01`);
    const start = now - 6 * DAY;
    // Previous period included: it starts 7 days earlier.
    const allowed = new Set([-1, 0, 1].flatMap((s) => [monthKey(start - 7 * DAY, s), monthKey(now, s)]));
    expect(rec.calls.length).toBeGreaterThan(10);
    let readSome = 0;
    for (const call of rec.calls) {
      const months = partitionMonths(await planOf(h.db, call));
      expect(months.filter((m) => !allowed.has(m)), call.text).toEqual([]);
      if (months.length) readSome += 1;
    }
    expect(readSome).toBeGreaterThan(10);
    // Fifteen months exist; a week's queries see at most four of them.
    const [parts] = await h.db.query<{ n: number }>(`select count(*)::int as n from pg_inherits where inhparent = 'public.sessions'::regclass`);
    expect(parts!.n).toBeGreaterThanOrEqual(15);
  });
});
