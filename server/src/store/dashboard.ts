/**
 * The dashboard's queries: counts over a period, a chart series, breakdowns, the leads list, one
 * lead's timeline and the rows of a CSV export. Every query on sessions and events names the
 * period's month range (created_month / session_month) beside its timestamps, so PostgreSQL reads
 * only those partitions, and the indexes of 003 and 014 answer the rest.
 *
 * Definitions (docs/server.md, "Dashboard"): a session belongs to the period it started in; a
 * lead is a session scoring at least the threshold; a conversion is a session with an event of
 * category `conversion`; visitors are distinct fingerprints (a session without one counts alone);
 * calls count by call time, and with a filter on only matched calls whose session passes it.
 */
import type { Queryable } from './db/types.js';
import { bucketStarts, type DashboardQuery, type Dimension, type Period } from '../rules/dashboard-query.js';
import {
  refreshRollups,
  rollupCell,
  rolledBreakdown,
  rolledCounts,
  rolledDays,
  splitPeriod,
  yesterday,
  type Cell,
  type Split,
} from './dashboard-rollup.js';

/**
 * The value each session has in each breakdown: stored generated columns (sql/014_dashboard.sql
 * defines how each is derived), all in the covering index sessions_site_created_dims_idx.
 */
const DIM_SQL: Record<Dimension, string> = {
  attribution: 's.attribution',
  campaign: 's.dim_campaign',
  keyword: 's.dim_keyword',
  source: 's.dim_source',
  landing: 's.dim_landing',
  device: 's.dim_device',
};

const ISO = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const VISITOR = `coalesce(s.fingerprint, s.id::text)`;

/** Collects parameters and hands out their $n placeholders. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** `and <dim> = $n` for every filter of the query. */
function filterSql(q: DashboardQuery, p: Params): string {
  return Object.entries(q.filters)
    .map(([dim, v]) => ` and ${DIM_SQL[dim as Dimension]} = ${p.add(v)}`)
    .join('');
}

/** The sessions of a site that started in a period and pass the filters (alias `s`). */
function sessionScope(siteId: string, period: Period, q: DashboardQuery, p: Params): string {
  return `s.site_id = ${p.add(siteId)}::uuid
      and s.created_month between ${p.add(period.firstMonth)}::date and ${p.add(period.lastMonth)}::date
      and s.created_at >= ${p.add(period.start.toISOString())}::timestamptz and s.created_at < ${p.add(period.end.toISOString())}::timestamptz${filterSql(q, p)}`;
}

/**
 * The ids of sessions in the period's months with a conversion event. An event's time is the
 * client's, so it may precede its session's server-side created_at a little: a day's margin.
 */
function conversionsCte(siteId: string, period: Period, p: Params): string {
  return `select distinct e.session_id from public.events e
           where e.site_id = ${p.add(siteId)}::uuid and e.event_category = 'conversion'
             and e.session_month between ${p.add(period.firstMonth)}::date and ${p.add(period.lastMonth)}::date
             and e.created_at >= ${p.add(new Date(period.start.getTime() - 86_400_000).toISOString())}::timestamptz`;
}

/** Matched calls per session, for sessions in the period's months (a call comes after its session began). */
function callsPerSessionCte(siteId: string, period: Period, p: Params): string {
  return `select c.matched_session_id as id, count(*)::int as n from public.calls c
           where c.site_id = ${p.add(siteId)}::uuid and c.status = 'matched'
             and c.call_time >= ${p.add(period.start.toISOString())}::timestamptz
             and c.matched_session_month between ${p.add(period.firstMonth)}::date and ${p.add(period.lastMonth)}::date
           group by 1`;
}

export interface Tiles {
  visitors: number;
  sessions: number;
  leads: number;
  conversions: number;
  calls_matched: number;
  calls_unmatched: number;
  /** conversions / sessions, 0 without sessions. */
  conversion_rate: number;
}

/** The calls of a period (by call time); with filters, only matched calls whose session passes them. */
function callsScope(siteId: string, period: Period, q: DashboardQuery, p: Params): string {
  const site = p.add(siteId);
  let sql = `c.site_id = ${site}::uuid and c.call_time >= ${p.add(period.start.toISOString())}::timestamptz
             and c.call_time < ${p.add(period.end.toISOString())}::timestamptz`;
  if (Object.keys(q.filters).length) {
    // The session's month is bounded too, so that only the period's partitions are planned: a
    // call whose session began more than a month before the period is not counted under a filter.
    const first = p.add(period.firstMonth);
    const last = p.add(period.lastMonth);
    // A subquery per call (one primary-key probe in the call's session month) rather than a semi
    // join, which reads every session of the months to find the few that pass the filter.
    sql += ` and c.status = 'matched' and c.matched_session_month between ${first}::date and ${last}::date
             and (select true from public.sessions s
               where s.id = c.matched_session_id and s.created_month = c.matched_session_month
                 and s.created_month between ${first}::date and ${last}::date
                 and s.site_id = ${site}::uuid${filterSql(q, p)})`;
  }
  return sql;
}

/**
 * Visitors already counted in the rolled-up days of the period (from `from` to `through`): the
 * raw part of a split period leaves them out, so each visitor counts once.
 */
interface Seen {
  from: string;
  through: string;
}

/** `not exists` a rolled-up day of the period for this visitor (`per.v`) in this cell. */
function unseenSql(siteId: string, dim: string, value: string, seen: Seen, p: Params): string {
  return `not exists (select 1 from public.dashboard_visitor_days x
             where x.site_id = ${p.add(siteId)}::uuid and x.dim = ${dim} and x.value = ${value} and x.visitor = per.v
               and x.day between ${p.add(seen.from)}::date and ${p.add(seen.through)}::date)`;
}

type Counts = Omit<Tiles, 'calls_matched' | 'calls_unmatched' | 'conversion_rate'>;

/** Visitors, sessions, leads and conversions of the period's sessions, read from the sessions themselves. */
async function rawCounts(db: Queryable, siteId: string, period: Period, q: DashboardQuery, seen?: { cell: Cell } & Seen): Promise<Counts> {
  const p = new Params();
  // Per visitor first, then over visitors: two hash aggregates instead of a sort for count(distinct).
  const scope = sessionScope(siteId, period, q, p);
  const threshold = p.add(q.threshold);
  const visitors = seen ? `count(*) filter (where ${unseenSql(siteId, p.add(seen.cell.dim), p.add(seen.cell.value), seen, p)})` : 'count(*)';
  const conv = conversionsCte(siteId, period, p);
  const [row] = await db.query<Counts>(
    `with conv as (${conv}),
          per as (select ${VISITOR} as v, count(*) as n, count(*) filter (where s.lead_score >= ${threshold}) as l,
                         count(conv.session_id) as c
                    from public.sessions s left join conv on conv.session_id = s.id
                   where ${scope} group by 1)
     select ${visitors}::int as visitors, coalesce(sum(n), 0)::int as sessions, coalesce(sum(l), 0)::int as leads,
            coalesce(sum(c), 0)::int as conversions from per`,
    p.values,
  );
  return row!;
}

/** The period's counts: from the rollups up to `split`'s last rolled-up day, raw after it. */
async function counts(db: Queryable, siteId: string, period: Period, q: DashboardQuery, split: Split | undefined): Promise<Counts> {
  const cell = rollupCell(q);
  if (!split || !cell || !split.rolled) return rawCounts(db, siteId, period, q);
  const rolled = split.rolled;
  const [a, b] = await Promise.all([
    rolledCounts(db, siteId, cell, rolled),
    split.raw ? rawCounts(db, siteId, split.raw, q, { cell, from: rolled.from, through: rolled.to }) : undefined,
  ]);
  if (!b) return a;
  return { visitors: a.visitors + b.visitors, sessions: a.sessions + b.sessions, leads: a.leads + b.leads, conversions: a.conversions + b.conversions };
}

async function tiles(db: Queryable, siteId: string, period: Period, q: DashboardQuery, split?: Split): Promise<Tiles> {
  const c = new Params();
  const [t, calls] = await Promise.all([
    counts(db, siteId, period, q, split),
    db
      .query<{ matched: number; unmatched: number }>(
        `select count(*) filter (where c.status = 'matched')::int as matched, count(*) filter (where c.status = 'unmatched')::int as unmatched
           from public.calls c where ${callsScope(siteId, period, q, c)}`,
        c.values,
      )
      .then((r) => r[0]!),
  ]);
  return {
    ...t,
    calls_matched: calls.matched,
    calls_unmatched: calls.unmatched,
    conversion_rate: t.sessions ? Math.round((t.conversions / t.sessions) * 10_000) / 10_000 : 0,
  };
}

/**
 * Rolls up what the request can use (closed days up to the period's end) and returns the last day
 * rolled up; undefined when the rollups cannot answer it or hold nothing yet.
 */
async function rolledUpTo(db: Queryable, siteId: string, q: DashboardQuery, now: number, o: ReadOptions): Promise<string | undefined> {
  if (o.rollups === false || !rollupCell(q)) return undefined;
  const through = yesterday(now) < q.period.to ? yesterday(now) : q.period.to;
  if (through < q.previous.from) return undefined;
  return refreshRollups(db, siteId, through);
}

export interface ReadOptions {
  /** false: read every period from the sessions themselves (the tests compare both ways). */
  rollups?: boolean;
}

const splitAt = (period: Period, built: string | undefined): Split | undefined => (built === undefined ? undefined : splitPeriod(period, built));

/**
 * Distinct visitors with an event in the last five minutes: the site's latest events (by the index
 * events_site_created_idx), then their sessions, in this month and the ones either side.
 */
async function visitorsNow(db: Queryable, siteId: string, q: DashboardQuery, now: number): Promise<number> {
  const p = new Params();
  const d = new Date(now);
  const months = [-1, 1].map((m) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + m, 1)).toISOString().slice(0, 10));
  const site = p.add(siteId);
  const first = p.add(months[0]);
  const last = p.add(months[1]);
  const [row] = await db.query<{ n: number }>(
    `select count(distinct ${VISITOR})::int as n from public.sessions s
      where s.site_id = ${site}::uuid and s.created_month between ${first}::date and ${last}::date
        and (s.id, s.created_month) in (select e.session_id, e.session_month from public.events e
              where e.site_id = ${site}::uuid and e.session_month between ${first}::date and ${last}::date
                and e.created_at >= ${p.add(new Date(now - 300_000).toISOString())}::timestamptz)${filterSql(q, p)}`,
    p.values,
  );
  return row!.n;
}

export interface SeriesPoint {
  t: string;
  sessions: number;
  leads: number;
  calls: number;
}

/** Sessions and leads per bucket of `period`, from the sessions themselves. */
function rawSeries(db: Queryable, siteId: string, q: DashboardQuery, period: Period): Promise<{ t: string; sessions: number; leads: number }[]> {
  const p = new Params();
  const unit = p.add(q.bucket);
  return db.query<{ t: string; sessions: number; leads: number }>(
    `select ${ISO(`date_trunc(${unit}::text, s.created_at at time zone 'UTC') at time zone 'UTC'`)} as t,
            count(*)::int as sessions, count(*) filter (where s.lead_score >= ${p.add(q.threshold)})::int as leads
       from public.sessions s where ${sessionScope(siteId, period, q, p)} group by 1`,
    p.values,
  );
}

async function series(db: Queryable, siteId: string, q: DashboardQuery, split?: Split): Promise<SeriesPoint[]> {
  const cell = rollupCell(q);
  let sessions: { t: string; sessions: number; leads: number }[];
  if (cell && split?.rolled && q.bucket === 'day') {
    const [rolled, raw] = await Promise.all([
      rolledDays(db, siteId, cell, split.rolled),
      split.raw ? rawSeries(db, siteId, q, split.raw) : [],
    ]);
    sessions = [...rolled.map((r) => ({ t: `${r.day}T00:00:00.000Z`, sessions: r.sessions, leads: r.leads })), ...raw];
  } else {
    sessions = await rawSeries(db, siteId, q, q.period);
  }
  const c = new Params();
  const cUnit = c.add(q.bucket);
  const calls = await db.query<{ t: string; calls: number }>(
    `select ${ISO(`date_trunc(${cUnit}::text, c.call_time at time zone 'UTC') at time zone 'UTC'`)} as t, count(*)::int as calls
       from public.calls c where ${callsScope(siteId, q.period, q, c)} group by 1`,
    c.values,
  );
  const byT = new Map(bucketStarts(q.period, q.bucket).map((t) => [t, { t, sessions: 0, leads: 0, calls: 0 }]));
  for (const r of sessions) Object.assign(byT.get(r.t) ?? {}, { sessions: r.sessions, leads: r.leads });
  for (const r of calls) Object.assign(byT.get(r.t) ?? {}, { calls: r.calls });
  return [...byT.values()];
}

export interface Stats {
  tiles: Tiles & { visitors_now: number };
  previous: Tiles;
  series: SeriesPoint[];
}

export async function dashboardStats(db: Queryable, siteId: string, q: DashboardQuery, now: number, o: ReadOptions = {}): Promise<Stats> {
  const built = await rolledUpTo(db, siteId, q, now, o);
  const split = splitAt(q.period, built);
  const [current, previous, points, live] = await Promise.all([
    tiles(db, siteId, q.period, q, split),
    tiles(db, siteId, q.previous, q, splitAt(q.previous, built)),
    series(db, siteId, q, split),
    visitorsNow(db, siteId, q, now),
  ]);
  return { tiles: { ...current, visitors_now: live }, previous, series: points };
}

export interface BreakdownRow {
  value: string;
  visitors: number;
  sessions: number;
  leads: number;
  conversions: number;
  /** Matched calls of these sessions, whenever they came. */
  calls: number;
}

/** Every value of one dimension in `period`, from the sessions themselves. */
async function rawBreakdown(db: Queryable, siteId: string, q: DashboardQuery, dim: Dimension, period: Period, seen?: Seen): Promise<BreakdownRow[]> {
  const p = new Params();
  const conv = conversionsCte(siteId, period, p);
  const calls = callsPerSessionCte(siteId, period, p);
  const threshold = p.add(q.threshold);
  const scope = sessionScope(siteId, period, q, p);
  const visitors = seen ? `count(*) filter (where ${unseenSql(siteId, p.add(dim), 'per.value', seen, p)})` : 'count(*)';
  return db.query<BreakdownRow>(
    `with conv as (${conv}),
          k as (${calls}),
          per as (select ${DIM_SQL[dim]} as value, ${VISITOR} as v, count(*) as n,
                         count(*) filter (where s.lead_score >= ${threshold}) as l,
                         count(conv.session_id) as c, coalesce(sum(k.n), 0) as k
                    from public.sessions s
                    left join conv on conv.session_id = s.id
                    left join k on k.id = s.id
                   where ${scope}
                   group by 1, 2)
     select value, ${visitors}::int as visitors, sum(n)::int as sessions, sum(l)::int as leads,
            sum(c)::int as conversions, sum(k)::int as calls
       from per group by 1`,
    p.values,
  );
}

/** Sum of two breakdowns of adjacent days, value by value. */
function addRows(a: BreakdownRow[], b: BreakdownRow[]): BreakdownRow[] {
  const out = new Map(a.map((r) => [r.value, { ...r }]));
  for (const r of b) {
    const o = out.get(r.value);
    if (!o) out.set(r.value, { ...r });
    else for (const k of ['visitors', 'sessions', 'leads', 'conversions', 'calls'] as const) o[k] += r[k];
  }
  return [...out.values()];
}

/**
 * The most common values of one dimension in the period (by sessions, then value), at most
 * `limit`: from the rollups when there is no filter, raw otherwise.
 */
export async function breakdown(
  db: Queryable,
  siteId: string,
  q: DashboardQuery,
  dim: Dimension,
  limit = 100,
  now = Date.now(),
  o: ReadOptions = {},
): Promise<BreakdownRow[]> {
  const built = Object.keys(q.filters).length ? undefined : await rolledUpTo(db, siteId, q, now, o);
  const split = splitAt(q.period, built);
  let rows: BreakdownRow[];
  if (!split?.rolled) {
    rows = await rawBreakdown(db, siteId, q, dim, q.period);
  } else {
    const rolled = split.rolled;
    const [a, b] = await Promise.all([
      rolledBreakdown(db, siteId, dim, rolled),
      split.raw ? rawBreakdown(db, siteId, q, dim, split.raw, { from: rolled.from, through: rolled.to }) : [],
    ]);
    rows = addRows(a, b);
  }
  // Code-point order for ties, as PostgreSQL's "C" collation; the raw query used to sort in SQL.
  return rows.sort((x, y) => y.sessions - x.sessions || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0)).slice(0, limit);
}

export interface LeadRow {
  id: string;
  month: string;
  created_at: string;
  lead_score: number;
  attribution: string;
  campaign: string;
  keyword: string;
  source: string;
  landing: string;
  device: string;
  gclid: string | null;
  /** The session's latest matched call. */
  call_id: string | null;
  call_time: string | null;
  phone_number: string | null;
  calls: number;
}

/** Leads of the period, newest first, `limit` after the cursor; `next` is the cursor of the page after, if any. */
export async function leads(
  db: Queryable,
  siteId: string,
  q: DashboardQuery,
  options: { limit: number; before?: { at: string; id: string } },
): Promise<{ leads: LeadRow[]; next: string | null }> {
  const p = new Params();
  const scope = sessionScope(siteId, q.period, q, p);
  const threshold = p.add(q.threshold);
  const cursor = options.before
    ? ` and (s.created_at, s.id) < (${p.add(options.before.at)}::timestamptz, ${p.add(options.before.id)}::uuid)`
    : '';
  const site = p.add(siteId);
  const rows = await db.query<LeadRow>(
    `select s.id::text as id, to_char(s.created_month, 'YYYY-MM') as month, ${ISO('s.created_at')} as created_at,
            s.lead_score::int as lead_score, s.attribution,
            ${DIM_SQL.campaign} as campaign, ${DIM_SQL.keyword} as keyword, ${DIM_SQL.source} as source,
            ${DIM_SQL.landing} as landing, ${DIM_SQL.device} as device, s.gclid,
            c.id::text as call_id, ${ISO('c.call_time')} as call_time, c.phone_number, coalesce(c.n, 0)::int as calls
       from public.sessions s
       left join lateral (select x.id, x.call_time, x.phone_number, count(*) over () as n from public.calls x
                           where x.site_id = ${site}::uuid and x.matched_session_id = s.id and x.matched_session_month = s.created_month
                           order by x.call_time desc limit 1) c on true
      where ${scope} and s.lead_score >= ${threshold}${cursor}
      order by s.created_at desc, s.id desc limit ${p.add(options.limit + 1)}`,
    p.values,
  );
  const more = rows.length > options.limit;
  const page = more ? rows.slice(0, options.limit) : rows;
  const last = page[page.length - 1];
  return { leads: page, next: more && last ? `${last.created_at}_${last.id}` : null };
}

export interface LeadDetail {
  session: Record<string, unknown>;
  events: Record<string, unknown>[];
  calls: Record<string, unknown>[];
}

/** One session with every event in order and its calls; undefined when the site has no such session. */
export async function leadDetail(db: Queryable, siteId: string, id: string, month: string): Promise<LeadDetail | undefined> {
  const [session] = await db.query<Record<string, unknown>>(
    `select s.id::text as id, to_char(s.created_month, 'YYYY-MM') as month, ${ISO('s.created_at')} as created_at,
            s.lead_score::int as lead_score, s.attribution, s.fingerprint, s.gclid, s.gbraid, s.wbraid, s.referrer, s.landing_url,
            s.utm, s.event_count::int as event_count, ${ISO('s.first_event_at')} as first_event_at, ${ISO('s.last_event_at')} as last_event_at,
            ${DIM_SQL.source} as source, ${DIM_SQL.device} as device, ${DIM_SQL.landing} as landing
       from public.sessions s where s.id = $1::uuid and s.created_month = $2::date and s.site_id = $3::uuid`,
    [id, month, siteId],
  );
  if (!session) return undefined;
  // Time order; events stored in one batch share a time often enough (scroll milestones) that
  // arrival order and then the value break the tie.
  const events = await db.query<Record<string, unknown>>(
    `select e.id::text as id, e.event_category as category, e.event_action as action, e.event_label as label,
            e.event_value as value, e.url, ${ISO('e.created_at')} as created_at
       from public.events e where e.session_id = $1::uuid and e.session_month = $2::date
      order by e.created_at, e.received_at, e.event_value nulls first, e.id`,
    [id, month],
  );
  const calls = await db.query<Record<string, unknown>>(
    `select c.id::text as id, c.phone_number, c.status, c.source, c.lead_score, ${ISO('c.call_time')} as call_time
       from public.calls c where c.site_id = $1::uuid and c.matched_session_id = $2::uuid and c.matched_session_month = $3::date
      order by c.call_time`,
    [siteId, id, month],
  );
  return { session, events, calls };
}
