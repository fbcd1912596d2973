/**
 * A landing URL with two click ids: both go in the first event's meta, and the FIRST one of the URL
 * is the one remembered for later sessions (`prev_` + its key).
 */
import { describe, expect, it, vi } from 'vitest';
import { clickIds, createTracker, pageview } from '../../src/index.js';
import { events, settle, useTrackerEnv } from './support.js';

useTrackerEnv();

const visit = async (url: string) => {
  history.replaceState(null, '', url);
  const t = createTracker({ site: 'site1', delay: 0, collectors: [pageview(), clickIds()] });
  await settle();
  await t.flush();
  t.destroy();
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
