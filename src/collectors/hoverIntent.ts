import { CATEGORY } from '../wire.js';
import { INTENT } from '../tracker/lib/intent.js';
import { label } from '../tracker/lib/label.js';
import { on } from '../tracker/lib/on.js';
import { oncePerPage } from '../tracker/lib/perPage.js';
import type { Collector } from '../tracker/types.js';

export interface HoverIntentOptions {
  /** CSS selector of intent targets (default: tel:/mailto: links, buttons, `[data-om-intent]`). */
  selector?: string;
  /** How long the pointer must rest on a target, in ms (default 300). */
  dwell?: number;
}

/**
 * Hover intent: the pointer resting on an intent target for `dwell` ms sends one
 * `hover_intent/hover` (label = target, value = dwell) per target per page. Passing over does not:
 * moving to another element before the dwell cancels it. (Leaving the window straight from a target
 * is not watched: it would cost bytes for a rare case.)
 */
/* @__NO_SIDE_EFFECTS__ */
export const hoverIntent =
  (options?: HoverIntentOptions): Collector =>
  (t) => {
    const dwell = options?.dwell ?? 300;
    // Elements are few and live as long as the page; a Map keeps this simple.
    const first = oncePerPage<Element>();
    let target: Element | null | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const over = (e: Event) => {
      // (Mouse events target elements only, so `closest` is always there.)
      const x = (e.target as Element).closest(options?.selector || INTENT);
      if (x == target) return;
      clearTimeout(timer);
      target = x;
      if (x) timer = setTimeout(() => first(x) && t.track(CATEGORY.hoverIntent, 'hover', label(x), dwell), dwell);
    };
    // Moving on fires mouseover on the next element, which ends the dwell on this one.
    return [on(document, 'mouseover', over, true), () => clearTimeout(timer)];
  };
