import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { events, setVisibility, settle, useTrackerEnv } from './support.js';

useTrackerEnv();

// A fresh module graph per test: the storage module remembers that storage failed.
let api: typeof import('../../src/index.js');
beforeEach(async () => {
  vi.resetModules();
  api = await import('../../src/index.js');
});

const original = Object.getOwnPropertyDescriptor(window, 'localStorage')!;
const realStorage = window.localStorage;
afterEach(() => Object.defineProperty(window, 'localStorage', original));

describe('storage that throws', () => {
  it('keeps working from memory when touching localStorage throws (blocked storage)', async () => {
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException("Failed to read the 'localStorage' property from 'Window': Access is denied.", 'SecurityError');
      },
    });
    const errors: unknown[] = [];
    window.addEventListener('error', (e) => errors.push(e));

    history.replaceState(null, '', '/landing?gclid=abc');
    const t = api.createTracker({ site: 'site1', delay: 0, collectors: [api.clickIds(), api.pageview()] });
    await settle();
    t.track('custom', 'a');
    await settle();
    const [view, a] = events();
    expect(view).toMatchObject({ ec: 'pageview', meta: { gclid: 'abc' } });
    // One session, kept in memory.
    expect(a!.sid).toBe(view!.sid);
    expect(errors).toEqual([]);
    t.destroy();
  });

  it('falls back to memory when writes fail (quota full, Safari private mode), and still delivers by beacon', () => {
    // Reads work, every write throws.
    const quotaFull = new Proxy(realStorage, {
      set() {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      },
    });
    Object.defineProperty(window, 'localStorage', { configurable: true, get: () => quotaFull });
    const t = api.createTracker({ site: 'site1', delay: 60_000 });
    t.track('custom', 'a');
    t.track('custom', 'b');
    setVisibility('hidden');
    expect(events().map((e) => e.ea)).toEqual(['a', 'b']);
    expect(Object.keys(realStorage).filter((k) => k.startsWith('om:e:'))).toEqual([]);
    t.destroy();
  });
});
