import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTracker, scrollDepth } from '../../src/index.js';
import { events, settle, useTrackerEnv } from './support.js';

useTrackerEnv();

let height = 4000;
const scrollTo = (y: number) => {
  Object.defineProperty(window, 'scrollY', { configurable: true, get: () => y });
  window.dispatchEvent(new Event('scroll'));
};
Object.defineProperty(window, 'innerHeight', { configurable: true, get: () => 1000 });
Object.defineProperty(document.documentElement, 'scrollHeight', { configurable: true, get: () => height });
const depths = () => events().filter((e) => e.ec === 'scroll').map((e) => [e.ea, e.ev]);
// Runs the pending animation frame, then the tracker's zero-delay send.
const frame = async () => {
  vi.advanceTimersToNextFrame();
  await vi.advanceTimersByTimeAsync(1);
};

describe('scrollDepth', () => {
  it('sends each milestone once per page, at most one computation per frame', async () => {
    height = 4000;
    const t = createTracker({ site: 'site1', delay: 0, collectors: [scrollDepth()] });
    const timers = vi.getTimerCount();
    scrollTo(0); // 25%
    scrollTo(1000); // 50%, same frame
    scrollTo(2000);
    // One frame requested for three scroll events.
    expect(vi.getTimerCount()).toBe(timers + 1);
    await frame();
    expect(depths()).toEqual([
      ['depth', 25],
      ['depth', 50],
      ['depth', 75],
    ]);
    scrollTo(0);
    await frame();
    scrollTo(3000); // 100%
    await frame();
    scrollTo(3000);
    await frame();
    await t.flush();
    expect(depths().map(([, v]) => v)).toEqual([25, 50, 75, 90]);
    t.destroy();
  });

  it('measures against the height at the time, for pages that grow', async () => {
    height = 2000;
    const t = createTracker({ site: 'site1', delay: 0, collectors: [scrollDepth({ marks: [50, 90] })] });
    scrollTo(0); // 50% of 2000
    await frame();
    height = 10_000; // infinite scroll loaded more
    scrollTo(1000); // 20%
    await frame();
    scrollTo(8000); // 90%
    await frame();
    await t.flush();
    expect(depths().map(([, v]) => v)).toEqual([50, 90]);
    t.destroy();
  });

  it('starts afresh after an SPA navigation and stops on destroy', async () => {
    height = 2000;
    const t = createTracker({ site: 'site1', delay: 0, collectors: [scrollDepth({ marks: [50] })] });
    scrollTo(0);
    await frame();
    history.pushState({}, '', '/next');
    scrollTo(0);
    await frame();
    t.destroy();
    history.pushState({}, '', '/third');
    scrollTo(0);
    await frame();
    await settle();
    expect(events().map((e) => [e.ev, e.u.replace('http://localhost:3000', '')])).toEqual([
      [50, '/landing'],
      [50, '/next'],
    ]);
  });

  it('measures no more until the scroll reaches where the next milestone begins', async () => {
    height = 4000;
    let measured = 0;
    Object.defineProperty(document.documentElement, 'scrollHeight', { configurable: true, get: () => (measured++, height) });
    try {
      const t = createTracker({ site: 'site1', delay: 0, collectors: [scrollDepth()] });
      scrollTo(0); // 25%; 50% begins at 1000
      await frame();
      expect(measured).toBe(1);
      const timers = vi.getTimerCount();
      scrollTo(400);
      scrollTo(999);
      // Short of it: no timer, no reading of the height.
      expect(vi.getTimerCount()).toBe(timers);
      await frame();
      expect(measured).toBe(1);
      scrollTo(1000);
      await frame();
      expect(measured).toBe(2);
      await t.flush();
      expect(depths().map(([, v]) => v)).toEqual([25, 50]);
      t.destroy();
    } finally {
      Object.defineProperty(document.documentElement, 'scrollHeight', { configurable: true, get: () => height });
    }
  });

  it('measures a new SPA page at its first scroll, short of where the last page\'s next milestone began', async () => {
    height = 4000;
    const t = createTracker({ site: 'site1', delay: 0, collectors: [scrollDepth()] });
    scrollTo(500); // 37.5%: 25 reached; 50 begins at 1000
    await frame();
    history.pushState({}, '', '/next');
    scrollTo(600);
    await frame();
    await t.flush();
    expect(events().filter((e) => e.ec === 'scroll').map((e) => [e.ev, e.u.replace('http://localhost:3000', '')])).toEqual([
      [25, '/landing'],
      [25, '/next'],
    ]);
    t.destroy();
  });
});

/**
 * An IntersectionObserver under the tracker's control (happy-dom's never calls back): `fire` calls
 * back as a browser would, with the html element's box height.
 */
class FakeObserver {
  static last: FakeObserver | undefined;
  observed: Element[] = [];
  disconnected = false;
  constructor(
    readonly callback: (entries: { boundingClientRect: { height: number }; intersectionRatio: number }[]) => void,
    readonly options: { rootMargin?: string; threshold?: number[] },
  ) {
    FakeObserver.last = this;
  }
  observe(el: Element) {
    this.observed.push(el);
  }
  disconnect() {
    this.disconnected = true;
  }
  fire(boxHeight: number) {
    const y = window.scrollY;
    this.callback([{ boundingClientRect: { height: boxHeight }, intersectionRatio: Math.min(1, (y + innerHeight) / boxHeight) }]);
  }
}

describe('scrollDepth with an IntersectionObserver', () => {
  const useFake = () => {
    FakeObserver.last = undefined;
    vi.stubGlobal('IntersectionObserver', FakeObserver);
  };
  const at = (y: number) => Object.defineProperty(window, 'scrollY', { configurable: true, get: () => y });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('watches the html element against a root stretched far above the viewport, a threshold per milestone', () => {
    useFake();
    const t = createTracker({ site: 'site1', delay: 0, collectors: [scrollDepth({ marks: [10, 60] })] });
    const io = FakeObserver.last!;
    expect(io.observed).toEqual([document.documentElement]);
    expect(io.options).toEqual({ rootMargin: '1e7px 0px 0px', threshold: [0.1, 0.6] });
    t.destroy();
    expect(io.disconnected).toBe(true);
  });

  it('once the element proves as tall as the page, scrolling costs nothing and milestones come from its callbacks', async () => {
    useFake();
    height = 4000;
    at(0);
    const t = createTracker({ site: 'site1', delay: 0, collectors: [scrollDepth()] });
    const io = FakeObserver.last!;
    io.fire(4000); // the first callback, at load: no milestone before a scroll
    await settle();
    expect(depths()).toEqual([]);
    const timers = vi.getTimerCount();
    scrollTo(2000); // 75%: no listener left to ask for a measure
    expect(vi.getTimerCount()).toBe(timers);
    await frame();
    expect(depths()).toEqual([]);
    io.fire(4000); // the browser saw the 0.5 and 0.75 thresholds crossed
    await t.flush();
    expect(depths().map(([, v]) => v)).toEqual([25, 50, 75]);
    t.destroy();
  });

  it('keeps the scroll listener while the element is shorter than the page (html { height: 100% })', async () => {
    useFake();
    height = 4000;
    at(0);
    const t = createTracker({ site: 'site1', delay: 0, collectors: [scrollDepth()] });
    FakeObserver.last!.fire(1000); // one viewport tall: always seen whole, never calls back again
    scrollTo(2000);
    await frame();
    await t.flush();
    expect(depths().map(([, v]) => v)).toEqual([25, 50, 75]);
    t.destroy();
  });

  it('drops the listener later, when a page that grew proves the element spans it', async () => {
    useFake();
    height = 1000;
    at(0);
    const t = createTracker({ site: 'site1', delay: 0, collectors: [scrollDepth({ marks: [50] })] });
    const io = FakeObserver.last!;
    io.fire(900); // shorter than the viewport: the scrolling area is the viewport's
    height = 4000; // content loaded
    io.fire(4000);
    const timers = vi.getTimerCount();
    scrollTo(1500);
    expect(vi.getTimerCount()).toBe(timers);
    io.fire(4000);
    await t.flush();
    expect(depths().map(([, v]) => v)).toEqual([50]);
    t.destroy();
  });

  it('uses the listener alone where there is no IntersectionObserver (jsdom)', async () => {
    vi.stubGlobal('IntersectionObserver', undefined);
    height = 4000;
    const t = createTracker({ site: 'site1', delay: 0, collectors: [scrollDepth()] });
    scrollTo(1000);
    await frame();
    await t.flush();
    expect(depths().map(([, v]) => v)).toEqual([25, 50]);
    t.destroy();
  });
});
