import { CATEGORY, MAX_PHONE, PATH_CALL, type CallEventBody } from '../wire.js';
import { INTENT } from '../tracker/lib/intent.js';
import { label } from '../tracker/lib/label.js';
import { on } from '../tracker/lib/on.js';
import { post } from '../tracker/transport.js';
import type { Collector } from '../tracker/types.js';

export interface InteractionsOptions {
  /** CSS selector of intent targets (default: tel:/mailto: links, buttons, `[data-om-intent]`). */
  selector?: string;
}

/**
 * Clicks on intent targets send `interaction/click`. A click on a `tel:` link also sends the
 * `conversion/phone_click` (label = the number) and POSTs /api/call-event with the visitor's
 * fingerprint, after the events before it were sent, or as soon as the fingerprint is learned
 * (it needs consent).
 */
/* @__NO_SIDE_EFFECTS__ */
export const interactions =
  (options: InteractionsOptions = {}): Collector =>
  (t) => {
    const calls: string[] = [];
    const send = () =>
      t._f &&
      calls.splice(0).forEach((phone_number) =>
        post((t._o.endpoint || '') + PATH_CALL, { site_id: t._o.site, phone_number, fingerprint: t._f! } satisfies CallEventBody).catch(
          () => {},
        ),
      );
    const click = (e: Event) => {
      const x = (e.target as Element).closest?.(options.selector || INTENT);
      if (x) t.track(CATEGORY.interaction, 'click', label(x));
      const tel = (e.target as Element).closest?.('a[href^="tel:"]');
      if (tel) {
        // The contract's phone format: digits and + ( ) - . / space (an encoded space becomes none).
        const phone = tel.getAttribute('href')!.slice(4).replace(/%20|[^\d+()\-. /]/g, '').slice(0, MAX_PHONE);
        t.track(CATEGORY.conversion, 'phone_click', phone);
        calls.push(phone);
        // The events that tell the server this session's fingerprint go first, or the call could not
        // be matched to it.
        t.flush().then(send);
      }
    };
    // Fingerprint learned after a tel: click: an event carries it to the session first, or the call
    // would reach the server before the session knows its fingerprint and stay unmatched.
    t._l.add(() => t._f && calls[0] && (t.track('session', 'fingerprint'), t.flush().then(send)));
    return on(document, 'click', click, true);
  };
