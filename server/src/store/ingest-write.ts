/**
 * One group of /api/sync requests written in one transaction with three set-based statements,
 * whatever the number of requests, sessions and events:
 *   1. every touched session locked in key order, the new ones inserted, and what is stored
 *      returned (prepared);
 *   2. every event inserted (a repeated `(sid, i)` is ignored) and every touched session's facts
 *      read back (neutral counts and maxima; the categories come from the wire module);
 *   3. every touched session's score, attribution, counts and missing fields updated;
 *   4. only when a request carries a phone call (a phone_click event): the calls recorded.
 * The score and attribution rules stay in rules/scoring.ts and rules/attribution.ts, run here
 * between statements 2 and 3.
 */
import { CATEGORY, PHONE_CLICK } from '../wire.js';
import { attribute, CLICK_ID_KEYS, type ClickIds } from '../rules/attribution.js';
import { leadScore, SCROLL_DEPTH_ACTION } from '../rules/scoring.js';
import { SAME_CALL_AFTER_MS, SAME_CALL_BEFORE_MS } from '../rules/phone.js';
import type { Queryable } from './db/types.js';
import { planCalls, planEvents, sessionKeyOf, type Plan, type PlannedSession } from './ingest-plan.js';

/** What one request gets back once its group has committed. */
export interface RequestOutcome {
  score: number;
  accepted: number;
  clickIds: ClickIds;
}

/** Requests whose stored session belongs to another site: the group is written again without them. */
export class RefusedRequests extends Error {
  constructor(readonly indices: ReadonlySet<number>) {
    super('refused requests in group');
  }
}

interface StoredSession {
  id: string;
  m: string;
  site_id: string;
  attribution: string;
  fingerprint: string | null;
  gclid: string | null;
  gbraid: string | null;
  wbraid: string | null;
  referrer: string | null;
  created_at: string | Date;
}

interface SessionFacts {
  id: string;
  m: string;
  n: number | string;
  conversion: boolean | null;
  interaction: boolean | null;
  hover: boolean | null;
  max_scroll: number | string | null;
  first_at: string | Date | null;
  last_at: string | Date | null;
  earlier: boolean;
  inserted: string[] | null;
}

// Rows travel as one JSON text parameter per statement (`::text::jsonb`: the two drivers serialise
// a jsonb parameter differently), so each statement's text is fixed and stays prepared.
//
// Statement 1 locks the sessions that exist (in key order) and inserts only the new ones: an
// existing session gets no new row version here, so neither its row triggers nor the change
// stream's UPDATE trigger run for it; its fields are merged once, in the score update. `locked`
// reads this statement's snapshot and FOR UPDATE returns the newest version of each row it waits
// for. A session another group inserted after that snapshot is neither locked nor inserted (the
// insert waits for it and does nothing): LOCK_SESSIONS reads it again in a statement of its own.
// Only this site's rows are locked, and another site's row is never returned: that request is
// refused. Each session is looked up in a lateral subquery (OFFSET 0 keeps it one): a key lookup
// whatever the partition's size when the plan was made (see below). KEY SHAPE: docs/server.md,
// "Write path".
const STORED_COLUMNS = `id::text as id, created_month::text as m, site_id::text as site_id, attribution, fingerprint,
          gclid, gbraid, wbraid, referrer, created_at`;
const LOCK_OR_INSERT_SESSIONS = `
with x as (
  select * from jsonb_to_recordset($1::text::jsonb) as x(id uuid, m date, site uuid, fp text, gclid text, gbraid text,
                                                        wbraid text, r text, u text, utm jsonb, ua text)),
locked as (
  select s.*
    from (select x.id, x.m, x.site from x order by x.id, x.m) k
   cross join lateral (
     select s.id, s.created_month, s.site_id, s.attribution, s.fingerprint, s.gclid, s.gbraid, s.wbraid, s.referrer,
            s.created_at
       from public.sessions s
      where s.id = k.id and s.created_month = k.m and (s.site_id = k.site) is true
     offset 0
        for update) s),
ins as (
  insert into public.sessions as s
    (id, created_month, site_id, fingerprint, gclid, gbraid, wbraid, referrer, landing_url, utm, user_agent)
  select x.id, x.m, x.site, x.fp, x.gclid, x.gbraid, x.wbraid, x.r, x.u, x.utm, x.ua from x
   where not exists (select 1 from locked l where l.id = x.id and l.created_month = x.m)
   order by x.id, x.m
  on conflict (id, created_month) do nothing
  returning id, created_month, site_id, attribution, fingerprint, gclid, gbraid, wbraid, referrer, created_at)
select ${STORED_COLUMNS} from locked
union all
select ${STORED_COLUMNS} from ins`;

/** The sessions statement 1 could not see: locked in a statement of their own (a new snapshot). */
const LOCK_SESSIONS = `
select ${STORED_COLUMNS}
  from public.sessions
 where id = any((select $2::text::uuid[])::uuid[]) and (id, created_month, site_id) in (
   select x.id, x.m, x.site from jsonb_to_recordset($1::text::jsonb) as x(id uuid, m date, site uuid))
 order by id, created_month
   for update`;

/**
 * For the group's transaction only: plans made in it (the statements' prepared plans, on their
 * first runs) find rows by key even on an empty partition, where a sequential scan costs no more.
 */
const KEYS_ONLY = 'set local enable_seqscan = off';

// Plans and partition sizes: a plan made while a month's partition is new and small reads it whole
// (a hash join over a sequential scan, or an index on the site alone, as cheap as any on an empty
// table), and a prepared plan keeps doing so as the partition grows: PostgreSQL's CPU per request
// grew with the table (docs/server.md, "Plans by key"). So the stored events are read per
// session in a lateral subquery, the site conditions are written `(...) is true` (no index can
// serve them, which leaves the session's indexes and the paid-fingerprint index of 017), and the
// group's transaction plans without sequential scans (KEYS_ONLY). All statements stay prepared:
// planning statements 2 and 3 at each run cost more than all else PostgreSQL did for a small group.
// `stored` sees the table as it was before this statement (every earlier writer of these sessions
// has committed: statement 1 holds their row locks) and `ins` adds what this one wrote.
const INSERT_EVENTS_READ_FACTS = `
with ins as (
  insert into public.events
    (session_id, session_month, site_id, client_event_id, event_category, event_action, event_label,
     event_value, url, referrer, metadata, created_at)
  select x.id, x.m, x.site, x.i, x.ec, x.ea, x.el, x.ev, x.u, x.r, coalesce(x.meta, '{}'::jsonb), x.t
    from jsonb_to_recordset($1::text::jsonb) as x(id uuid, m date, site uuid, i text, ec text, ea text, el text,
                                                 ev double precision, u text, r text, meta jsonb, t timestamptz)
  on conflict (session_id, session_month, client_event_id) do nothing
  returning session_id, session_month, site_id, client_event_id, event_category, event_action, event_value, created_at),
touched as (
  select * from jsonb_to_recordset($2::text::jsonb) as t(id uuid, m date, site uuid, fp text, look boolean,
                                                        created_at timestamptz)),
every as (
  select session_id, session_month, event_category, event_action, event_value, created_at from ins
  union all
  select e.session_id, e.session_month, e.event_category, e.event_action, e.event_value, e.created_at
    from touched t cross join lateral (
      select e.session_id, e.session_month, e.event_category, e.event_action, e.event_value, e.created_at
        from public.events e
       where e.session_id = t.id and e.session_month = t.m and (e.site_id = t.site) is true
      offset 0) e),
facts as (
  select session_id, session_month, count(*) as n,
         bool_or(event_category = $3) as conversion,
         bool_or(event_category = $4) as interaction,
         bool_or(event_category = $5) as hover,
         max(event_value) filter (where event_category = $6 and event_action = $7) as max_scroll,
         min(created_at) as first_at, max(created_at) as last_at
    from every group by session_id, session_month),
added as (
  select session_id, session_month,
         array_agg(client_event_id) filter (where client_event_id is not null) as inserted
    from ins group by session_id, session_month)
select t.id::text as id, t.m::text as m, coalesce(f.n, 0) as n, f.conversion, f.interaction, f.hover, f.max_scroll,
       f.first_at, f.last_at, a.inserted,
       case when t.look then exists (
         select 1 from public.sessions p
          where p.fingerprint = t.fp and (p.site_id = t.site) is true
            and (p.gclid is not null or p.gbraid is not null or p.wbraid is not null)
            and (p.created_at < t.created_at) is true
            and not (p.id = t.id and p.created_month = t.m)) else false end as earlier
  from touched t
  left join facts f on f.session_id = t.id and f.session_month = t.m
  left join added a on a.session_id = t.id and a.session_month = t.m`;

// `s.id = any($2)` lets the planner find the rows by key: joined to the recordset alone (estimated
// at 100 rows whatever it holds) it read the whole month's partition for every group. The array is
// a subquery, parsed once per statement (a cast of the parameter in a scan's filter is parsed for
// every row). A stored field keeps its value; a missing one takes the group's (a fingerprint after
// consent, say).
const UPDATE_SCORES = `
update public.sessions s
   set lead_score = x.score, attribution = x.attribution, event_count = x.n,
       first_event_at = x.first_at, last_event_at = x.last_at, updated_at = now(),
       fingerprint = coalesce(s.fingerprint, x.fp), gclid = coalesce(s.gclid, x.gclid),
       gbraid = coalesce(s.gbraid, x.gbraid), wbraid = coalesce(s.wbraid, x.wbraid),
       referrer = coalesce(s.referrer, x.r), landing_url = coalesce(s.landing_url, x.u),
       utm = coalesce(s.utm, x.utm), user_agent = coalesce(s.user_agent, x.ua)
  from jsonb_to_recordset($1::text::jsonb) as x(id uuid, m date, site uuid, score smallint, attribution text,
                                               n integer, first_at timestamptz, last_at timestamptz, fp text,
                                               gclid text, gbraid text, wbraid text, r text, u text, utm jsonb,
                                               ua text)
 where s.id = any((select $2::text::uuid[])::uuid[]) and s.id = x.id and s.created_month = x.m and s.site_id = x.site`;

// Statement 4, only in a group with a phone call: one call per phone_click event (IngestInput.calls),
// matched to the event's own session (this site's: the site is compared), with the score statement
// 3 has just written and the session's fingerprint. Its call_time is the stored event's created_at
// (found by its client id: a retried batch's repeated event gives the first write's time), so the
// calls_once_key index (sql/011) makes a repeat a no-op; the ON CONFLICT target repeats its
// expression exactly, as recordCall's does (store/calls.ts). `x.t` is the time of an event without
// a client id (always stored anew, at that time).
// A call an older tracker posted itself within the window recordCall uses (rules/phone.ts), and
// not recorded from an event (no phone_click of the session at its call_time), is this call: none
// is added. It comes first in queue mode, where the batch is answered before a worker writes it.
// Plans: every lookup is per row (lateral, or a subquery that stays one: OFFSET 0), by the
// session's key or by site, number and time; the event's category and action are compared outside
// those subqueries, so that no plan reads the site's conversions through 014's partial index.
// Concurrent groups cannot insert one call in opposite orders: statement 1 holds its session's lock.
const RECORD_CALLS = `
insert into public.calls
  (site_id, phone_number, matched_session_id, matched_session_month, matched_fingerprint, reported_session_id,
   lead_score, status, source, call_time)
select x.site, x.p, s.id, s.created_month, s.fingerprint, s.id, s.lead_score, 'matched', 'tracker', a.at
  from jsonb_to_recordset($1::text::jsonb) as x(id uuid, m date, site uuid, i text, p text, t timestamptz)
 cross join lateral (
   select s.id, s.created_month, s.fingerprint, s.lead_score
     from public.sessions s
    where s.id = x.id and s.created_month = x.m and (s.site_id = x.site) is true
   offset 0) s
  left join lateral (
   select e.created_at, e.event_category, e.event_action
     from public.events e
    where e.session_id = x.id and e.session_month = x.m and e.client_event_id = x.i and (e.site_id = x.site) is true
   offset 0) e on true
 cross join lateral (select coalesce(e.created_at, x.t) as at) a
 where a.at is not null and (x.i is null or (e.event_category = $2 and e.event_action = $3) is true)
   and not exists (
     select 1
       from (select c.call_time
               from public.calls c
              where c.site_id = x.site and c.phone_number = x.p
                and c.call_time >= a.at - interval '${SAME_CALL_AFTER_MS} milliseconds'
                and c.call_time <= a.at + interval '${SAME_CALL_BEFORE_MS} milliseconds'
                and c.reported_session_id = x.id
             offset 0) c
      where not exists (
        select 1
          from (select d.event_category, d.event_action
                  from public.events d
                 where d.session_id = x.id and d.session_month = x.m and d.created_at = c.call_time
                   and (d.site_id = x.site) is true
                offset 0) d
         where d.event_category = $2 and d.event_action = $3))
on conflict (site_id, phone_number, call_time, (coalesce(reported_session_id::text, matched_fingerprint))) do nothing`;

const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

/** A planned session's own fields, as statement 1 inserts them and the score update merges them. */
const ownFields = (s: PlannedSession) => ({
  fp: s.fingerprint, gclid: s.gclid, gbraid: s.gbraid, wbraid: s.wbraid, r: s.referrer, u: s.landingUrl, utm: s.utm, ua: s.userAgent,
});
/** The stored fields the rules read before the score update has merged the group's into them. */
const MERGED = ['fingerprint', 'gclid', 'gbraid', 'wbraid', 'referrer'] as const;

/**
 * Writes the planned group in `tx`. Throws RefusedRequests (before anything of theirs is final)
 * when the stored rows show a request's session under another site: the caller rolls back and
 * writes the group again without them.
 */
export async function writeGroup(tx: Queryable, plan: Plan): Promise<Map<number, RequestOutcome>> {
  const prepare = { prepare: true };
  const sessionRows = plan.sessions.map((s) => ({ id: s.id, m: s.month, site: s.siteId, ...ownFields(s) }));
  const ids = (sessions: readonly { id: string }[]) => `{${sessions.map((s) => s.id).join(',')}}`;
  // Sent together (one round trip): the setting is in place before statement 1 is planned.
  const [, stored] = await Promise.all([
    tx.query(KEYS_ONLY),
    tx.query<StoredSession>(LOCK_OR_INSERT_SESSIONS, [JSON.stringify(sessionRows)], prepare),
  ]);
  const rows = new Map(stored.map((row) => [sessionKeyOf(row.id, row.m), row]));
  const unseen = plan.sessions.filter((s) => !rows.has(s.key));
  if (unseen.length) {
    const late = await tx.query<StoredSession>(LOCK_SESSIONS, [JSON.stringify(unseen.map((s) => ({ id: s.id, m: s.month, site: s.siteId }))), ids(unseen)], prepare);
    for (const row of late) rows.set(sessionKeyOf(row.id, row.m), row);
  }
  // The session as the score update leaves it: stored fields first, the group's where none is stored.
  for (const s of plan.sessions) {
    const row = rows.get(s.key);
    if (row) for (const k of MERGED) row[k] ??= s[k];
  }
  // A row comes back only where the stored session is this site's (KEY SHAPE: the site is compared here).
  const refused = new Set(plan.refused);
  plan.requests.forEach((req, r) => {
    if (req.sessions.some((g) => rows.get(g.key)?.site_id !== req.input.siteIds.get(g.events[0]!.s))) refused.add(r);
  });
  const byStore = [...refused].filter((r) => !plan.refused.has(r));
  if (byStore.length) throw new RefusedRequests(new Set(byStore));

  const ownClickId = (key: string) => CLICK_ID_KEYS.some((k) => rows.get(key)![k] !== null);
  const { rows: events, owner } = planEvents(plan, refused, ownClickId, CLICK_ID_KEYS);
  // Earlier sessions only matter when this one has no click id of its own and is not already known
  // as assisted (which cannot be undone: earlier sessions stay earlier).
  const planned = plan.byKey;
  const knownEarlier = (key: string) => planned.get(key)!.earlierKnown || rows.get(key)!.attribution === 'ads_assisted';
  const touched = plan.sessions.map((s) => {
    const row = rows.get(s.key)!;
    return {
      id: s.id, m: s.month, site: s.siteId, fp: row.fingerprint,
      look: !ownClickId(s.key) && !knownEarlier(s.key) && row.fingerprint !== null,
      created_at: iso(row.created_at),
    };
  });
  const facts = await tx.query<SessionFacts>(
    INSERT_EVENTS_READ_FACTS,
    [JSON.stringify(events), JSON.stringify(touched), CATEGORY.conversion, CATEGORY.interaction, CATEGORY.hoverIntent,
      CATEGORY.scroll, SCROLL_DEPTH_ACTION],
    prepare,
  );

  const scores = new Map<string, number>();
  const insertedBy = new Map<number, number>();
  const updates = facts.map((f) => {
    const key = sessionKeyOf(f.id, f.m);
    const row = rows.get(key)!;
    const attribution = attribute({ ownClickId: ownClickId(key), earlierClickId: knownEarlier(key) || f.earlier === true });
    const score = leadScore({
      conversion: f.conversion === true,
      interaction: f.interaction === true,
      hoverIntent: f.hover === true,
      maxScrollDepth: Number(f.max_scroll ?? 0),
      referrer: row.referrer,
      attribution,
    });
    scores.set(key, score);
    for (const i of f.inserted ?? []) {
      const r = owner.get(`${key}\u0000${i}`);
      if (r !== undefined) insertedBy.set(r, (insertedBy.get(r) ?? 0) + 1);
    }
    return {
      id: f.id, m: f.m, site: row.site_id, score, attribution, n: Number(f.n), first_at: iso(f.first_at), last_at: iso(f.last_at),
      ...ownFields(planned.get(key)!),
    };
  });
  // The commit travels with the last statement (one round trip for both); statement 4, when there
  // is one, is sent with statement 3 without waiting for it (the server runs them in order).
  const calls = planCalls(plan, refused);
  const scored = JSON.stringify(updates);
  if (calls.length) {
    await Promise.all([
      tx.query(UPDATE_SCORES, [scored, ids(updates)], prepare),
      tx.query(RECORD_CALLS, [JSON.stringify(calls), CATEGORY.conversion, PHONE_CLICK], { ...prepare, last: true }),
    ]);
  } else {
    await tx.query(UPDATE_SCORES, [scored, ids(updates)], { ...prepare, last: true });
  }

  const outcomes = new Map<number, RequestOutcome>();
  plan.requests.forEach((req, r) => {
    if (refused.has(r)) return;
    const clickIds: ClickIds = {};
    // Events without a client id cannot repeat: every one of them was stored.
    let anonymous = 0;
    for (const g of req.sessions) {
      for (const [k, v] of Object.entries(g.own)) clickIds[k as keyof ClickIds] ??= v;
      anonymous += g.events.filter((e) => e.i === undefined).length;
    }
    outcomes.set(r, { score: scores.get(req.lastKey) ?? 0, accepted: (insertedBy.get(r) ?? 0) + anonymous, clickIds });
  });
  return outcomes;
}

/** The write path's statements, for the test that checks their plans on empty partitions. */
export const WRITE_STATEMENTS = { KEYS_ONLY, LOCK_OR_INSERT_SESSIONS, LOCK_SESSIONS, INSERT_EVENTS_READ_FACTS, UPDATE_SCORES, RECORD_CALLS };
