import { CATEGORY, MAX_PHONE, type CallEventBody } from '../wire.js';
import { add } from '../tracker/outbox.js';
import { eventId } from '../tracker/lib/random.js';
import { INTENT } from '../tracker/lib/intent.js';
import { label } from '../tracker/lib/label.js';
import { on } from '../tracker/lib/on.js';
import { touch } from '../tracker/session.js';
import type { Collector } from '../tracker/types.js';

export interface InteractionsOptions {
  /** CSS selector of intent targets (default: tel:/mailto: links, buttons, `[data-om-intent]`). */
  selector?: string;
}

/**
 * Clicks on intent targets send `interaction/click`. A click on a `tel:` link also sends the
 * `conversion/phone_click` (label = the number) and a call to /api/call-event naming the visitor's
 * own session (`sid`, `sm`), the click time, and the fingerprint when one is known (it needs
 * consent; the call does not wait for it). The call goes through the outbox like events (nothing
 * lost offline, on 429 or 5xx, or when the page closes), after the events made before it, so the
 * session exists when the call arrives; the server stores a retried call once.
 */
/* @__NO_SIDE_EFFECTS__ */
export const interactions =
  (options?: InteractionsOptions): Collector =>
  (t) => {
    const click = (e: Event) => {
      const x = (e.target as Element).closest?.(options?.selector || INTENT);
      if (x) t.track(CATEGORY.interaction, 'click', label(x));
      const tel = (e.target as Element).closest?.('a[href^="tel:"]');
      if (tel) {
        // The contract's phone format: digits and + ( ) - . / space (an encoded space becomes none).
        const phone_number = tel.getAttribute('href')!.slice(4).replace(/%20|[^\d+()\-. /]/g, '').slice(0, MAX_PHONE);
        t.track(CATEGORY.conversion, 'phone_click', phone_number);
        // The session the event above went to (touch() after track() changes nothing else).
        const [s] = touch(Date.now());
        const call: CallEventBody = { site_id: t._s, phone_number, sid: s.id, sm: s.m, call_time: new Date().toISOString() };
        if (t._f) call.fingerprint = t._f;
        // Into the outbox after the events made before it; a call never pushes older entries out.
        add(eventId(Date.now()), call, Infinity);
        t.flush();
      }
    };
    return on(document, 'click', click, true);
  };
