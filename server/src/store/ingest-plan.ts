/**
 * The rows a group of /api/sync requests writes, as plain data (no database): every touched session
 * once (its fields merged from the requests in arrival order), every event once per `(sid, i)`
 * (the first request to carry it owns it), and for each request the sessions it touched.
 * The set-based statements in ingest-write.ts take these rows as one JSON parameter each.
 */
import { CLIENT_TIME_WINDOW_MS, MAX_FINGERPRINT, MAX_REFERRER, type WireEvent } from '../wire.js';
import { clickIdsOf, earlierClickIdsOf, hasClickId, type ClickIds } from '../rules/attribution.js';
import { monthStart } from '../rules/months.js';
import type { IngestInput } from './ingest.js';

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
const MAX_UA = 512;

/** One session row of the upsert. Sessions are keyed by (id, month): see sessionKeyOf. */
export interface PlannedSession {
  key: string;
  id: string;
  /** First day of the month, 'YYYY-MM-01'. */
  month: string;
  siteId: string;
  fingerprint: string | null;
  gclid: string | null;
  gbraid: string | null;
  wbraid: string | null;
  referrer: string | null;
  landingUrl: string;
  utm: Record<string, string> | null;
  userAgent: string | null;
  /** A request touching it carried an earlier click id (cookie or event meta). */
  earlierKnown: boolean;
}

/** What one request contributes to one session. */
export interface RequestSession {
  key: string;
  events: WireEvent[];
  own: ClickIds;
  earlier: ClickIds;
}

export interface PlannedRequest {
  input: IngestInput;
  sessions: RequestSession[];
  /** Key of the session of the body's last event: its score is the answer. */
  lastKey: string;
}

/**
 * The key a session is upserted under. Today sessions are unique on (id, created_month); with the
 * site in the key (sessions unique on (id, created_month, site_id)) two sites' rows could share an
 * id and month, and this key would gain the site. KEY SHAPE: see docs/server.md, "Write path".
 */
export const sessionKeyOf = (sid: string, month: string) => `${sid.toLowerCase()}\u0000${month}`;

const str = (v: unknown, max: number): string | undefined =>
  typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;

/** Clamps a client time to [now - 7 days, now]; no time means now. */
export function clampEventTime(t: number | undefined, now: number): number {
  if (t === undefined) return now;
  return Math.min(now, Math.max(now - CLIENT_TIME_WINDOW_MS, t));
}

/** Click ids that arrived on the body's own URLs (first of each kind), for the first-party cookie. */
export function bodyClickIds(events: readonly WireEvent[]): ClickIds {
  const own: ClickIds = {};
  for (const e of events) for (const [k, v] of Object.entries(clickIdsOf(e.u, e.meta))) own[k as keyof ClickIds] ??= v;
  return own;
}

/** A request's events by session, in first-appearance order; a repeated `i` within a session kept once. */
function requestSessions(input: IngestInput): RequestSession[] {
  const groups = new Map<string, RequestSession & { ids: Set<string> }>();
  for (const e of input.events) {
    const key = sessionKeyOf(e.sid, monthStart(e.sm));
    let g = groups.get(key);
    if (!g) {
      g = { key, events: [], own: {}, earlier: { ...input.cookieClickIds }, ids: new Set() };
      groups.set(key, g);
    }
    if (e.i !== undefined) {
      if (g.ids.has(e.i)) continue;
      g.ids.add(e.i);
    }
    g.events.push(e);
    for (const [k, v] of Object.entries(clickIdsOf(e.u, e.meta))) g.own[k as keyof ClickIds] ??= v;
    for (const [k, v] of Object.entries(earlierClickIdsOf(e.meta))) g.earlier[k as keyof ClickIds] ??= v;
  }
  return [...groups.values()].map(({ ids: _ids, ...g }) => g);
}

function sessionFields(input: IngestInput, g: RequestSession): PlannedSession {
  const first = g.events[0]!;
  let fingerprint: string | undefined;
  let referrer: string | undefined;
  let utm: Record<string, string> | undefined;
  for (const e of g.events) {
    fingerprint ??= str(e.meta?.fp, MAX_FINGERPRINT);
    referrer ??= str(e.r, MAX_REFERRER);
    if (!utm && e.meta) {
      const found = UTM_KEYS.filter((k) => str(e.meta![k], 512)).map((k) => [k, e.meta![k] as string] as const);
      if (found.length) utm = Object.fromEntries(found);
    }
  }
  return {
    key: g.key,
    id: first.sid.toLowerCase(),
    month: monthStart(first.sm),
    siteId: input.siteIds.get(first.s)!,
    fingerprint: fingerprint ?? null,
    gclid: g.own.gclid ?? null,
    gbraid: g.own.gbraid ?? null,
    wbraid: g.own.wbraid ?? null,
    referrer: referrer ?? null,
    landingUrl: first.u,
    utm: utm ?? null,
    userAgent: input.userAgent ? input.userAgent.slice(0, MAX_UA) : null,
    earlierKnown: hasClickId(g.earlier),
  };
}

/** Earlier values win, as `coalesce(stored, new)` does in the upsert: arrival order is write order. */
function merge(into: PlannedSession, next: PlannedSession): void {
  into.fingerprint ??= next.fingerprint;
  into.gclid ??= next.gclid;
  into.gbraid ??= next.gbraid;
  into.wbraid ??= next.wbraid;
  into.referrer ??= next.referrer;
  into.utm ??= next.utm;
  into.userAgent ??= next.userAgent;
  into.earlierKnown ||= next.earlierKnown;
}

export interface Plan {
  /** Sorted by key, so that concurrent groups lock sessions in one order and cannot deadlock. */
  sessions: PlannedSession[];
  /** The same sessions by key. */
  byKey: ReadonlyMap<string, PlannedSession>;
  requests: PlannedRequest[];
  /** Requests refused before any SQL: a session id already claimed by another site in this group. */
  refused: Set<number>;
}

/** Plans a group of requests (already validated, months in window, sites resolved). */
export function planGroup(inputs: readonly IngestInput[]): Plan {
  const sessions = new Map<string, PlannedSession>();
  const requests: PlannedRequest[] = [];
  const refused = new Set<number>();
  inputs.forEach((input, r) => {
    const parts = requestSessions(input);
    const last = input.events[input.events.length - 1]!;
    requests.push({ input, sessions: parts, lastKey: sessionKeyOf(last.sid, monthStart(last.sm)) });
    const fields = parts.map((g) => sessionFields(input, g));
    if (fields.some((f) => sessions.has(f.key) && sessions.get(f.key)!.siteId !== f.siteId)) {
      refused.add(r);
      return;
    }
    for (const f of fields) {
      const known = sessions.get(f.key);
      if (known) merge(known, f);
      else sessions.set(f.key, f);
    }
  });
  return { sessions: [...sessions.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), byKey: sessions, requests, refused };
}

/** One event row of the insert. */
export interface PlannedEvent {
  id: string;
  m: string;
  site: string;
  i: string | null;
  ec: string;
  ea: string;
  el: string | null;
  ev: number | null;
  u: string;
  r: string | null;
  meta: Record<string, unknown>;
  t: string;
}

/**
 * The event rows of the accepted requests, each `(session, i)` once: the first request that carries
 * it owns it (`owner`), so a repeat inside the group is not counted twice in `accepted`.
 * `hasClickId(session)` says whether the stored session has a click id of its own: when it has
 * none, the browser's memory of an earlier click is copied onto the events (`prev_<key>` in meta),
 * so that a later conversion upload finds it even when the tracker's storage was cleared.
 */
export function planEvents(
  plan: Plan,
  skip: ReadonlySet<number>,
  sessionHasClickId: (key: string) => boolean,
  earlierKeys: readonly (keyof ClickIds)[],
): { rows: PlannedEvent[]; owner: Map<string, number> } {
  const rows: PlannedEvent[] = [];
  const owner = new Map<string, number>();
  const { byKey } = plan;
  plan.requests.forEach((req, r) => {
    if (skip.has(r)) return;
    for (const g of req.sessions) {
      const s = byKey.get(g.key)!;
      const carried = sessionHasClickId(g.key) ? undefined : earlierKeys.find((k) => g.earlier[k] !== undefined);
      for (const e of g.events) {
        if (e.i !== undefined) {
          const id = `${g.key}\u0000${e.i}`;
          if (owner.has(id)) continue;
          owner.set(id, r);
        }
        let meta = e.meta ?? {};
        if (carried && meta[`prev_${carried}`] === undefined) meta = { ...meta, [`prev_${carried}`]: g.earlier[carried] };
        rows.push({
          id: s.id,
          m: s.month,
          site: s.siteId,
          i: e.i ?? null,
          ec: e.ec,
          ea: e.ea,
          el: e.el ?? null,
          ev: e.ev ?? null,
          u: e.u,
          r: e.r ?? null,
          meta,
          t: new Date(clampEventTime(e.t, req.input.now)).toISOString(),
        });
      }
    }
  });
  return { rows, owner };
}

/** One row of the calls insert: a phone_click event of a session, and its number. */
export interface PlannedCall {
  id: string;
  m: string;
  site: string;
  /** The event's client id: the call takes the stored event's time (the first write's, on a repeat). */
  i: string | null;
  /** E.164. */
  p: string;
  /** The time the event row got, for an event without a client id (which is always stored anew); else null. */
  t: string | null;
}

/**
 * The calls of the accepted requests (IngestInput.calls), each `(session, i)` once. A repeated
 * event's call is planned too: the insert finds it stored (same call_time) and adds nothing, and a
 * retry after a commit whose answer was lost records the call that way if it was not.
 */
export function planCalls(plan: Plan, skip: ReadonlySet<number>): PlannedCall[] {
  const rows = new Map<string, PlannedCall>();
  const { byKey } = plan;
  plan.requests.forEach((req, r) => {
    if (skip.has(r)) return;
    for (const [n, p] of req.input.calls ?? []) {
      const e = req.input.events[n];
      if (!e) continue;
      const s = byKey.get(sessionKeyOf(e.sid, monthStart(e.sm)))!;
      const t = e.i === undefined ? new Date(clampEventTime(e.t, req.input.now)).toISOString() : null;
      const id = `${s.key}\u0000${e.i === undefined ? `~${t}\u0000${p}` : e.i}`;
      if (!rows.has(id)) rows.set(id, { id: s.id, m: s.month, site: s.siteId, i: e.i ?? null, p, t });
    }
  });
  return [...rows.values()];
}
