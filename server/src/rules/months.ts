/**
 * Session months (contract section 3): `YYYY-MM` strings, the window of months a client may use,
 * and the partition key (`date`, first day of the month).
 */
import { monthOf } from '../wire.js';

/** `YYYY-MM` of the month `delta` months away from the UTC month of `ms`. */
export function shiftMonth(ms: number, delta: number): string {
  const d = new Date(ms);
  return monthOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + delta, 1));
}

/** The months a client may name: [previous, current, next] of the server's clock. */
export function monthWindow(now: number): [string, string, string] {
  return [shiftMonth(now, -1), shiftMonth(now, 0), shiftMonth(now, 1)];
}

/** `2026-11` -> `2026-11-01`, the value of created_month / session_month. */
export function monthStart(month: string): string {
  return `${month}-01`;
}
