/**
 * What a dashboard request asks for, read from its query string: a period (today, 7d, 30d or a
 * custom range of UTC days), the period before it for comparison, the filters (one value per
 * breakdown dimension) and the lead threshold. Pure: the clock comes in as a number.
 *
 * The page's own address uses the same parameter names, so a shared view and the API calls it
 * makes say the same thing.
 */

/** The breakdowns a site owner can sort, filter and export by. */
export const DIMENSIONS = ['attribution', 'campaign', 'keyword', 'source', 'landing', 'device'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const PRESETS = ['today', '7d', '30d', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];

/** A session is a lead at this score or above unless the request names another threshold. */
export const LEAD_THRESHOLD = 50;

/** The longest custom range, in days: about 13 months (the schema keeps 13 months of partitions). */
export const MAX_DAYS = 400;

const DAY = 86_400_000;

export interface Period {
  /** First UTC day, YYYY-MM-DD. */
  from: string;
  /** Last UTC day (inclusive), YYYY-MM-DD. */
  to: string;
  /** from 00:00 UTC. */
  start: Date;
  /** The day after `to`, 00:00 UTC (exclusive). */
  end: Date;
  /**
   * First and last session month (YYYY-MM-01) that can hold a session created in the period: a
   * session's month is the client's, accepted only within a month of the server's clock, so one
   * month either side of the period's own months.
   */
  firstMonth: string;
  lastMonth: string;
}

export interface DashboardQuery {
  preset: Preset;
  period: Period;
  /** The same number of days just before `period`. */
  previous: Period;
  /** Hours for a period of up to two days, days otherwise. */
  bucket: 'hour' | 'day';
  filters: Partial<Record<Dimension, string>>;
  threshold: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: 'invalid_query'; message: string };

const fail = (message: string): { ok: false; error: 'invalid_query'; message: string } => ({ ok: false, error: 'invalid_query', message });

const dayString = (t: number): string => new Date(t).toISOString().slice(0, 10);

function parseDay(s: string | null): number | undefined {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return undefined;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(t) || dayString(t) !== s ? undefined : t;
}

function monthShift(t: number, months: number): string {
  const d = new Date(t);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1)).toISOString().slice(0, 10);
}

/** The period of whole UTC days [fromDay, toDay]. */
export function periodOf(fromDay: number, toDay: number): Period {
  const end = toDay + DAY;
  return {
    from: dayString(fromDay),
    to: dayString(toDay),
    start: new Date(fromDay),
    end: new Date(end),
    firstMonth: monthShift(fromDay, -1),
    lastMonth: monthShift(end - 1, 1),
  };
}

/** The longest filter value accepted (a landing path or a campaign name). */
const MAX_FILTER = 512;

export function parseDashboardQuery(params: URLSearchParams, now: number): Parsed<DashboardQuery> {
  const preset = (params.get('period') ?? '7d') as Preset;
  if (!PRESETS.includes(preset)) return fail(`period must be one of ${PRESETS.join(', ')}.`);
  const today = Math.floor(now / DAY) * DAY;
  let fromDay: number;
  let toDay: number;
  if (preset === 'custom') {
    const f = parseDay(params.get('from'));
    const t = parseDay(params.get('to'));
    if (f === undefined || t === undefined) return fail('A custom period needs from and to as YYYY-MM-DD.');
    if (t < f) return fail('to is before from.');
    if ((t - f) / DAY + 1 > MAX_DAYS) return fail(`A period is at most ${MAX_DAYS} days.`);
    fromDay = f;
    toDay = t;
  } else {
    const days = preset === 'today' ? 1 : preset === '7d' ? 7 : 30;
    toDay = today;
    fromDay = today - (days - 1) * DAY;
  }
  const days = (toDay - fromDay) / DAY + 1;
  const filters: Partial<Record<Dimension, string>> = {};
  for (const dim of DIMENSIONS) {
    const v = params.get(dim);
    if (v === null) continue;
    if (v.length === 0 || v.length > MAX_FILTER) return fail(`The ${dim} filter must be 1 to ${MAX_FILTER} characters.`);
    filters[dim] = v;
  }
  const th = params.get('threshold');
  const threshold = th === null ? LEAD_THRESHOLD : Number(th);
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 100) return fail('threshold must be a whole number from 0 to 100.');
  return {
    ok: true,
    value: {
      preset,
      period: periodOf(fromDay, toDay),
      previous: periodOf(fromDay - days * DAY, fromDay - DAY),
      bucket: days <= 2 ? 'hour' : 'day',
      filters,
      threshold,
    },
  };
}

/** Reads a breakdown dimension (`dim=`), or says why not. */
export function parseDimension(value: string | null): Parsed<Dimension> {
  if (value && (DIMENSIONS as readonly string[]).includes(value)) return { ok: true, value: value as Dimension };
  return fail(`dim must be one of ${DIMENSIONS.join(', ')}.`);
}

/** The start of every bucket of a period, oldest first: the chart has a point for empty ones too. */
export function bucketStarts(period: Period, bucket: 'hour' | 'day'): string[] {
  const step = bucket === 'hour' ? 3_600_000 : DAY;
  const out: string[] = [];
  for (let t = period.start.getTime(); t < period.end.getTime(); t += step) out.push(new Date(t).toISOString());
  return out;
}

/** A leads-page cursor: the last row's created_at and id, as `<iso>_<uuid>`. */
export function parseCursor(value: string | null): Parsed<{ at: string; id: string } | undefined> {
  if (value === null || value === '') return { ok: true, value: undefined };
  const m = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)_([0-9a-f-]{36})$/i.exec(value);
  if (!m || Number.isNaN(Date.parse(m[1]!))) return fail('before is not a cursor this server gave.');
  return { ok: true, value: { at: m[1]!, id: m[2]!.toLowerCase() } };
}

/** CSV lines (each ending in CRLF): fields quoted when they need it, formula-like text defused. */
export function csvLines(rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown): string => {
    if (v == null) return '';
    let s = v instanceof Date ? v.toISOString() : String(v);
    // A cell starting with = + - @ is run as a formula by spreadsheets; visitor data must not be.
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(',') + '\r\n').join('');
}

/** A CSV file from a header and rows. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return csvLines([header, ...rows]);
}
