/**
 * One group of /api/sync requests written in one transaction with three set-based, prepared
 * statements, whatever the number of requests, sessions and events:
 *   1. every touched session upserted (locks the rows, in key order, and returns what is stored);
 *   2. every event inserted (a repeated `(sid, i)` is ignored) and every touched session's facts
 *      read back (neutral counts and maxima; the categories come from the wire module);
 *   3. every touched session's score, attribution and counts updated.
 * The score and attribution rules stay in rules/scoring.ts and rules/attribution.ts, run here
 * between statements 2 and 3.
 */
import { CATEGORY } from '../wire.js';
import { attribute, CLICK_ID_KEYS, type ClickIds } from '../rules/attribution.js';
import { leadScore, SCROLL_DEPTH_ACTION } from '../rules/scoring.js';
import type { Queryable } from './db/types.js';
import { planEvents, sessionKeyOf, type Plan } from './ingest-plan.js';

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
// The conflict target is the sessions key; the WHERE keeps another site's row untouched (and
// unreturned: that request is refused). KEY SHAPE: docs/server.md, "Write path".
const UPSERT_SESSIONS = `
insert into public.sessions as s
  (id, created_month, site_id, fingerprint, gclid, gbraid, wbraid, referrer, landing_url, utm, user_agent)
select x.id, x.m, x.site, x.fp, x.gclid, x.gbraid, x.wbraid, x.r, x.u, x.utm, x.ua
  from jsonb_to_recordset($1::text::jsonb) as x(id uuid, m date, site uuid, fp text, gclid text, gbraid text,
                                               wbraid text, r text, u text, utm jsonb, ua text)
 order by x.id, x.m
on conflict (id, created_month) do update set
  fingerprint = coalesce(s.fingerprint, excluded.fingerprint),
  gclid = coalesce(s.gclid, excluded.gclid),
  gbraid = coalesce(s.gbraid, excluded.gbraid),
  wbraid = coalesce(s.wbraid, excluded.wbraid),
  referrer = coalesce(s.referrer, excluded.referrer),
  landing_url = coalesce(s.landing_url, excluded.landing_url),
  utm = coalesce(s.utm, excluded.utm),
  user_agent = coalesce(s.user_agent, excluded.user_agent)
where s.site_id = excluded.site_id
returning id::text as id, created_month::text as m, site_id::text as site_id, attribution, fingerprint,
          gclid, gbraid, wbraid, referrer, created_at`;

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
    from touched t join public.events e on e.session_id = t.id and e.session_month = t.m and e.site_id = t.site),
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
          where p.site_id = t.site and p.fingerprint = t.fp
            and (p.gclid is not null or p.gbraid is not null or p.wbraid is not null)
            and p.created_at < t.created_at
            and not (p.id = t.id and p.created_month = t.m)) else false end as earlier
  from touched t
  left join facts f on f.session_id = t.id and f.session_month = t.m
  left join added a on a.session_id = t.id and a.session_month = t.m`;

// `s.id = any($2)` lets the planner find the rows by key: joined to the recordset alone (estimated
// at 100 rows whatever it holds) it read the whole month's partition for every group.
const UPDATE_SCORES = `
update public.sessions s
   set lead_score = x.score, attribution = x.attribution, event_count = x.n,
       first_event_at = x.first_at, last_event_at = x.last_at, updated_at = now()
  from jsonb_to_recordset($1::text::jsonb) as x(id uuid, m date, site uuid, score smallint, attribution text,
                                               n integer, first_at timestamptz, last_at timestamptz)
 where s.id = any($2::text::uuid[]) and s.id = x.id and s.created_month = x.m and s.site_id = x.site`;

const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

/**
 * Writes the planned group in `tx`. Throws RefusedRequests (before anything of theirs is final)
 * when the stored rows show a request's session under another site: the caller rolls back and
 * writes the group again without them.
 */
export async function writeGroup(tx: Queryable, plan: Plan): Promise<Map<number, RequestOutcome>> {
  const prepare = { prepare: true };
  const stored = await tx.query<StoredSession>(
    UPSERT_SESSIONS,
    [
      JSON.stringify(
        plan.sessions.map((s) => ({
          id: s.id, m: s.month, site: s.siteId, fp: s.fingerprint, gclid: s.gclid, gbraid: s.gbraid, wbraid: s.wbraid,
          r: s.referrer, u: s.landingUrl, utm: s.utm, ua: s.userAgent,
        })),
      ),
    ],
    prepare,
  );
  // A row comes back only where the stored session is this site's (KEY SHAPE: the site is compared here).
  const rows = new Map(stored.map((row) => [sessionKeyOf(row.id, row.m), row]));
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
  const planned = new Map(plan.sessions.map((s) => [s.key, s]));
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
    return { id: f.id, m: f.m, site: row.site_id, score, attribution, n: Number(f.n), first_at: iso(f.first_at), last_at: iso(f.last_at) };
  });
  // The commit travels with this statement (one round trip for both).
  await tx.query(UPDATE_SCORES, [JSON.stringify(updates), `{${updates.map((u) => u.id).join(',')}}`], { prepare: true, last: true });

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
