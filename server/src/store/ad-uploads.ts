/**
 * ad_uploads (sql/013_google_ads.sql): which conversions went to the Google Ads API, which failed
 * and why. A conversion is claimed (status 'sending' with a lease) before it is sent, in one
 * statement that also refuses rows another run holds or that are settled, so two runs at once
 * (the server's job and `opsmantik ads upload`) never send one conversion twice.
 */
import type { Queryable } from './db/types.js';
import type { Conversion } from '../rules/conversions.js';
import type { UploadStatus } from '../rules/upload-outcome.js';

export interface UploadRow {
  order_id: string;
  kind: string;
  conversion_action: string;
  click_id_kind: string;
  status: 'sending' | UploadStatus;
  attempts: number;
  error_code: string | null;
  error_message: string | null;
  next_attempt_at: Date | string | null;
  last_attempt_at: Date | string | null;
  uploaded_at: Date | string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The conversions that may be sent now: never tried, failed and due again, or a lapsed claim. */
export async function dueConversions(db: Queryable, siteId: string, conversions: readonly Conversion[], now: number): Promise<Conversion[]> {
  if (conversions.length === 0) return [];
  const blocked = await db.query<{ order_id: string }>(
    `select u.order_id from public.ad_uploads u
      where u.site_id = $1::uuid and u.order_id in (select jsonb_array_elements_text($2::text::jsonb))
        and (u.status in ('uploaded', 'rejected')
             or (u.status = 'failed' and u.next_attempt_at > $3::timestamptz)
             or (u.status = 'sending' and u.lease_until > $3::timestamptz))`,
    [siteId, JSON.stringify(conversions.map((c) => c.orderId)), iso(now)],
  );
  const skip = new Set(blocked.map((r) => r.order_id));
  return conversions.filter((c) => !skip.has(c.orderId));
}

/** Claims conversions for sending until `leaseUntil`; resolves to the order ids this run holds. */
export async function claimUploads(db: Queryable, siteId: string, conversions: readonly Conversion[], now: number, leaseUntil: number): Promise<Set<string>> {
  if (conversions.length === 0) return new Set();
  const rows = conversions.map((c) => ({
    order_id: c.orderId,
    kind: c.kind,
    action: c.conversionAction,
    click_id_kind: c.clickIdKind,
    at: iso(c.at),
    value: c.value,
    currency: c.currency,
  }));
  // On a conflict the row is updated only when it is due; ON CONFLICT waits for a concurrent
  // claimer's commit and then re-checks this condition against its row, so only one run wins.
  const claimed = await db.query<{ order_id: string }>(
    `insert into public.ad_uploads as u
       (site_id, order_id, kind, conversion_action, click_id_kind, conversion_time, conversion_value, currency, status, lease_until)
     select $1::uuid, x.order_id, x.kind, x.action, x.click_id_kind, x.at, x.value, x.currency, 'sending', $3::timestamptz
       from jsonb_to_recordset($2::text::jsonb) as x(order_id text, kind text, action text, click_id_kind text,
                                                     at timestamptz, value double precision, currency text)
     on conflict (site_id, order_id) do update set
       status = 'sending', lease_until = excluded.lease_until, conversion_action = excluded.conversion_action,
       click_id_kind = excluded.click_id_kind, conversion_time = excluded.conversion_time,
       conversion_value = excluded.conversion_value, currency = excluded.currency
     where (u.status = 'failed' and (u.next_attempt_at is null or u.next_attempt_at <= $4::timestamptz))
        or (u.status = 'sending' and u.lease_until <= $4::timestamptz)
     returning u.order_id`,
    [siteId, JSON.stringify(rows), iso(leaseUntil), iso(now)],
  );
  return new Set(claimed.map((r) => r.order_id));
}

export interface RecordedOutcome {
  orderId: string;
  status: UploadStatus;
  code: string | null;
  message: string | null;
  nextAttemptAt: number | null;
}

/** Writes one attempt's results for claimed rows; history keeps the last 10 attempts. */
export async function recordOutcomes(db: Queryable, siteId: string, outcomes: readonly RecordedOutcome[], now: number): Promise<void> {
  if (outcomes.length === 0) return;
  const rows = outcomes.map((o) => ({
    order_id: o.orderId,
    status: o.status,
    code: o.code,
    message: o.message,
    next_at: o.nextAttemptAt === null ? null : iso(o.nextAttemptAt),
  }));
  await db.query(
    `update public.ad_uploads u set
       status = x.status, attempts = u.attempts + 1, error_code = x.code, error_message = x.message,
       next_attempt_at = x.next_at, lease_until = null, last_attempt_at = $3::timestamptz,
       uploaded_at = case when x.status = 'uploaded' then $3::timestamptz else u.uploaded_at end,
       history = (case when jsonb_array_length(u.history) >= 10 then u.history - 0 else u.history end)
                 || jsonb_build_array(jsonb_build_object('at', $3::text, 'status', x.status, 'code', x.code))
     from jsonb_to_recordset($2::text::jsonb) as x(order_id text, status text, code text, message text, next_at timestamptz)
     where u.site_id = $1::uuid and u.order_id = x.order_id and u.status = 'sending'`,
    [siteId, JSON.stringify(rows), iso(now)],
  );
}

/**
 * Gives claims back without counting an attempt (the run stopped before Google answered for
 * them, e.g. the token was refused): new rows go, earlier failures are due again at once.
 */
export async function releaseClaims(db: Queryable, siteId: string, orderIds: readonly string[]): Promise<void> {
  if (orderIds.length === 0) return;
  const list = JSON.stringify(orderIds);
  await db.query(
    `delete from public.ad_uploads
      where site_id = $1::uuid and status = 'sending' and attempts = 0
        and order_id in (select jsonb_array_elements_text($2::text::jsonb))`,
    [siteId, list],
  );
  await db.query(
    `update public.ad_uploads set status = 'failed', lease_until = null
      where site_id = $1::uuid and status = 'sending'
        and order_id in (select jsonb_array_elements_text($2::text::jsonb))`,
    [siteId, list],
  );
}

/** A site's upload rows, newest attempt first (for `opsmantik ads status`). */
export async function uploadRows(db: Queryable, siteId: string, limit = 50): Promise<UploadRow[]> {
  return db.query<UploadRow>(
    `select order_id, kind, conversion_action, click_id_kind, status, attempts, error_code, error_message,
            next_attempt_at, last_attempt_at, uploaded_at
       from public.ad_uploads where site_id = $1::uuid
      order by last_attempt_at desc nulls last, order_id limit $2::int`,
    [siteId, limit],
  );
}

/** Rows per status. */
export async function uploadCounts(db: Queryable, siteId: string): Promise<Record<string, number>> {
  const rows = await db.query<{ status: string; n: number | string }>(
    'select status, count(*) as n from public.ad_uploads where site_id = $1::uuid group by status',
    [siteId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** The site's last run, for status displays. */
export async function recordRun(db: Queryable, siteId: string, status: 'ok' | 'partial' | 'failed' | 'auth', message: string | null, now: number): Promise<void> {
  await db.query(
    `insert into public.site_ads_settings (site_id, last_run_at, last_run_status, last_run_message)
     values ($1::uuid, $2::timestamptz, $3, $4)
     on conflict (site_id) do update set last_run_at = excluded.last_run_at,
       last_run_status = excluded.last_run_status, last_run_message = excluded.last_run_message`,
    [siteId, iso(now), status, message],
  );
}

export interface LastRun {
  at: Date | string | null;
  status: string | null;
  message: string | null;
}

/** The site's last upload run, or null before the first. */
export async function lastRun(db: Queryable, siteId: string): Promise<LastRun | null> {
  const [row] = await db.query<{ last_run_at: Date | string | null; last_run_status: string | null; last_run_message: string | null }>(
    'select last_run_at, last_run_status, last_run_message from public.site_ads_settings where site_id = $1::uuid',
    [siteId],
  );
  return row?.last_run_at ? { at: row.last_run_at, status: row.last_run_status, message: row.last_run_message } : null;
}
