/**
 * Global Privacy Control and Do Not Track are honoured BY DEFAULT, through the two ways a site
 * installs the tracker: the npm collector `fingerprint()` with no options, and the script tag with
 * no data-respect-signals attribute. Observed on the wire: with a fingerprint cached for the day,
 * consent alone would put it in `meta.fp` at once, so its absence is the signal at work.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTracker, fingerprint } from '../../src/index.js';
import { events, settle, useTrackerEnv } from './support.js';

useTrackerEnv();

type Signals = { gpc?: boolean; dnt?: string | null };
const setSignals = ({ gpc, dnt = null }: Signals) => {
  Object.defineProperty(navigator, 'globalPrivacyControl', { configurable: true, get: () => gpc });
  Object.defineProperty(navigator, 'doNotTrack', { configurable: true, get: () => dnt });
};
afterEach(() => setSignals({}));

/** What the fingerprint chunk stores after computing, valid for an hour. */
const cacheFingerprint = () => localStorage.setItem('om_f', JSON.stringify(['fp-cached', Date.now() + 3600_000]));

const cases: [string, boolean, Signals][] = [
  ['no signal', true, {}],
  ['Global Privacy Control', false, { gpc: true }],
  ['Do Not Track', false, { dnt: '1' }],
  ['Do Not Track set to 0', true, { dnt: '0' }],
];

describe('fingerprint() with no options', () => {
  const fpSent = async (options?: Parameters<typeof fingerprint>[0]) => {
    cacheFingerprint();
    const t = createTracker({ site: 'site1', delay: 0, consent: 'granted', collectors: [fingerprint(options)] });
    t.track('custom', 'a');
    await t.flush();
    t.destroy();
    return events().at(-1)!.meta?.fp;
  };

  it.each(cases)('%s: fingerprint sent after consent: %s', async (_name, expected, signals) => {
    setSignals(signals);
    expect(await fpSent()).toBe(expected ? 'fp-cached' : undefined);
  });

  it('respectSignals: false takes it under Global Privacy Control', async () => {
    setSignals({ gpc: true });
    expect(await fpSent({ respectSignals: false })).toBe('fp-cached');
  });
});

describe('the script tag with no data-respect-signals', () => {
  const fpSent = async (attrs = '') => {
    cacheFingerprint();
    // A fresh page: no copy of the script ran before (a second copy leaves the first one alone).
    delete (window as unknown as { opsmantik?: unknown }).opsmantik;
    document.body.innerHTML = `<script type="text/x-test" data-site="pub_1" data-consent="granted" ${attrs} src="https://cdn.example/t/opsmantik.min.js"></script>`;
    Object.defineProperty(document, 'currentScript', { configurable: true, get: () => document.querySelector('script') });
    vi.resetModules();
    await import('../../src/script.js');
    Object.defineProperty(document, 'currentScript', { configurable: true, get: () => null });
    const api = (window as unknown as { opsmantik: (...a: unknown[]) => void }).opsmantik;
    await settle();
    api('track', 'custom', 'a');
    api('flush');
    await settle();
    api('destroy');
    // (The pageview, the first event of the session, carries it.)
    return events().map((e) => e.meta?.fp).find(Boolean);
  };

  it.each(cases)('%s: fingerprint sent after consent: %s', async (_name, expected, signals) => {
    setSignals(signals);
    expect(await fpSent()).toBe(expected ? 'fp-cached' : undefined);
  });

  it('data-respect-signals="false" takes it under Do Not Track', async () => {
    setSignals({ dnt: '1' });
    expect(await fpSent('data-respect-signals="false"')).toBe('fp-cached');
  });
});
