import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FP_KEY } from '../../src/tracker/fingerprint.js';
import { useTrackerEnv } from './support.js';

// FingerprintJS itself is not run here (the Chromium tests run it): what the chunk adds around it is.
const get = vi.fn(async () => ({ visitorId: 'fp-computed' }));
const load = vi.fn(async (_options?: unknown) => ({ get }));
vi.mock('@fingerprintjs/fingerprintjs', () => ({ load }));
const { visitorId } = await import('../../src/fingerprint-chunk.js');

useTrackerEnv();
beforeEach(() => {
  load.mockClear();
  get.mockClear();
  Object.defineProperty(document, 'readyState', { configurable: true, get: () => 'complete' });
});

describe('fingerprint chunk', () => {
  it('waits for the load event, then idle time, then computes without the vendor monitoring call', async () => {
    Object.defineProperty(document, 'readyState', { configurable: true, get: () => 'loading' });
    const id = visitorId();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(load).not.toHaveBeenCalled();
    window.dispatchEvent(new Event('load'));
    await vi.advanceTimersByTimeAsync(0);
    expect(await id).toBe('fp-computed');
    expect(load).toHaveBeenCalledWith({ monitoring: false });
  });

  it('caches the id for a day as [id, expiry], under the key the tracker reads', async () => {
    await vi.advanceTimersByTimeAsync(0);
    const id = visitorId();
    await vi.advanceTimersByTimeAsync(0);
    expect(await id).toBe('fp-computed');
    expect(JSON.parse(localStorage.getItem(FP_KEY)!)).toEqual(['fp-computed', Date.now() + 24 * 3600_000]);
  });
});
