/**
 * A UUID v4 for the session id. `crypto.randomUUID` exists only in secure contexts; on a plain-http
 * page a blob URL supplies one instead (every browser names blob URLs with a random v4 UUID), at the
 * cost of one registry entry per session.
 */
export const uuid = (): string => crypto.randomUUID?.() || URL.createObjectURL(new Blob()).slice(-36);

let last = 0;
/**
 * A client event id `i`: base-36 of a number that grows with every event (ms x 1000, or one more
 * than the last one), so ids sort in the order a tab made them, then random characters, so tabs never
 * collide. Unique within a session, which is all the server's (sid, i) check needs.
 */
export const eventId = (now: number): string =>
  (last = Math.max(now * 1000, last + 1)).toString(36) + Math.random().toString(36).slice(2, 8);
