/**
 * The /api/call-event write path (contract section 2): match the call to the site's most recent
 * session with that fingerprint that has an event in the 30 minutes up to the call, and record
 * the call whether it matched or not, in one statement.
 *
 * The same call reported again (a tracker retry whose first attempt was stored: same site,
 * fingerprint, phone number and call_time) writes nothing and gets the first call's answer; the
 * unique index of sql/010_call_once.sql decides what "the same" is. `db` must not be a
 * REPEATABLE READ or SERIALIZABLE transaction: the re-read of a repeat needs a fresh snapshot.
 */
import { CALL_MATCH_WINDOW_MS, CALL_TIME_FUTURE_MS, CLIENT_TIME_WINDOW_MS, type CallEventBody, type CallOk } from '../wire.js';
import type { Queryable } from './db/types.js';
import { HttpError } from '../http/http.js';

/** The call time as epoch ms: now when absent, a 400 outside [now - 7 days, now + 5 minutes]. */
export function callTimeOf(body: CallEventBody, now: number): number {
  if (body.call_time === undefined) return now;
  const t = Date.parse(body.call_time);
  if (!Number.isFinite(t) || t < now - CLIENT_TIME_WINDOW_MS || t > now + CALL_TIME_FUTURE_MS) {
    throw new HttpError(400, 'invalid_call_time', 'call_time must be within the last 7 days and at most 5 minutes ahead.');
  }
  return t;
}

interface CallRow {
  id: string;
  matched_session_id: string | null;
  lead_score: number | null;
}

/** Attempts before giving up when the stored copy of a repeated call vanishes between statements. */
const ATTEMPTS = 3;

export async function recordCall(
  db: Queryable,
  siteId: string,
  body: CallEventBody,
  callTime: number,
  source: 'tracker' | 'server',
): Promise<CallOk> {
  const from = new Date(callTime - CALL_MATCH_WINDOW_MS).toISOString();
  const to = new Date(callTime).toISOString();
  for (let attempt = 1; ; attempt += 1) {
    // The common case, a new call, is this one statement.
    const inserted = await db.query<CallRow>(
      `with m as (
         select s.id, s.created_month, s.lead_score
           from public.sessions s
           cross join lateral (
             select max(e.created_at) as last_at from public.events e
              where e.session_id = s.id and e.session_month = s.created_month
                and e.created_at >= $3::timestamptz and e.created_at <= $4::timestamptz) w
          where s.site_id = $1::uuid and s.fingerprint = $2 and w.last_at is not null
          order by w.last_at desc, s.created_at desc
          limit 1)
       insert into public.calls
         (site_id, phone_number, matched_session_id, matched_session_month, matched_fingerprint, lead_score, status, source, call_time)
       select $1::uuid, $5, m.id, m.created_month, $2, m.lead_score,
              case when m.id is null then 'unmatched' else 'matched' end, $6, $4::timestamptz
         from (select 1) as one left join m on true
       on conflict (site_id, matched_fingerprint, phone_number, call_time) do nothing
       returning id, matched_session_id, lead_score`,
      [siteId, body.fingerprint, from, to, body.phone_number, source],
    );
    if (inserted[0]) return answer(inserted[0]);
    // A repeat. The first copy may have been committed by a concurrent request after this
    // statement's snapshot was taken (ON CONFLICT waits for it, but the snapshot cannot see it),
    // so it is read in a statement of its own.
    const existing = await db.query<CallRow>(
      `select id, matched_session_id, lead_score from public.calls
        where site_id = $1::uuid and matched_fingerprint = $2 and phone_number = $3 and call_time = $4::timestamptz`,
      [siteId, body.fingerprint, body.phone_number, to],
    );
    if (existing[0]) return answer(existing[0]);
    // Deleted in between (an owner removing it): try storing it again.
    if (attempt >= ATTEMPTS) throw new Error('call-event: a repeated call vanished before it could be read');
  }
}

function answer(row: CallRow): CallOk {
  return row.matched_session_id
    ? { status: 'matched', call_id: row.id, session_id: row.matched_session_id, lead_score: Number(row.lead_score) }
    : { status: 'unmatched', call_id: row.id, session_id: null, lead_score: null };
}
