import { describe, expect, it, vi } from 'vitest';
import { clickIds, createTracker, pageview } from '../../src/index.js';
import { events, settle, useTrackerEnv } from './support.js';

useTrackerEnv();

const DAY = 24 * 3600 * 1000;
const load = async (url: string) => {
  history.replaceState(null, '', url);
  const t = createTracker({ site: 'site1', delay: 0, collectors: [pageview(), clickIds()] });
  await settle();
  t.track('custom', 'next');
  await t.flush();
  t.destroy();
};

describe('clickIds', () => {
  it('puts click ids and UTM fields of the landing URL in the first event\'s meta', async () => {
    await load('/landing?gclid=G1&utm_source=google&utm_medium=cpc&utm_campaign=spring&utm_term=plumber&utm_content=ad1&utm_id=42&other=x&utmx=y');
    const [view, next] = events();
    expect(view!.meta).toEqual({
      gclid: 'G1',
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'spring',
      utm_term: 'plumber',
      utm_content: 'ad1',
      utm_id: '42',
    });
    expect(next).not.toHaveProperty('meta');
  });

  it('remembers the click id for 90 days and sends it as prev_ on later sessions only', async () => {
    await load('/landing?gbraid=B1');
    // Same session, another page: nothing extra.
    vi.setSystemTime(Date.now() + 60_000);
    await load('/about');
    // A later session.
    vi.setSystemTime(Date.now() + 2 * 3600 * 1000);
    await load('/');
    // A later session with a new click: both.
    vi.setSystemTime(Date.now() + 2 * 3600 * 1000);
    await load('/?gclid=G2');
    // 90 days after G2: forgotten.
    vi.setSystemTime(Date.now() + 90 * DAY + 1);
    await load('/');
    const views = events().filter((e) => e.ec === 'pageview');
    expect(views.map((e) => e.meta)).toEqual([{ gbraid: 'B1' }, undefined, { prev_gbraid: 'B1' }, { gclid: 'G2', prev_gbraid: 'B1' }, undefined]);
    expect(new Set(views.map((e) => e.sid)).size).toBe(4);
  });
});
