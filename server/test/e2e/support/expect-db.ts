/**
 * What the end-to-end tests read back from the database, and the lead score they expect,
 * worked out here from the contract's table (section 4) and what the test did in the browser:
 * never taken from the server's code.
 */
import type { Db } from '../../../src/store/db/types.js';

export interface Did {
  conversion: boolean;
  interaction: boolean;
  /** Deepest scroll milestone the test scrolled past, in percent. */
  scrolledTo: number;
  hoverIntent: boolean;
  googleReferrer: boolean;
  attribution: 'paid' | 'ads_assisted' | 'organic';
}

/** Contract section 4, as a site owner reads it. */
export function contractScore(d: Did): number {
  let score = 0;
  if (d.conversion) score += 50;
  if (d.interaction) score += 10;
  if (d.scrolledTo >= 50) score += 10;
  if (d.scrolledTo >= 90) score += 20;
  if (d.hoverIntent) score += 15;
  if (d.googleReferrer) score += 5;
  if (d.attribution === 'ads_assisted') score += 25;
  return Math.min(score, 100);
}

/** `sessions_YYYY_MM` / `events_YYYY_MM` of the current UTC month. */
export function currentPartition(parent: 'sessions' | 'events', now = new Date()): string {
  return `${parent}_${now.toISOString().slice(0, 7).replace('-', '_')}`;
}

export interface SessionRow {
  id: string;
  attribution: string;
  lead_score: number;
  gclid: string | null;
  fingerprint: string | null;
  landing_url: string | null;
  event_count: number;
}

export interface EventRow {
  session_id: string;
  client_event_id: string | null;
  event_category: string;
  event_action: string;
  event_label: string | null;
  event_value: number | null;
  url: string;
}

/**
 * Sessions matching a condition, read from this month's partition directly (as the issue asks), or
 * from the parent `sessions` with `anyMonth` (a visit whose clock runs ahead may start next month).
 */
export function sessionsWhere(db: Db, where: string, params: unknown[], anyMonth = false): Promise<SessionRow[]> {
  return db.query<SessionRow>(
    `select id::text, attribution, lead_score, gclid, fingerprint, landing_url, event_count
       from public.${anyMonth ? 'sessions' : currentPartition('sessions')} where ${where} order by created_at`,
    params,
  );
}

export function eventsOf(db: Db, sessionIds: string[], anyMonth = false): Promise<EventRow[]> {
  return db.query<EventRow>(
    `select session_id::text, client_event_id, event_category, event_action, event_label, event_value, url
       from public.${anyMonth ? 'events' : currentPartition('events')} where session_id::text = any(string_to_array($1, ','))
      order by created_at, received_at`,
    [sessionIds.join(',')],
  );
}

export interface CallRow {
  id: string;
  status: string;
  phone_number: string;
  matched_session_id: string | null;
  lead_score: number | null;
}

export function callsMatching(db: Db, sessionId: string): Promise<CallRow[]> {
  return db.query<CallRow>(
    `select id::text, status, phone_number, matched_session_id::text, lead_score from public.calls
      where matched_session_id = $1::uuid order by created_at`,
    [sessionId],
  );
}

/**
 * The tracker's own `session/fingerprint` event: sent at page hide when the fingerprint was learned
 * after the page's last event (it tells the session the fingerprint; it is not something the
 * visitor did). At most one per page load.
 */
export const isFingerprintNote = (e: EventRow): boolean => e.event_category === 'session' && e.event_action === 'fingerprint';

/** What the visitor did: every event but the tracker's fingerprint notes. */
export const visitorEvents = (events: EventRow[]): EventRow[] => events.filter((e) => !isFingerprintNote(e));

/** "category/action[/value]" of each event, sorted: a readable multiset to compare. */
export function summary(events: EventRow[]): string[] {
  return events
    .map((e) => [e.event_category, e.event_action, e.event_category === 'scroll' ? e.event_value : undefined].filter((x) => x !== undefined).join('/'))
    .sort();
}

/** Polls `read` until `done` holds, or fails after `timeoutMs` with the last value in the message. */
export async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 15_000, what = 'the database'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}; last seen: ${JSON.stringify(last).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}
