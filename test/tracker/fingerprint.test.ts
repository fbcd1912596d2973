import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/index.js';
import { fingerprintWith } from '../../src/tracker/fingerprint.js';
import { events, setVisibility, settle, useTrackerEnv } from './support.js';

useTrackerEnv();

const signals = (gpc: boolean | undefined, dnt: string | null) => {
  Object.defineProperty(navigator, 'globalPrivacyControl', { configurable: true, get: () => gpc });
  Object.defineProperty(navigator, 'doNotTrack', { configurable: true, get: () => dnt });
};
afterEach(() => signals(undefined, null));

const setup = (options: Parameters<typeof createTracker>[0] = { site: 'site1' }, respectSignals = true) => {
  const loader = vi.fn(async () => 'fp-abc');
  const t = createTracker({ delay: 0, ...options, collectors: [fingerprintWith(loader, respectSignals)] });
  return { t, loader };
};

describe('fingerprint', () => {
  it('is not loaded without consent', async () => {
    const { t, loader } = setup();
    t.track('custom', 'a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(loader).not.toHaveBeenCalled();
    expect(events()[0]).not.toHaveProperty('meta');
    t.destroy();
  });

  it('after consent: computed once, sent in meta.fp once per session', async () => {
    const { t, loader } = setup();
    t.track('custom', 'a');
    t.consent('granted');
    await settle();
    t.track('custom', 'b');
    t.track('custom', 'c');
    vi.setSystemTime(Date.now() + 31 * 60_000); // a new session learns it too
    t.track('custom', 'd');
    await t.flush();
    expect(loader).toHaveBeenCalledTimes(1);
    expect(events().map((e) => [e.ea, e.meta?.fp])).toEqual([
      ['a', undefined],
      ['b', 'fp-abc'],
      ['c', undefined],
      ['d', 'fp-abc'],
    ]);
    t.destroy();
  });

  it('uses the id cached for a day (by the loader) instead of loading the code again', async () => {
    // What the fingerprint chunk stores after computing: [visitor id, expiry].
    localStorage.setItem('om_f', JSON.stringify(['fp-cached', Date.now() + 3600_000]));
    const fresh = setup({ site: 'site1', consent: 'granted' });
    fresh.t.track('custom', 'x');
    await fresh.t.flush();
    expect(fresh.loader).not.toHaveBeenCalled();
    expect(events().at(-1)!.meta).toEqual({ fp: 'fp-cached' });
    fresh.t.destroy();
    vi.setSystemTime(Date.now() + 3600_000 + 1);
    const expired = setup({ site: 'site1', consent: 'granted' });
    await settle();
    expect(expired.loader).toHaveBeenCalledTimes(1);
    expired.t.destroy();
  });

  it('reaches the session in the page-hide flush when no event follows', async () => {
    const { t } = setup({ site: 'site1', consent: 'granted' });
    t.track('custom', 'a');
    await t.flush();
    await settle(); // learned after the last event
    setVisibility('hidden');
    expect(events().map((e) => [e.ec, e.ea, e.meta?.fp])).toEqual([
      ['custom', 'a', undefined],
      ['session', 'fingerprint', 'fp-abc'],
    ]);
    t.destroy();
  });

  it('is not taken under Global Privacy Control or Do Not Track, unless the site turns that off', async () => {
    signals(true, null);
    const gpc = setup({ site: 'site1', consent: 'granted' });
    await settle();
    expect(gpc.loader).not.toHaveBeenCalled();
    gpc.t.destroy();
    signals(undefined, '1');
    const dnt = setup({ site: 'site1', consent: 'granted' });
    await settle();
    expect(dnt.loader).not.toHaveBeenCalled();
    dnt.t.destroy();
    const off = setup({ site: 'site1', consent: 'granted' }, false);
    await settle();
    expect(off.loader).toHaveBeenCalledTimes(1);
    off.t.destroy();
  });

  it('withdrawn consent forgets it: no more meta.fp and no cached id', async () => {
    localStorage.setItem('om_f', JSON.stringify(['fp-abc', Date.now() + 3600_000]));
    const { t } = setup({ site: 'site1', consent: 'granted' });
    await settle();
    t.consent('denied');
    vi.setSystemTime(Date.now() + 31 * 60_000);
    t.track('custom', 'after');
    await t.flush();
    expect(events().at(-1)).not.toHaveProperty('meta');
    expect(localStorage.getItem('om_f')).not.toContain('fp-abc');
    t.destroy();
  });
});
