import { CATEGORY, MAX_PHONE, type CallEventBody } from '../wire.js';
import { add } from '../tracker/outbox.js';
import { eventId } from '../tracker/lib/random.js';
import { INTENT } from '../tracker/lib/intent.js';
import { label } from '../tracker/lib/label.js';
import { on } from '../tracker/lib/on.js';
import type { Collector } from '../tracker/types.js';

export interface InteractionsOptions {
  /** CSS selector of intent targets (default: tel:/mailto: links, buttons, `[data-om-intent]`). */
  selector?: string;
}

/**
 * Clicks on intent targets send `interaction/click`. A click on a `tel:` link also sends the
 * `conversion/phone_click` (label = the number) and a call to /api/call-event with the visitor's
 * fingerprint and the click time. The call goes through the outbox like events (nothing lost
 * offline, on 429 or 5xx, or when the page closes), after the events made before it; the server
 * stores a retried call once. Without a fingerprint (it needs consent) the call waits in memory for
 * it: the contract's call needs one.
 */
/* @__NO_SIDE_EFFECTS__ */
export const interactions =
  (options?: InteractionsOptions): Collector =>
  (t) => {
    // Calls waiting for the fingerprint.
    const calls: [phone: string, time: string][] = [];
    // Into the outbox, after the events made before it; a call never pushes older entries out (it
    // is one item per tel: click), and it leaves at once.
    const store = () =>
      t._f &&
      calls.splice(0).forEach(([phone_number, call_time]) => {
        add(eventId(Date.now()), { site_id: t._s, phone_number, fingerprint: t._f!, call_time } satisfies CallEventBody, Infinity);
        t.flush();
      });
    const click = (e: Event) => {
      const x = (e.target as Element).closest?.(options?.selector || INTENT);
      if (x) t.track(CATEGORY.interaction, 'click', label(x));
      const tel = (e.target as Element).closest?.('a[href^="tel:"]');
      if (tel) {
        // The contract's phone format: digits and + ( ) - . / space (an encoded space becomes none).
        const phone_number = tel.getAttribute('href')!.slice(4).replace(/%20|[^\d+()\-. /]/g, '').slice(0, MAX_PHONE);
        // The event carries the fingerprint to the session (if no event did yet) before the call.
        t.track(CATEGORY.conversion, 'phone_click', phone_number);
        calls.push([phone_number, new Date().toISOString()]);
        store();
      }
    };
    // Fingerprint learned after a tel: click: an event carries it to the session first, or the call
    // would reach the server before the session knows its fingerprint and stay unmatched.
    // (`_e()` adds that event only when no event of the session carried the fingerprint yet.)
    t._l.push(() => t._f && calls[0] && (t._e?.(), store()));
    return on(document, 'click', click, true);
  };
