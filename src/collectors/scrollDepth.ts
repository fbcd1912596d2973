import { CATEGORY } from '../wire.js';
import { on } from '../tracker/lib/on.js';
import { SCRIPT_TAG } from '../tracker/scriptTag.js';
import { oncePerPage } from '../tracker/lib/perPage.js';
import type { Collector } from '../tracker/types.js';

export interface ScrollDepthOptions {
  /** Percentages to report, each once per page (default 25, 50, 75, 90). */
  marks?: number[];
}

/**
 * Scroll milestones: `scroll/depth` with `ev` = the milestone, each once per page. Depth is measured
 * against the document height at that moment (pages that grow keep counting). What asks for a
 * measure is an IntersectionObserver on the `html` element, its root stretched 1e7 px above the
 * viewport: the share of the element it sees is the share of the page above the viewport's bottom,
 * so it calls back only when a milestone is crossed, and scrolling costs the page no call into us
 * (a listener that does nothing still costs the browser a call per scroll event).
 *
 * Its measure is the page's only while the element is as tall as the page: not so with
 * `html { height: 100% }`, where it is one viewport tall and always seen whole. Until a callback
 * finds it so (the first comes at once), a scroll listener asks too: browsers fire scroll once per
 * frame, and it measures in a timer after the scroll events of one task, so at most once per frame,
 * once rendered (no layout forced). Each measure notes, for the page (URL), the scroll position
 * where the nearest milestone not yet reached begins; a scroll short of it costs a comparison, no
 * timer. No milestone before the visitor scrolls: a page load is not a scroll.
 */
/* @__NO_SIDE_EFFECTS__ */
export const scrollDepth =
  (options?: ScrollDepthOptions): Collector =>
  (t) => {
    const first = oncePerPage<number>();
    const marks = options?.marks || [25, 50, 75, 90];
    const html = document.documentElement;
    // Per page (URL), so that an SPA navigation measures afresh at its first scroll.
    const next: Record<string, number> = {};
    let frame: ReturnType<typeof setTimeout> | 0 = 0;
    const measure = () => {
      frame = 0;
      const h = html.scrollHeight;
      let n = Infinity;
      for (const m of marks) {
        // Reached when (scrollY + innerHeight) / h >= m%.
        const y = (m * h) / 100 - innerHeight;
        scrollY < y ? n > y && (n = y) : first(m) && t.track(CATEGORY.scroll, 'depth', undefined, m);
      }
      next[location.href] = n;
    };
    const off = on(window, 'scroll', () => scrollY < next[location.href]! || (frame ||= setTimeout(measure)));
    // Not in every environment a page is tested in (jsdom has none): the listener alone then. (Every
    // browser the script tag runs in has one.)
    const io =
      (SCRIPT_TAG || self.IntersectionObserver) &&
      new IntersectionObserver(([e]) => (e!.boundingClientRect.height + 1 > html.scrollHeight && off(), scrollY && measure()), {
        rootMargin: '1e7px 0px 0px',
        threshold: marks.map((m) => m / 100),
      });
    io?.observe(html);
    return [off, () => io?.disconnect(), () => clearTimeout(frame)];
  };
