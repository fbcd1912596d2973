import { describe, expect, it, vi } from 'vitest';
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
