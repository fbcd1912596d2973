import { MAX_BATCH, monthOf, type WireEvent } from '../wire.js';
import { bytes } from './lib/bytes.js';
import { ACTIVITY_STEP_MS, IDLE_MS, SESSION_KEY, type Session } from './session.js';
import { keys, load, remove, save } from './storage.js';

/**
 * The persistent outbox: every event is written here first and leaves only once the
 * server took it (or refused it for good). One localStorage key per item, so tabs never overwrite
 * each other's (a shared array would lose one tab's additions whenever two tabs write it at once:
 * each browser process sees other tabs' writes a moment late). The value is [claimed until (epoch
 * ms), item]: a tab claims an entry for a lease before sending it, and other tabs skip claimed
 * entries until the lease runs out. Two tabs can still both claim an entry in the moment before one
 * sees the other's claim; the server stores such an event once (its (sid, i) check).
 */
export type Entry = [until: number, item: WireEvent];
/** A claimed entry: its key and its event. */
export type Claimed = [key: string, item: WireEvent];

// Specific enough that a host page's own keys ('om_email') are never taken for entries.
export const PREFIX = 'om:e:';
/** How long a claim holds; entries of a tab that died mid-send are sent again after this. */
export const LEASE_MS = 30_000;
/**
 * Most bytes in one request body: well under the 64 KiB that every beacon and keepalive request of
 * a page share in Chrome and Safari (other scripts on the page use that budget too).
 */
export const BODY_BUDGET = 48 * 1024;

/**
 * The outbox's keys as this page knows them, oldest first, so that adding an event lists nothing:
 * read again at every claim (a send claims until the outbox is empty or a send fails, so what it
 * removed is gone from here too) and on every `storage` event (another tab wrote), and kept in step
 * by this page's own additions between them.
 */
let view: string[] = [];

/** Reads the outbox's keys from storage. */
export const scan = (): string[] => (view = keys(PREFIX));

/**
 * Appends an item under `id` (keys sort in the order items were made) and returns the outbox
 * length. When full, the oldest go first, counted in the new event's `meta.dropped`.
 */
export const add = (id: string, x: WireEvent, max: number): number => {
  // push: the new item's key counts, and being the newest it is never among the dropped.
  const dropped = view.push(PREFIX + id) - max;
  if (dropped > 0) {
    view.splice(0, dropped).forEach(remove);
    x.meta = { ...x.meta, dropped };
  }
  save(PREFIX + id, [0, x]);
  return view.length;
};

/**
 * Claims what goes next, oldest first: up to MAX_BATCH events and BODY_BUDGET bytes. Removes events
 * of a session month older than the previous UTC month (the server refuses them, and the whole batch
 * with them), and removes what is not an event: the server would refuse the whole batch for it.
 * (A call that an earlier version queued for /api/call-event is one; the server records that call
 * from the phone_click event queued before it.)
 *
 * Two tabs that start a session at the same moment both write theirs, and the last write wins;
 * events of the losing one made within the winner's lifetime join the winner here. (An ended
 * session's events are less than ACTIVITY_STEP_MS after its stored activity, and its successor
 * began IDLE_MS or more after that, so they are more than IDLE_MS - ACTIVITY_STEP_MS older than the
 * successor's stored activity: none is taken.)
 */
export const claim = (now: number): Claimed[] => {
  const list: Claimed[] = [];
  const s = load<Session>(SESSION_KEY);
  // Day 0 of this month is the last day of the previous one.
  const oldest = monthOf(new Date(now).setUTCDate(0));
  // The body's bytes so far: '[' and ']', and each event adds itself and a comma (the first has none).
  let size = 1;
  for (const k of scan()) {
    // (An entry another tab just removed loads as 0.)
    const v = load<Entry>(k);
    const x = v?.[1];
    // (For the stored session's own events this writes what is there already; nothing else has `t`.)
    if (s && x?.t! > s.t - IDLE_MS + ACTIVITY_STEP_MS) (x!.sid = s.id), (x!.sm = s.m);
    if (!x?.ec || x.sm < oldest) remove(k);
    // Unclaimed (claimed ones are being sent by another tab), within the batch's limits.
    else if (v![0] < now && ((size += bytes(x) + 1) > BODY_BUDGET || list.push([k, x]) == MAX_BATCH)) break;
  }
  settle(list, now + LEASE_MS);
  return list;
};

/**
 * Claims entries until the time `until` (0 releases them for the next send); without `until`,
 * removes them (sent, or refused for good).
 */
export const settle = (list: Claimed[], until?: number): void =>
  list.forEach(([k, x]) => (until == null ? remove(k) : save(k, [until, x])));
