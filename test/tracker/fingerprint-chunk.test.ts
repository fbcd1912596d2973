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

  describe('with idle callbacks and Event Timing counters', () => {
    let inputs = 0;
    beforeEach(() => {
      inputs = 0;
      vi.stubGlobal('requestIdleCallback', (cb: () => void) => setTimeout(cb, 1));
      Object.defineProperty(performance, 'eventCounts', { configurable: true, get: () => new Map([['click', inputs]]) });
      return () => {
        vi.unstubAllGlobals();
        delete (performance as { eventCounts?: unknown }).eventCounts;
      };
    });

    it('starts once the visitor has left the page alone for half a second', async () => {
      const id = visitorId();
      await vi.advanceTimersByTimeAsync(200);
      inputs++; // a click before the second look: not quiet yet
      await vi.advanceTimersByTimeAsync(400);
      expect(load).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(600);
      expect(await id).toBe('fp-computed');
    });

    it('starts anyway after about five seconds of a visitor who never pauses', async () => {
      const id = visitorId();
      const busyFor = async (ms: number) => {
        for (let t = 0; t < ms; t += 100) {
          inputs++; // an input every 100 ms
          await vi.advanceTimersByTimeAsync(100);
        }
      };
      await busyFor(4_000);
      expect(load).not.toHaveBeenCalled();
      await busyFor(1_500);
      expect(load).toHaveBeenCalledTimes(1);
      expect(await id).toBe('fp-computed');
    });
  });
});
