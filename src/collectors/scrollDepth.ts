import { CATEGORY } from '../wire.js';
import { on } from '../tracker/lib/on.js';
import { oncePerPage } from '../tracker/lib/perPage.js';
import type { Collector } from '../tracker/types.js';

export interface ScrollDepthOptions {
  /** Percentages to report, each once per page (default 25, 50, 75, 90). */
  marks?: number[];
}

/**
 * Scroll milestones: `scroll/depth` with `ev` = the milestone, each once per page. Depth is measured
 * against the document height at that moment (pages that grow keep counting), from a scroll listener
 * (scroll events cannot be cancelled, so it never holds up scrolling and needs no `passive`), in a
 * timer after the scroll events of one task: browsers fire scroll once per frame, so at most once per
 * frame, and once rendered (no layout forced). Each measure notes, for the page (URL), the scroll
 * position where the nearest milestone not yet reached begins; a scroll short of it costs a comparison,
 * no timer. (So when the page shrinks, or the window grows, under a resting scroll position, depth is
 * measured again once the scroll moves past that point.)
 */
/* @__NO_SIDE_EFFECTS__ */
export const scrollDepth =
  (options?: ScrollDepthOptions): Collector =>
  (t) => {
    const first = oncePerPage<number>();
    // Per page (URL), so that an SPA navigation measures afresh at its first scroll.
    const next: Record<string, number> = {};
    let frame: ReturnType<typeof setTimeout> | 0 = 0;
    const measure = () => {
      frame = 0;
      const h = document.documentElement.scrollHeight;
      let n = Infinity;
      for (const m of options?.marks || [25, 50, 75, 90]) {
        // Reached when (scrollY + innerHeight) / h >= m%.
        const y = (m * h) / 100 - innerHeight;
        scrollY < y ? n > y && (n = y) : first(m) && t.track(CATEGORY.scroll, 'depth', undefined, m);
      }
      next[location.href] = n;
    };
    return [on(window, 'scroll', () => scrollY < next[location.href]! || (frame ||= setTimeout(measure))), () => clearTimeout(frame)];
  };
