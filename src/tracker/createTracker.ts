import {
  CATEGORY,
  MAX_ACTION,
  MAX_CATEGORY,
  MAX_LABEL,
  MAX_META_BYTES,
  MAX_REFERRER,
  MAX_URL,
  PATH_SYNC,
  type WireEvent,
} from '../wire.js';
import { backoff, retryAfter } from './backoff.js';
import { DEBUG } from './debug.js';
import { SCRIPT_TAG } from './scriptTag.js';
import { bytes } from './lib/bytes.js';
import { cut } from './lib/cut.js';
import { on } from './lib/on.js';
import { eventId } from './lib/random.js';
import { add, claim, scan, settle } from './outbox.js';
import { touch } from './session.js';
import { beacon, post } from './transport.js';
import type { Context, Meta, Tracker, TrackerOptions } from './types.js';

/** The defaults of `delay`, `batchSize` and `maxOutbox` (types.ts), and what the script tag uses. */
const DELAY_MS = 5000;
const BATCH_SIZE = 10;
const MAX_OUTBOX = 500;

/**
 * Creates a tracker. Every event goes to the persistent outbox at once and leaves in batches: at
 * `batchSize`, `delay` ms after the first waiting event, and by beacon when the page is hidden. A
 * batch that fails stays and is retried with backoff, on `online`, and on the next page.
 */
/* @__NO_SIDE_EFFECTS__ */
export function createTracker(o: TrackerOptions): Tracker {
  // The script tag always names its endpoint and collectors, and none of the options after them.
  const to = (SCRIPT_TAG ? o.endpoint : o.endpoint || '') + PATH_SYNC;
  // Five seconds, not one: a visit's events leave in two or three requests instead of one per burst
  // (each request costs the page a task, about 0.7 ms of main thread in Chromium, and the server far
  // more than a row: bench/), and what still waits when the page is hidden goes by beacon then. A tel:
  // click does not wait (interactions.ts flushes it).
  const delay = SCRIPT_TAG ? DELAY_MS : o.delay ?? DELAY_MS;
  const batchSize = SCRIPT_TAG ? BATCH_SIZE : o.batchSize || BATCH_SIZE;
  const maxOutbox = SCRIPT_TAG ? MAX_OUTBOX : o.maxOutbox || MAX_OUTBOX;
  // The page load is activity: start (or keep) the session now, so collectors can see its id.
  let first = touch(Date.now())[1];
  // What earlier pages left counts towards the outbox's length from the first event on.
  scan();
  let attempt = 0;
  let notBefore = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const warn = (...a: unknown[]) => o.debug && console.warn('[opsmantik]', ...a);
  const later = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  };

  /**
   * Sends what waits, batch after batch, until the outbox is empty, a send fails or the browser is
   * offline. `hidden`: the page is going away, so sendBeacon (synchronously), in bodies under the
   * shared budget; a refused beacon leaves the rest in the outbox for the next page. A server in
   * backoff or an offline browser gets nothing, not even a beacon, which would be lost.
   */
  const send = async (hidden?: unknown): Promise<void> => {
    timer = clearTimeout(timer) as undefined;
    // In backoff: come back when it ends (a timer may fire a little early).
    if (Date.now() < notBefore) return void later(notBefore - Date.now());
    for (let b; navigator.onLine && (b = claim(Date.now()))[0]; ) {
      const body = JSON.stringify(b.map((x) => x[1]));
      if (hidden) {
        if (!beacon(to, body)) return settle(b, 0);
        settle(b);
      } else {
        try {
          const r = await post(to, body);
          if (r.status == 429 || r.status > 499) throw r;
          // Any other refusal would be refused again: drop it rather than retry forever.
          if (DEBUG && !r.ok) warn('dropped', b.length, 'events:', r.status);
          settle(b);
          attempt = 0;
        } catch (r) {
          settle(b, 0);
          const now = Date.now();
          notBefore = now + Math.max(backoff(attempt++), retryAfter((r as Response).headers?.get('Retry-After')));
          DEBUG && warn('retry in', notBefore - now, 'ms:', r);
          return later(notBefore - now);
        }
      }
    }
  };
  // One send at a time: a flush waits for the one before, so when it resolves, everything queued
  // before it has been sent (or is back in the outbox).
  // A rejection (it should not happen) must not stop every later flush, nor reach the page.
  const flush = () => (chain = chain.then(send).catch(DEBUG ? warn : () => {})) as Promise<void>;

  const track = (ec: string, ea: string, el?: string, ev?: number, meta?: Meta) => {
    const now = Date.now();
    const [s, fresh] = touch(now);
    let m: Meta = { ...t._m, ...meta };
    t._m = {};
    // The server refuses meta over 4 KiB, and the whole batch with it; keep room for the fingerprint.
    if (bytes(m) > MAX_META_BYTES - 200) {
      DEBUG && warn('meta too large:', m);
      m = {};
    }
    const e: WireEvent = {
      s: o.site,
      u: cut(location.href, MAX_URL),
      sid: s.id,
      sm: s.m,
      ec: cut(ec, MAX_CATEGORY),
      ea: cut(ea, MAX_ACTION),
      i: eventId(now),
      t: now,
    };
    if (el != null) e.el = cut(el, MAX_LABEL);
    // The server refuses a value that is not a finite number, and the whole batch with it.
    if (ev != null && isFinite((ev = +ev))) e.ev = ev;
    if ((fresh || first) && document.referrer) e.r = cut(document.referrer, MAX_REFERRER);
    if (Object.keys(m).length) e.meta = m;
    first = false;
    // The fingerprint collector adds meta.fp, once per session and page.
    t._e?.(e);
    add(e.i!, e, maxOutbox) < batchSize ? timer || later(delay) : flush();
  };

  // Page hidden (tab switch, navigation, close): the fingerprint collector may add an event (the
  // session must learn the fingerprint), then everything waiting goes out by beacon. (Visibility
  // changes the other way too, coming back to the tab: an early send by beacon then does no harm,
  // and skipping the check saves bytes.)
  const hide = () => {
    t._e?.();
    send(1);
  };

  const t: Context = {
    track,
    conversion: (name, value) => track(CATEGORY.conversion, name, undefined, value),
    consent: (state) => {
      t._c = state == 'granted';
      t._l?.();
    },
    flush,
    destroy: () => {
      clearTimeout(timer);
      offs.flat().forEach((off) => off?.());
    },
    _m: {},
  };

  const offs = [
    on(document, 'visibilitychange', hide),
    on(window, 'pagehide', hide),
    // Another tab added or removed entries (or storage was cleared): know the outbox's length.
    on(window, 'storage', scan),
    // Back online: retry now, not at the end of the backoff. Every tab hears this at the same moment,
    // so each waits a random moment, and the first one's claims reach the others before they look.
    on(window, 'online', () => {
      notBefore = attempt = 0;
      later(Math.random() * 1000);
    }),
    ...(SCRIPT_TAG ? o.collectors! : o.collectors || []).map((c) => c(t)),
  ];
  // Consent only once stated: an unstated consent is not a refusal.
  o.consent && t.consent(o.consent);
  // Send what earlier pages (or a tab that closed mid-send) left in the outbox.
  later(delay);
  return t;
}
