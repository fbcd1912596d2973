import { monthOf } from '../wire.js';
import { uuid } from './lib/random.js';
import { load, save } from './storage.js';

/** Stored session: id, month at start, last activity. Shared by every tab of the site. */
export interface Session {
  id: string;
  m: string;
  t: number;
}

export const SESSION_KEY = 'om_s';
/** 30 minutes without an event end a session. */
export const IDLE_MS = 30 * 60 * 1000;

/**
 * Last activity is stored to within this many ms: an event less than that after the stored time
 * writes nothing. A storage write is the dearest part of an event (bench/: about 0.1 ms in Chromium,
 * a third of a track()), and a few seconds off a 30-minute window change nothing that matters. A
 * session's events are then up to this much later than its stored activity, which the outbox's rule
 * for moving a losing session's events (outbox.ts claim) allows for.
 */
export const ACTIVITY_STEP_MS = 5000;

/** The current session, renewed when idle too long; `fresh` is true for its first event. */
export const touch = (now: number): [session: Session, fresh: boolean] => {
  let s = load<Session>(SESSION_KEY);
  // No session yet: NaN < IDLE_MS is false too.
  const fresh = !(now - s?.t! < IDLE_MS);
  // A renewed session has no `t` yet, so it is written (NaN < x is false). A stored time ahead of the
  // clock (the clock was put back) stays until the clock passes it: that session lasts as much longer.
  if (fresh) s = { id: uuid(), m: monthOf(now) } as Session;
  if (!(now - s!.t < ACTIVITY_STEP_MS)) save(SESSION_KEY, ((s!.t = now), s));
  return [s!, fresh];
};
