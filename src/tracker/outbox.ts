import { MAX_BATCH, monthOf, type WireEvent } from '../wire.js';
import { bytes } from './lib/bytes.js';
import { keys, load, remove, save } from './storage.js';

/**
 * The persistent outbox: every event is written here first and leaves only once the server took it
 * (or refused it for good). One localStorage key per event, so tabs never overwrite each other's
 * events (a shared array would lose one tab's additions whenever two tabs write it at once: each
 * browser process sees other tabs' writes a moment late). The value is [claimed until (epoch ms),
 * event]: a tab claims an entry for a lease before sending it, and other tabs skip claimed entries
 * until the lease runs out. Two tabs can still both claim an entry in the moment before one sees the
 * other's claim; the server's (sid, i) check stores such an event once.
 */
export type Entry = [until: number, event: WireEvent];

// Specific enough that a host page's own keys ('om_email') are never taken for entries.
export const PREFIX = 'om:e:';
/** How long a claim holds; entries of a tab that died mid-send are sent again after this. */
export const LEASE_MS = 30_000;
/**
 * Most bytes in one request body: well under the 64 KiB that every beacon and keepalive request of
 * a page share in Chrome and Safari (other scripts on the page use that budget too).
 */
export const BODY_BUDGET = 48 * 1024;

const key = (e: WireEvent) => PREFIX + e.i;


/**
 * Appends an event and returns the outbox length. When full, the oldest go first, counted in the new
 * event's `meta.dropped`.
 */
export const add = (e: WireEvent, max: number): number => {
  const all = keys(PREFIX);
  // push: the new event's key counts, and being the newest it is never among the dropped.
  const dropped = all.push(key(e)) - max;
  if (dropped > 0) {
    all.splice(0, dropped).forEach(remove);
    e.meta = { ...e.meta, dropped };
  }
  save(key(e), [0, e]);
  return all.length;
};

/**
 * Claims unclaimed entries, oldest first: at most MAX_BATCH events and BODY_BUDGET bytes. Skips
 * values that are not [number, event] (nothing of ours), and removes events of a session month older
 * than the previous UTC month: the server refuses them, and the whole batch with them.
 */
export const claim = (now: number): WireEvent[] => {
  let size = 2;
  // Day 0 of this month is the last day of the previous one.
  const oldest = monthOf(new Date(now).setUTCDate(0));
  // Oldest first: event ids start with their time. (An entry another tab just removed loads as 0.)
  return keys(PREFIX)
    .map(load<Entry>)
    .filter(
      (x) =>
        (x?.[0] as number) < now &&
        x![1]?.sm &&
        (x![1].sm < oldest ? remove(key(x![1])) : (size += bytes(x![1]) + 1) <= BODY_BUDGET),
    )
    .slice(0, MAX_BATCH)
    .map((x) => (save(key(x![1]), [now + LEASE_MS, x![1]]), x![1]));
};

/** Removes sent (or refused) events; with `retry`, releases their claim instead. */
export const settle = (list: WireEvent[], retry?: unknown): void =>
  list.forEach((e) => (retry ? save(key(e), [0, e]) : remove(key(e))));
