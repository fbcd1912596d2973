/**
 * The /api/call-event write path (contract section 2): match the call to a session of the site
 * that has an event in the 30 minutes up to the call, and record the call whether it matched or
 * not, in one statement.
 *
 * Which session: the one the caller names (`sid`, `sm`: the tracker sends its own) when it is a
 * session of this site; otherwise, for a call that names only a fingerprint, the site's most
 * recent session with that fingerprint. Every join carries the site, so a call can only ever
 * match a session of its own site (migration 011 makes the database refuse anything else).
 *
 * The same call reported again (a tracker retry whose first attempt was stored: same site,
 * normalised phone number, call_time and reporter, i.e. the session named or else the
 * fingerprint) writes nothing and gets the first call's answer; the unique index calls_once_key of
 * sql/011_tenant_keys.sql decides what "the same" is. `db` must not be a REPEATABLE READ or
 * SERIALIZABLE transaction: the re-read of a repeat needs a fresh snapshot.
 */
import { CALL_MATCH_WINDOW_MS, CALL_TIME_FUTURE_MS, CLIENT_TIME_WINDOW_MS, type CallEventBody } from '../wire.js';
import type { Queryable } from './db/types.js';
import { HttpError } from '../http/http.js';
import { monthStart } from '../rules/months.js';

/** The call time as epoch ms: now when absent, a 400 outside [now - 7 days, now + 5 minutes]. */
export function callTimeOf(body: CallEventBody, now: number): number {
  if (body.call_time === undefined) return now;
  const t = Date.parse(body.call_time);
  if (!Number.isFinite(t) || t < now - CLIENT_TIME_WINDOW_MS || t > now + CALL_TIME_FUTURE_MS) {
    throw new HttpError(400, 'invalid_call_time', 'call_time must be within the last 7 days and at most 5 minutes ahead.');
  }
  return t;
}

/** A call as stored: the phone number already normalised (E.164). */
export interface CallInput {
  phoneNumber: string;
  sid?: string;
  sm?: string;
  fingerprint?: string;
  callTime: number;
  source: 'tracker' | 'server';
}

/** What was stored (or found stored): the caller decides how much of it to tell. */
export interface StoredCall {
  id: string;
  matchedSessionId: string | null;
  leadScore: number | null;
}

interface CallRow {
  id: string;
  matched_session_id: string | null;
  lead_score: number | null;
}

/** Attempts before giving up when the stored copy of a repeated call vanishes between statements. */
const ATTEMPTS = 3;

/* The reporter part of the call's identity; repeated verbatim from calls_once_key. */
const REPORTER = 'coalesce(reported_session_id::text, matched_fingerprint)';

export async function recordCall(db: Queryable, siteId: string, call: CallInput): Promise<StoredCall> {
  const from = new Date(call.callTime - CALL_MATCH_WINDOW_MS).toISOString();
  const to = new Date(call.callTime).toISOString();
  const sid = call.sid?.toLowerCase() ?? null;
  const month = call.sm ? monthStart(call.sm) : null;
  const fingerprint = call.fingerprint ?? null;
  // A named session decides alone (its key prunes to one partition); a fingerprint is only looked
  // at when no session is named.
  const which = sid ? 's.id = $7::uuid and s.created_month = $8::date' : 's.fingerprint = $2';
  for (let attempt = 1; ; attempt += 1) {
    // The common case, a new call, is this one statement.
    const inserted = await db.query<CallRow>(
      `with m as (
         select s.id, s.created_month, s.lead_score
           from public.sessions s
           cross join lateral (
             select max(e.created_at) as last_at from public.events e
              where e.session_id = s.id and e.session_month = s.created_month and e.site_id = s.site_id
                and e.created_at >= $3::timestamptz and e.created_at <= $4::timestamptz) w
          where s.site_id = $1::uuid and w.last_at is not null and ${which}
          order by w.last_at desc, s.created_at desc
          limit 1)
       insert into public.calls
         (site_id, phone_number, matched_session_id, matched_session_month, matched_fingerprint, reported_session_id,
          lead_score, status, source, call_time)
       select $1::uuid, $5, m.id, m.created_month, $2, $7::uuid, m.lead_score,
              case when m.id is null then 'unmatched' else 'matched' end, $6, $4::timestamptz
         from (select 1) as one left join m on true
       on conflict (site_id, phone_number, call_time, (${REPORTER})) do nothing
       returning id, matched_session_id, lead_score`,
      [siteId, fingerprint, from, to, call.phoneNumber, call.source, sid, ...(sid ? [month] : [])],
    );
    if (inserted[0]) return stored(inserted[0]);
    // A repeat. The first copy may have been committed by a concurrent request after this
    // statement's snapshot was taken (ON CONFLICT waits for it, but the snapshot cannot see it),
    // so it is read in a statement of its own.
    const existing = await db.query<CallRow>(
      `select id, matched_session_id, lead_score from public.calls
        where site_id = $1::uuid and phone_number = $2 and call_time = $3::timestamptz
          and ${REPORTER} = coalesce($4::uuid::text, $5)`,
      [siteId, call.phoneNumber, to, sid, fingerprint],
    );
    if (existing[0]) return stored(existing[0]);
    // Deleted in between (an owner removing it): try storing it again.
    if (attempt >= ATTEMPTS) throw new Error('call-event: a repeated call vanished before it could be read');
  }
}

const stored = (row: CallRow): StoredCall => ({
  id: row.id,
  matchedSessionId: row.matched_session_id,
  leadScore: row.matched_session_id ? Number(row.lead_score) : null,
});
