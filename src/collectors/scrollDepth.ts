import { CATEGORY } from '../wire.js';
import { all, on } from '../tracker/lib/on.js';
import { oncePerPage } from '../tracker/lib/perPage.js';
import type { Collector } from '../tracker/types.js';

export interface ScrollDepthOptions {
  /** Percentages to report, each once per page (default 25, 50, 75, 90). */
  marks?: number[];
}

/**
 * Scroll milestones: `scroll/depth` with `ev` = the milestone, each once per page. Depth is measured
 * against the document height at that moment (pages that grow keep counting), at most once per frame,
 * from a scroll listener (scroll events cannot be cancelled, so it never holds up scrolling and needs
 * no `passive`).
 */
/* @__NO_SIDE_EFFECTS__ */
export const scrollDepth =
  (options?: ScrollDepthOptions): Collector =>
  (t) => {
    const first = oncePerPage<number>();
    let frame = 0;
    const measure = () => {
      frame = 0;
      const depth = ((scrollY + innerHeight) / document.documentElement.scrollHeight) * 100;
      for (const m of options?.marks || [25, 50, 75, 90]) depth >= m && first(m) && t.track(CATEGORY.scroll, 'depth', undefined, m);
    };
    return all([on(window, 'scroll', () => (frame ||= requestAnimationFrame(measure))), () => cancelAnimationFrame(frame)]);
  };
