/**
 * The dashboard's daily rollups (sql/016_dashboard_rollups.sql): bringing them up to date, and
 * reading a period's counts, visitors and breakdowns from them. A period splits at the last
 * rolled-up day: the days up to it come from the rollups, the rest (today, and any day not rolled
 * up yet) from the sessions themselves (store/dashboard.ts adds that part).
 *
 * The rollups hold the whole site and each single breakdown value at the default lead threshold,
 * so they answer requests with at most one filter and that threshold; others are read raw.
 */
import type { Queryable } from './db/types.js';
import { LEAD_THRESHOLD, periodOf, type DashboardQuery, type Dimension, type Period } from '../rules/dashboard-query.js';

const DAY = 86_400_000;

/** A rollup row key: the whole site, or one value of one dimension. */
export interface Cell {
  dim: Dimension | 'all';
  value: string;
}

/** Days refreshed per statement: each stays well inside the server's statement timeout. */
const DAYS_PER_STEP = 3;
/** How long one request may spend rolling up days before it reads the rest raw (well inside --db-deadline). */
const REFRESH_BUDGET_MS = 800;

/** Whether the rollups can answer this request: at most one filter, the default threshold. */
export function rollupCell(q: DashboardQuery): Cell | undefined {
  if (q.threshold !== LEAD_THRESHOLD) return undefined;
  const filters = Object.entries(q.filters) as [Dimension, string][];
  if (filters.length > 1) return undefined;
  return filters.length ? { dim: filters[0]![0], value: filters[0]![1] } : { dim: 'all', value: '' };
}

/**
 * Brings the site's rollups up to `through` (a UTC day; the database never takes a day that is
 * not over) within the time budget, and returns the last day rolled up (undefined: none).
 */
export async function refreshRollups(db: Queryable, siteId: string, through: string, clock: () => number = Date.now): Promise<string | undefined> {
  const started = clock();
  let built: string | null = null;
  for (;;) {
    const [row] = await db.query<{ built: string | null }>(
      'select public.opsmantik_dashboard_refresh($1::uuid, $2::date, $3::int)::text as built',
      [siteId, through, DAYS_PER_STEP],
    );
    const before: string | null = built;
    built = row!.built;
    if (built === null || built >= through || built === before || clock() - started > REFRESH_BUDGET_MS) break;
  }
  return built ?? undefined;
}

/** The day before `now`'s UTC day. */
export const yesterday = (now: number): string => new Date(Math.floor(now / DAY) * DAY - DAY).toISOString().slice(0, 10);

/** A period cut at the last rolled-up day: the rolled-up days and the period of the rest, either may be absent. */
export interface Split {
  rolled?: { from: string; to: string };
  raw?: Period;
}

export function splitPeriod(period: Period, built: string | undefined): Split {
  if (built === undefined || built < period.from) return { raw: period };
  if (built >= period.to) return { rolled: { from: period.from, to: period.to } };
  const next = Date.parse(`${built}T00:00:00Z`) + DAY;
  return { rolled: { from: period.from, to: built }, raw: periodOf(next, period.end.getTime() - DAY) };
}

export interface RolledCounts {
  visitors: number;
  sessions: number;
  leads: number;
  conversions: number;
}

/**
 * A cell's counts over rolled-up days: sums of the days, and the visitor-days whose visitor had
 * no day with this value earlier in the period (each visitor once).
 */
export async function rolledCounts(db: Queryable, siteId: string, cell: Cell, days: { from: string; to: string }): Promise<RolledCounts> {
  const [row] = await db.query<RolledCounts>(
    `select coalesce((select sum(f.n) from public.dashboard_firsts f
                       where f.site_id = $1::uuid and f.dim = $2 and f.value = $3 and f.day between $4::date and $5::date
                         and f.prev_day < $4::date), 0)::int as visitors,
            coalesce(sum(d.sessions), 0)::int as sessions, coalesce(sum(d.leads), 0)::int as leads,
            coalesce(sum(d.conversions), 0)::int as conversions
       from public.dashboard_days d
      where d.site_id = $1::uuid and d.dim = $2 and d.value = $3 and d.day between $4::date and $5::date`,
    [siteId, cell.dim, cell.value, days.from, days.to],
  );
  return row!;
}

/** A cell's sessions and leads per rolled-up day (days without sessions absent). */
export async function rolledDays(
  db: Queryable,
  siteId: string,
  cell: Cell,
  days: { from: string; to: string },
): Promise<{ day: string; sessions: number; leads: number }[]> {
  return db.query(
    `select d.day::text as day, d.sessions, d.leads from public.dashboard_days d
      where d.site_id = $1::uuid and d.dim = $2 and d.value = $3 and d.day between $4::date and $5::date`,
    [siteId, cell.dim, cell.value, days.from, days.to],
  );
}

export interface RolledRow extends RolledCounts {
  value: string;
  calls: number;
}

/** Every value of a dimension over rolled-up days, with its counts. */
export async function rolledBreakdown(db: Queryable, siteId: string, dim: Dimension, days: { from: string; to: string }): Promise<RolledRow[]> {
  return db.query<RolledRow>(
    `select d.value, coalesce(f.visitors, 0)::int as visitors, d.sessions::int, d.leads::int, d.conversions::int, d.calls::int
       from (select value, sum(sessions) as sessions, sum(leads) as leads, sum(conversions) as conversions, sum(calls) as calls
               from public.dashboard_days
              where site_id = $1::uuid and dim = $2 and day between $3::date and $4::date group by value) d
       left join (select value, sum(n) as visitors from public.dashboard_firsts
                   where site_id = $1::uuid and dim = $2 and day between $3::date and $4::date and prev_day < $3::date
                   group by value) f on f.value = d.value`,
    [siteId, dim, days.from, days.to],
  );
}
