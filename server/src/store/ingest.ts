/**
 * The /api/sync write path. One transaction per request: for each session in the body, upsert the
 * session, insert its events in one statement (a repeated `(sid, i)` is ignored), recompute its
 * lead score and attribution from everything stored, and commit; all or nothing.
 */
import { CLIENT_TIME_WINDOW_MS, MAX_FINGERPRINT, MAX_REFERRER, type WireEvent } from '../wire.js';
import type { Db, Queryable } from './db/types.js';
import {
  attribute,
  clickIdsOf,
  earlierClickIdsOf,
  hasClickId,
  CLICK_ID_KEYS,
  type Attribution,
  type ClickIds,
} from '../rules/attribution.js';
import { leadScore } from '../rules/scoring.js';
import { monthStart } from '../rules/months.js';
import { CHECK_VIOLATION, RETRYABLE, isForeignSession, sqlState } from './dberrors.js';

export interface IngestInput {
  events: WireEvent[];
  /** Site uuid for each public id in the body (already checked by the handler). */
  siteIds: ReadonlyMap<string, string>;
  now: number;
  userAgent: string | null;
  /** A click id the browser carried in the first-party cookie, if any. */
  cookieClickIds: ClickIds;
}

export interface IngestResult {
  /** Lead score of the last session in the body, after the write. */
  score: number;
  /** Events stored by this request (a repeated `(sid, i)` is not stored again). */
  accepted: number;
  /** Click ids that arrived on a session's own URLs, for the first-party cookie. */
  clickIds: ClickIds;
}

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
const MAX_UA = 512;

interface SessionGroup {
  key: string;
  siteId: string;
  sid: string;
  month: string;
  events: WireEvent[];
}

/** Events by session, in the order each session first appears; a repeated `i` within a session kept once. */
/** The session an event belongs to: site, session id (any case) and month. */
const sessionKey = (e: WireEvent) => `${e.s}\u0000${e.sid.toLowerCase()}\u0000${e.sm}`;

function groupBySession(events: WireEvent[], siteIds: ReadonlyMap<string, string>): SessionGroup[] {
  const groups = new Map<string, SessionGroup & { ids: Set<string> }>();
  for (const e of events) {
    const key = sessionKey(e);
    let g = groups.get(key);
    if (!g) {
      g = { key, siteId: siteIds.get(e.s)!, sid: e.sid.toLowerCase(), month: e.sm, events: [], ids: new Set() };
      groups.set(key, g);
    }
    if (e.i !== undefined) {
      if (g.ids.has(e.i)) continue;
      g.ids.add(e.i);
    }
    g.events.push(e);
  }
  return [...groups.values()];
}

const str = (v: unknown, max: number): string | undefined =>
  typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;

/** Clamps a client time to [now - 7 days, now]; no time means now. */
function clampEventTime(t: number | undefined, now: number): number {
  if (t === undefined) return now;
  return Math.min(now, Math.max(now - CLIENT_TIME_WINDOW_MS, t));
}

interface SessionRow {
  attribution: Attribution;
  fingerprint: string | null;
  gclid: string | null;
  gbraid: string | null;
  wbraid: string | null;
  referrer: string | null;
  created_at: string | Date;
}

interface SignalRow {
  n: number | string;
  conversion: boolean | null;
  interaction: boolean | null;
  hover: boolean | null;
  max_scroll: number | string | null;
  first_at: string | Date | null;
  last_at: string | Date | null;
}

async function writeSession(tx: Queryable, g: SessionGroup, input: IngestInput): Promise<{ score: number; accepted: number; own: ClickIds }> {
  const first = g.events[0]!;
  const own: ClickIds = {};
  const earlier: ClickIds = { ...input.cookieClickIds };
  let fingerprint: string | undefined;
  let referrer: string | undefined;
  let utm: Record<string, string> | undefined;
  for (const e of g.events) {
    for (const [k, v] of Object.entries(clickIdsOf(e.u, e.meta))) own[k as keyof ClickIds] ??= v;
    for (const [k, v] of Object.entries(earlierClickIdsOf(e.meta))) earlier[k as keyof ClickIds] ??= v;
    fingerprint ??= str(e.meta?.fp, MAX_FINGERPRINT);
    referrer ??= str(e.r, MAX_REFERRER);
    if (!utm && e.meta) {
      const found = UTM_KEYS.filter((k) => str(e.meta![k], 512)).map((k) => [k, e.meta![k] as string] as const);
      if (found.length) utm = Object.fromEntries(found);
    }
  }

  // DO UPDATE (not DO NOTHING) so the row is locked and returned even when it exists: concurrent
  // first requests of one session then queue here instead of racing. It changes nothing that
  // already has a value, so an unchanged row sends no change notification.
  const sessions = await tx.query<SessionRow>(
    `insert into public.sessions as s
       (id, created_month, site_id, fingerprint, gclid, gbraid, wbraid, referrer, landing_url, utm, user_agent)
     values ($1::uuid, $2::date, $3::uuid, $4, $5, $6, $7, $8, $9, $10::text::jsonb, $11)
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
     returning attribution, fingerprint, gclid, gbraid, wbraid, referrer, created_at`,
    [
      g.sid,
      monthStart(g.month),
      g.siteId,
      fingerprint ?? null,
      own.gclid ?? null,
      own.gbraid ?? null,
      own.wbraid ?? null,
      referrer ?? null,
      first.u,
      utm ? JSON.stringify(utm) : null,
      input.userAgent ? input.userAgent.slice(0, MAX_UA) : null,
    ],
  );
  // The session id exists under another site in this month (the trigger sessions_one_site refuses
  // it in the others, and usually here too): never mix two sites' rows.
  const session = sessions[0];
  if (!session) throw new SessionConflictError();

  const ownClickId = CLICK_ID_KEYS.some((k) => session[k] !== null);
  // The browser's memory of an earlier click, copied onto the events so that a later conversion
  // upload finds the click id even when the tracker's own storage was cleared.
  const carried = ownClickId ? undefined : CLICK_ID_KEYS.find((k) => earlier[k] !== undefined);
  const rows = g.events.map((e) => {
    let meta = e.meta ?? {};
    if (carried && meta[`prev_${carried}`] === undefined) meta = { ...meta, [`prev_${carried}`]: earlier[carried] };
    return {
      i: e.i ?? null,
      ec: e.ec,
      ea: e.ea,
      el: e.el ?? null,
      ev: e.ev ?? null,
      u: e.u,
      r: e.r ?? null,
      meta,
      t: new Date(clampEventTime(e.t, input.now)).toISOString(),
    };
  });
  // Earlier sessions only matter when this one has no click id of its own and is not already
  // known as assisted (which cannot be undone: earlier sessions stay earlier).
  const knownEarlier = hasClickId(earlier) || session.attribution === 'ads_assisted';
  const lookEarlier = !ownClickId && !knownEarlier && session.fingerprint !== null;
  // One statement inserts the batch and reads back everything the score needs. The rows travel as
  // one JSON parameter, so the statement text stays the same whatever the batch size, and as text
  // (`::text::jsonb`) because the two drivers serialise a jsonb parameter differently. `stored`
  // sees the table as it was before this statement (the session row lock above was taken first,
  // so every earlier writer of this session has committed) and `ins` adds what this one wrote.
  const [signals] = await tx.query<SignalRow & { inserted: number | string; earlier: boolean }>(
    `with ins as (
       insert into public.events
         (session_id, session_month, site_id, client_event_id, event_category, event_action, event_label,
          event_value, url, referrer, metadata, created_at)
       select $1::uuid, $2::date, $3::uuid, x.i, x.ec, x.ea, x.el, x.ev, x.u, x.r, coalesce(x.meta, '{}'::jsonb), x.t
         from jsonb_to_recordset($4::text::jsonb) as x(i text, ec text, ea text, el text, ev double precision,
                                                      u text, r text, meta jsonb, t timestamptz)
       on conflict (session_id, session_month, client_event_id) do nothing
       returning event_category, event_action, event_value, created_at),
     stored as (
       select event_category, event_action, event_value, created_at from public.events
        where session_id = $1::uuid and session_month = $2::date and site_id = $3::uuid),
     every as (select * from ins union all select * from stored)
     select (select count(*) from ins) as inserted,
            count(*) as n,
            bool_or(event_category = 'conversion') as conversion,
            bool_or(event_category = 'interaction') as interaction,
            bool_or(event_category = 'hover_intent') as hover,
            max(event_value) filter (where event_category = 'scroll' and event_action = 'depth') as max_scroll,
            min(created_at) as first_at, max(created_at) as last_at,
            case when $5::boolean then exists (
              select 1 from public.sessions p
               where p.site_id = $3::uuid and p.fingerprint = $6
                 and (p.gclid is not null or p.gbraid is not null or p.wbraid is not null)
                 and p.created_at < $7::timestamptz
                 and not (p.id = $1::uuid and p.created_month = $2::date)) else false end as earlier
       from every`,
    [
      g.sid,
      monthStart(g.month),
      g.siteId,
      JSON.stringify(rows),
      lookEarlier,
      session.fingerprint,
      new Date(session.created_at).toISOString(),
    ],
  );
  const earlierClickId = knownEarlier || signals?.earlier === true;
  const attribution = attribute({ ownClickId, earlierClickId });
  const score = leadScore({
    conversion: signals?.conversion === true,
    interaction: signals?.interaction === true,
    hoverIntent: signals?.hover === true,
    maxScrollDepth: Number(signals?.max_scroll ?? 0),
    referrer: session.referrer,
    attribution,
  });
  await tx.query(
    `update public.sessions
        set lead_score = $3, attribution = $4, event_count = $5,
            first_event_at = $6::timestamptz, last_event_at = $7::timestamptz, updated_at = now()
      where id = $1::uuid and created_month = $2::date`,
    [
      g.sid,
      monthStart(g.month),
      score,
      attribution,
      Number(signals?.n ?? 0),
      signals?.first_at ? new Date(signals.first_at).toISOString() : null,
      signals?.last_at ? new Date(signals.last_at).toISOString() : null,
    ],
  );
  return { score, accepted: Number(signals?.inserted ?? 0), own };
}

/** A session id the body may not use. The message says no more than that: not why, nor whose. */
export class SessionConflictError extends Error {
  constructor() {
    super('A session id in the body cannot be used; start a new session.');
  }
}

/**
 * Writes a validated /api/sync body. Sessions are written in a fixed order (by id) so that two
 * requests touching the same sessions cannot deadlock; the score reported is the body's last one.
 */
export async function ingest(db: Db, input: IngestInput): Promise<IngestResult> {
  const groups = groupBySession(input.events, input.siteIds);
  const lastKey = sessionKey(input.events[input.events.length - 1]!);
  const ordered = [...groups].sort((a, b) => (a.sid + a.month < b.sid + b.month ? -1 : 1));

  const run = () =>
    db.transaction(async (tx) => {
      let score = 0;
      let accepted = 0;
      const clickIds: ClickIds = {};
      for (const g of ordered) {
        const r = await writeSession(tx, g, input);
        accepted += r.accepted;
        if (g.key === lastKey) score = r.score;
        for (const [k, v] of Object.entries(r.own)) clickIds[k as keyof ClickIds] ??= v;
      }
      return { score, accepted, clickIds };
    });

  let partitionsMade = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (isForeignSession(err)) throw new SessionConflictError();
      const code = sqlState(err);
      // No partition for the month yet: PostgreSQL cannot create one inside the failing statement,
      // so make it in a statement of its own and try once more.
      if (code === CHECK_VIOLATION && !partitionsMade) {
        partitionsMade = true;
        for (const month of new Set(groups.map((g) => g.month))) {
          await db.query('select public.ensure_month_partitions($1::date)', [monthStart(month)]);
        }
        continue;
      }
      if (code && RETRYABLE.has(code) && attempt < 3) continue;
      throw err;
    }
  }
}
