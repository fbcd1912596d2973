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
 * `hover_intent/hover` (label = target, value = dwell) per target per page. Passing over does not.
 *
 * The browser times the dwell, not a listener: a style rule gives a hovered target an empty CSS
 * animation that starts after `dwell` ms, and the browser cancels it when the hover ends first. So
 * the page calls into us once per hover intent, where a `mouseover` listener was called at every
 * element the pointer crossed (bench/: that listener was half of the tracker's main-thread time).
 * The rule has no specificity (`:where`) and its animation no keyframes: any animation the site
 * sets on a target wins over it (that target then sends no hover intent) and nothing is drawn.
 * The rule waits by its delay, not its duration, which reduced-motion resets commonly shorten.
 * A `<style>` element (a constructed sheet needs Safari 16.4, and a guard in bytes): a strict
 * Content-Security-Policy allows it by its hash (docs/tracker.md). `destroy()` removes the listener
 * and leaves the rule, inert without it: removing it costs bytes the script tag does not have.
 */
/* @__NO_SIDE_EFFECTS__ */
export const hoverIntent =
  (options?: HoverIntentOptions): Collector =>
  (t) => {
    const dwell = options?.dwell ?? 300;
    const first = oncePerPage<Element>();
    const style = document.head.appendChild(document.createElement('style'));
    // The animation's name is the event's category: one string fewer in the script tag.
    style.textContent = `:where(${options?.selector || INTENT}):where(:hover){animation:${CATEGORY.hoverIntent} 0s ${dwell}ms}@keyframes ${CATEGORY.hoverIntent}{}`;
    return on(document, 'animationstart', (e: AnimationEvent) => {
      const x = e.target as Element;
      e.animationName == CATEGORY.hoverIntent && first(x) && t.track(CATEGORY.hoverIntent, 'hover', label(x), dwell);
    });
  };
