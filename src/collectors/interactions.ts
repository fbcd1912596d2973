import { CATEGORY, PHONE_CLICK } from '../wire.js';
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
 * `conversion/phone_click` (label = the number), sent at once: the server records the call from
 * that event, matched to its session (contract section 2). One event, not a call request of its
 * own: it travels with the outbox's guarantees (offline, 429 or 5xx, page close) and needs no
 * ordering behind the events before it.
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
        // The contract's phone characters (wire.ts phoneNumber): digits and + ( ) - . / space (an
        // encoded space becomes none). Whether they make a number, the server decides.
        t.track(CATEGORY.conversion, PHONE_CLICK, tel.getAttribute('href')!.slice(4).replace(/%20|[^\d+()\-. /]/g, ''));
        t.flush();
      }
    };
    return on(document, 'click', click, true);
  };
