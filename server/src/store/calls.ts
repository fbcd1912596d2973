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
 *
 * The server records a tel: click itself, from the session's phone_click event (ingest-write.ts).
 * An older tracker posts the call as well, once its events were answered, so a call naming its
 * session is the call recorded from one of that session's phone_click events with the same number
 * and a time within [call_time - SAME_CALL_BEFORE_MS, call_time + SAME_CALL_AFTER_MS]
 * (rules/phone.ts): nothing is written and it gets that call's answer (the latest, when several).
 */
import { CALL_MATCH_WINDOW_MS, CALL_TIME_FUTURE_MS, CATEGORY, CLIENT_TIME_WINDOW_MS, PHONE_CLICK, type CallEventBody } from '../wire.js';
import type { Queryable } from './db/types.js';
import { HttpError } from '../http/http.js';
import { monthStart } from '../rules/months.js';
import { SAME_CALL_AFTER_MS, SAME_CALL_BEFORE_MS } from '../rules/phone.js';

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

/**
 * The calls of a site, number and named session with a time in [from, to] that were recorded from
 * one of that session's phone_click events (one stored at exactly their call_time): the calls a
 * tracker's own request for a tel: click is. Placeholders are passed in, as the two statements
 * number their parameters differently.
 */
const FROM_EVENT = (site: string, phone: string, sid: string, month: string, from: string, to: string, ec: string, ea: string) => `
  select c.* from public.calls c
   where c.site_id = ${site}::uuid and c.phone_number = ${phone} and c.reported_session_id = ${sid}::uuid
     and c.call_time >= ${from}::timestamptz and c.call_time <= ${to}::timestamptz
     and exists (select 1 from public.events e
                  where e.session_id = ${sid}::uuid and e.session_month = ${month}::date and e.created_at = c.call_time
                    and e.site_id = ${site}::uuid and e.event_category = ${ec} and e.event_action = ${ea})`;

export async function recordCall(db: Queryable, siteId: string, call: CallInput): Promise<StoredCall> {
  const from = new Date(call.callTime - CALL_MATCH_WINDOW_MS).toISOString();
  const to = new Date(call.callTime).toISOString();
  const sid = call.sid?.toLowerCase() ?? null;
  const month = call.sm ? monthStart(call.sm) : null;
  const fingerprint = call.fingerprint ?? null;
  // A named session decides alone (its key prunes to one partition); a fingerprint is only looked
  // at when no session is named.
  const which = sid ? 's.id = $7::uuid and s.created_month = $8::date' : 's.fingerprint = $2';
  // A call naming its session: the window and the phone_click event it may have been recorded from.
  const near = sid
    ? [new Date(call.callTime - SAME_CALL_BEFORE_MS).toISOString(), new Date(call.callTime + SAME_CALL_AFTER_MS).toISOString(), CATEGORY.conversion, PHONE_CLICK]
    : [];
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
        ${sid ? `where not exists (${FROM_EVENT('$1', '$5', '$7', '$8', '$9', '$10', '$11', '$12')})` : ''}
       on conflict (site_id, phone_number, call_time, (${REPORTER})) do nothing
       returning id, matched_session_id, lead_score`,
      [siteId, fingerprint, from, to, call.phoneNumber, call.source, sid, ...(sid ? [month, ...near] : [])],
    );
    if (inserted[0]) return stored(inserted[0]);
    // A repeat, or the call recorded from the event. The first copy may have been committed by a
    // concurrent request after this statement's snapshot was taken (ON CONFLICT waits for it, but
    // the snapshot cannot see it), so it is read in a statement of its own; a repeat first.
    const existing = await db.query<CallRow>(
      `select id, matched_session_id, lead_score from (
         select c.id, c.matched_session_id, c.lead_score, 0 as rank, c.call_time from public.calls c
          where c.site_id = $1::uuid and c.phone_number = $2 and c.call_time = $3::timestamptz
            and ${REPORTER} = coalesce($4::uuid::text, $5)
         ${sid ? `union all
         select c.id, c.matched_session_id, c.lead_score, 1, c.call_time from (${FROM_EVENT('$1', '$2', '$4', '$6', '$7', '$8', '$9', '$10')}) c` : ''}
       ) c order by rank, call_time desc limit 1`,
      [siteId, call.phoneNumber, to, sid, fingerprint, ...(sid ? [month, ...near] : [])],
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
