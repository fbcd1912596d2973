import { CATEGORY } from '../wire.js';
import { on } from '../tracker/lib/on.js';
import type { Collector } from '../tracker/types.js';

/**
 * Pageviews: the first view, then one per distinct URL change in an SPA (history.pushState /
 * replaceState, back/forward, hash changes). A hash change fires popstate too (before hashchange),
 * so popstate covers both. The first view waits a microtask so that calls made in the same task
 * (the stub queue's consent, for one) apply to it.
 */
/* @__NO_SIDE_EFFECTS__ */
export const pageview = (): Collector => (t) => {
  let url: string | undefined;
  const check = () => url != (url = location.href) && t.track(CATEGORY.pageview, 'view');
  const h = history as unknown as Record<string, (...a: unknown[]) => void>;
  const wrap = (k: string) => {
    const orig = h[k]!;
    h[k] = (...a: unknown[]) => {
      orig.apply(h, a);
      check();
    };
    // (A wrapper another script added after ours goes with it; destroy() is rare enough.)
    return () => (h[k] = orig);
  };
  queueMicrotask(check);
  return [wrap('pushState'), wrap('replaceState'), on(window, 'popstate', check)];
};
