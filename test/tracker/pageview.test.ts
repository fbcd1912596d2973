import { describe, expect, it, vi } from 'vitest';
import { createTracker, pageview } from '../../src/index.js';
import { events, settle, useTrackerEnv } from './support.js';

useTrackerEnv();

const views = () => events().filter((e) => e.ec === 'pageview').map((e) => [e.ea, e.u.replace('http://localhost:3000', '')]);

describe('pageview', () => {
  it('sends the first view and one per distinct SPA URL change', async () => {
    const t = createTracker({ site: 'site1', delay: 0, collectors: [pageview()] });
    await settle();
    history.pushState({}, '', '/products');
    history.pushState({}, '', '/products'); // same URL: not a new view
    history.replaceState({}, '', '/products?page=2');
    history.pushState({}, '', '/products?page=2#reviews');
    window.dispatchEvent(new PopStateEvent('popstate')); // already counted
    history.pushState({}, '', '/cart');
    history.back();
    await settle();
    await vi.advanceTimersByTimeAsync(10); // happy-dom fires popstate from a timer
    await t.flush();
    expect(views()).toEqual([
      ['view', '/landing'],
      ['view', '/products'],
      ['view', '/products?page=2'],
      ['view', '/products?page=2#reviews'],
      ['view', '/cart'],
      ['view', '/products?page=2#reviews'],
    ]);
    t.destroy();
  });

  it('counts hash navigation', async () => {
    const t = createTracker({ site: 'site1', delay: 0, collectors: [pageview()] });
    await settle();
    location.hash = '#pricing';
    // happy-dom changes the URL without firing popstate; a browser fires it (then hashchange),
    // which is why the collector needs no hashchange listener (the Chromium test checks it).
    window.dispatchEvent(new PopStateEvent('popstate'));
    await vi.advanceTimersByTimeAsync(10);
    await t.flush();
    expect(views()).toEqual([
      ['view', '/landing'],
      ['view', '/landing#pricing'],
    ]);
    t.destroy();
  });

  it('destroy() unwraps history and removes its listeners', async () => {
    const push = history.pushState;
    const t = createTracker({ site: 'site1', delay: 0, collectors: [pageview()] });
    expect(history.pushState).not.toBe(push);
    await settle();
    t.destroy();
    expect(history.pushState).toBe(push);
    history.pushState({}, '', '/after');
    window.dispatchEvent(new PopStateEvent('popstate'));
    await settle();
    expect(views()).toEqual([['view', '/landing']]);
  });
});
