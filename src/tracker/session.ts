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

/** The current session, renewed when idle too long; `fresh` is true for its first event. */
export const touch = (now: number): [session: Session, fresh: boolean] => {
  let s = load<Session>(SESSION_KEY);
  // No session yet: NaN < IDLE_MS is false too.
  const fresh = !(now - s?.t! < IDLE_MS);
  // (`t` is set just below, for a renewed session as for a kept one.)
  if (fresh) s = { id: uuid(), m: monthOf(now) } as Session;
  s!.t = now;
  save(SESSION_KEY, s);
  return [s!, fresh];
};
