/**
 * Click ids of the landing URL at their edges: with two click ids, both go in the first event's
 * meta and the FIRST one of the URL is remembered for later sessions (`prev_` + its key); the
 * memory lasts 90 days to the millisecond; only the exact parameter names count.
 */
import { describe, expect, it, vi } from 'vitest';
import { clickIds, createTracker, pageview } from '../../src/index.js';
import { events, settle, useTrackerEnv } from './support.js';

useTrackerEnv();

/** A page load at `url`; returns the meta of its pageview. */
const visit = async (url: string) => {
  history.replaceState(null, '', url);
  const t = createTracker({ site: 'site1', delay: 0, collectors: [pageview(), clickIds()] });
  await settle();
  await t.flush();
  t.destroy();
  return events().filter((e) => e.ec === 'pageview').at(-1)!.meta;
};

describe('two click ids in one URL', () => {
  it.each([
    ['/landing?gbraid=B1&gclid=G1', 'gbraid', 'B1'],
    ['/landing?gclid=G1&wbraid=W1', 'gclid', 'G1'],
    ['/landing?utm_source=ads&wbraid=W1&gbraid=B1', 'wbraid', 'W1'],
  ])('%s: the first one (%s) is remembered', async (url, key, value) => {
    await visit(url);
    // A later session (more than 30 idle minutes on).
    vi.setSystemTime(Date.now() + 31 * 60_000);
    await visit('/');
    const [landing, later] = events().filter((e) => e.ec === 'pageview');
    expect(landing!.meta).toMatchObject({ [key]: value });
    expect(later!.meta).toEqual({ [`prev_${key}`]: value });
  });
});

describe('click ids in the landing URL', () => {
  it('are the exact names: not xgclid, gclid2, gbraids or my_utm_source', async () => {
    expect(await visit('/?xgclid=1&gclid2=2&gbraids=3&my_utm_source=4&utm_=5')).toBeUndefined();
  });

  it('are remembered for 90 days to the millisecond', async () => {
    await visit('/?gclid=G1');
    const clickedAt = Date.now();
    vi.setSystemTime(clickedAt + 90 * 24 * 3600_000 - 1);
    expect(await visit('/')).toEqual({ prev_gclid: 'G1' });
    vi.setSystemTime(clickedAt + 90 * 24 * 3600_000);
    expect(await visit('/')).toBeUndefined();
  });

  it('a click remembered by an earlier page (under om_c) is read by a later session', async () => {
    localStorage.setItem('om_c', JSON.stringify(['wbraid', 'W-old', Date.now() + 3600_000, 'an-ended-session']));
    expect(await visit('/')).toEqual({ prev_wbraid: 'W-old' });
  });
});
