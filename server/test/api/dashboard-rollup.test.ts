/**
 * The dashboard's daily rollups (sql/016) against the raw queries, on both backends: every tile,
 * chart point and breakdown of several periods and filters the same both ways, before and after
 * late changes to rolled-up days (a call matched to an old session, a score change, a conversion on
 * yesterday's session, a visitor's identity and a campaign changed, a session added to an old day).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { openHarness, type Harness } from '../support/harness.js';
import { seedDashboard } from '../support/dashboard-seed.js';
import { breakdown, dashboardStats } from '../../src/store/dashboard.js';
import { DIMENSIONS, parseDashboardQuery, type DashboardQuery } from '../../src/rules/dashboard-query.js';

const DAY = 86_400_000;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

describe.each(backends)('dashboard rollups on %s', (kind) => {
  let h: Harness;
  const now = Date.now();
  const today = Math.floor(now / DAY) * DAY;
  const views = [
    'period=today',
    'period=7d',
    'period=30d',
    `period=custom&from=${day(now - 89 * DAY)}&to=${day(now)}`,
    `period=custom&from=${day(now - 60 * DAY)}&to=${day(now - 10 * DAY)}`,
    `period=custom&from=${day(now - 89 * DAY)}&to=${day(now)}&campaign=spring`,
    `period=30d&device=mobile`,
    `period=30d&campaign=spring&device=mobile`,
    `period=30d&threshold=70`,
  ];
  const query = (qs: string): DashboardQuery => {
    const parsed = parseDashboardQuery(new URLSearchParams(qs), now);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  };

  /** Every view read both ways; returns the rollup side. */
  async function sameBothWays() {
    const out: Record<string, unknown> = {};
    for (const qs of views) {
      const q = query(qs);
      const rolled = await dashboardStats(h.db, h.site.id, q, now);
      expect(rolled, qs).toEqual(await dashboardStats(h.db, h.site.id, q, now, { rollups: false }));
      out[qs] = rolled;
      for (const dim of DIMENSIONS) {
        const rows = await breakdown(h.db, h.site.id, q, dim, 100, now);
        expect(rows, `${qs} ${dim}`).toEqual(await breakdown(h.db, h.site.id, q, dim, 100, now, { rollups: false }));
        out[`${qs} ${dim}`] = rows;
      }
    }
    return out;
  }

  const sessionOn = async (t: number, extra = '') => {
    const [s] = await h.db.query<{ id: string; m: string; fp: string; at: string; score: number }>(
      `select id::text as id, created_month::text as m, fingerprint as fp, created_at::text as at, lead_score as score
         from public.sessions s where site_id = $1::uuid and created_at >= $2::timestamptz and created_at < $3::timestamptz${extra}
        order by created_at limit 1`,
      [h.site.id, new Date(t).toISOString(), new Date(t + DAY).toISOString()],
    );
    if (!s) throw new Error(`no session on ${day(t)}`);
    return s;
  };

  beforeAll(async () => {
    h = await openHarness(kind);
    await seedDashboard(h.db, h.site.id, { sessions: 700, eventsPerSession: 3, now });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('rolls up the closed days and answers every view as the raw queries do', async () => {
    const before = await sameBothWays();
    const [state] = await h.db.query<{ built: string }>('select built_through::text as built from public.dashboard_rollup_state where site_id = $1::uuid', [h.site.id]);
    // The rollups hold every closed day (unless this runs in the 5 minutes after midnight UTC).
    expect([day(today - DAY), day(today - 2 * DAY)]).toContain(state!.built);
    const [rows] = await h.db.query<{ n: number }>(`select count(*)::int as n from public.dashboard_days where site_id = $1::uuid and dim = 'all'`, [h.site.id]);
    expect(rows!.n).toBeGreaterThan(80);
    // And they agree with SQL written here for the three months' visitors.
    const q = query(views[3]!);
    const [v] = await h.db.query<{ n: number }>(
      `select count(distinct coalesce(fingerprint, id::text))::int as n from public.sessions
        where site_id = $1::uuid and created_at >= $2::timestamptz and created_at < $3::timestamptz`,
      [h.site.id, q.period.start.toISOString(), q.period.end.toISOString()],
    );
    expect((before[views[3]!] as { tiles: { visitors: number } }).tiles.visitors).toBe(v!.n);
  });

  it('stays exact after late changes to rolled-up days', async () => {
    const before = await sameBothWays();
    const old = await sessionOn(today - 40 * DAY);
    const scored = await sessionOn(today - 20 * DAY);
    const yesterdays = await sessionOn(
      today - DAY,
      ` and not exists (select 1 from public.events e where e.session_id = s.id and e.event_category = 'conversion')`,
    );
    const moved = await sessionOn(today - 30 * DAY);
    const retagged = await sessionOn(today - 12 * DAY);
    const other = await sessionOn(today - 5 * DAY);
    // A call matched to a session of 40 days ago.
    await h.db.query(
      `insert into public.calls (site_id, phone_number, matched_session_id, matched_session_month, status, source, call_time)
       values ($1::uuid, '+15550100999', $2::uuid, $3::date, 'matched', 'server', $4::timestamptz + interval '2 minutes')`,
      [h.site.id, old.id, old.m, old.at],
    );
    // A score that crosses the lead threshold.
    await h.db.query('update public.sessions set lead_score = $2 where id = $1::uuid', [scored.id, scored.score >= 50 ? 10 : 90]);
    // A conversion on yesterday's session.
    await h.db.query(
      `insert into public.events (session_id, session_month, site_id, client_event_id, event_category, event_action, url, created_at)
       values ($1::uuid, $2::date, $3::uuid, 'late-conversion', 'conversion', 'form_submit', 'https://shop.example/contact', now())`,
      [yesterdays.id, yesterdays.m, h.site.id],
    );
    // A session's visitor turns out to be another one (its fingerprint known later).
    await h.db.query('update public.sessions set fingerprint = $2 where id = $1::uuid', [moved.id, other.fp]);
    // Another session's campaign changes.
    await h.db.query(`update public.sessions set utm = '{"utm_campaign":"late"}'::jsonb where id = $1::uuid`, [retagged.id]);
    // A session added to a day that is rolled up, by a visitor seen on other days.
    await h.db.query(
      `insert into public.sessions (id, created_month, site_id, fingerprint, attribution, lead_score, landing_url, created_at)
       values (gen_random_uuid(), date_trunc('month', $2::timestamptz at time zone 'UTC')::date, $1::uuid, $3, 'organic', 75,
               'https://shop.example/late', $2::timestamptz)`,
      [h.site.id, new Date(today - 15 * DAY + 3_600_000).toISOString(), scored.fp],
    );
    const [stale] = await h.db.query<{ n: number }>('select count(*)::int as n from public.dashboard_stale where site_id = $1::uuid', [h.site.id]);
    expect(stale!.n).toBeGreaterThan(0);

    const after = await sameBothWays();
    const long = views[3]!;
    const tiles = (o: Record<string, unknown>) => (o[long] as { tiles: { sessions: number; leads: number; conversions: number } }).tiles;
    // Each change shows (the raw side is the same, checked above).
    expect(tiles(after).sessions).toBe(tiles(before).sessions + 1);
    expect(tiles(after).leads).toBe(tiles(before).leads + 1 + (scored.score >= 50 ? -1 : 1));
    expect(tiles(after).conversions).toBe(tiles(before).conversions + 1);
    const calls = (o: Record<string, unknown>) => (o[`${long} attribution`] as { calls: number }[]).reduce((n, r) => n + r.calls, 0);
    expect(calls(after)).toBe(calls(before) + 1);
    expect((after[`${long} campaign`] as { value: string }[]).map((r) => r.value)).toContain('late');
    expect((after[`${long} landing`] as { value: string }[]).map((r) => r.value)).toContain('/late');
    const [left] = await h.db.query<{ n: number }>('select count(*)::int as n from public.dashboard_stale where site_id = $1::uuid', [h.site.id]);
    expect(left!.n).toBe(0);
  });
});
