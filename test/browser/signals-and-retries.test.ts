/**
 * The built script tag (dist/opsmantik.min.js) in real headless Chromium and Firefox (one scenario,
 * two drivers: test/support/engines.ts), for behaviour that lives in the browser: Global Privacy
 * Control and Do Not Track honoured by default, a 500 from the server retried, and the first of two
 * click ids in the landing URL remembered. Needs `npm run build`.
 */
import { describe, expect, it } from 'vitest';
import { useEngineSink } from '../support/engine-sink.js';
import { describeEachEngine } from '../support/engines.js';

const page = (attrs: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Signals</title>
<script async src="/dist/opsmantik.min.js" data-site="test_site" ${attrs}></script>
</head><body><p>Hello</p></body></html>`;

describeEachEngine(describe, 'script tag: privacy signals, 500 and click ids', (engine) => {
  const env = useEngineSink(engine, {
    build: ['dist/opsmantik.min.js'],
    pages: {
      '/granted.html': page('data-consent="granted"'),
      '/granted-anyway.html': page('data-consent="granted" data-respect-signals="false"'),
      '/plain.html': page(''),
    },
  });

  const pageview = () => env.sink.events().find((e) => e.ec === 'pageview');

  /**
   * Loads `path` with the privacy signals given, and a fingerprint already cached for the day:
   * consent alone then puts it in the pageview's meta.fp, so its absence is the signal at work.
   */
  async function fingerprintOnPageview(path: string, signals: { gpc?: boolean; dnt?: string }) {
    await env.context.addInitScript((s) => {
      if (s.gpc !== undefined) Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: () => s.gpc });
      if (s.dnt !== undefined) Object.defineProperty(Navigator.prototype, 'doNotTrack', { configurable: true, get: () => s.dnt });
      localStorage.setItem('om_f', JSON.stringify(['fp-cached', Date.now() + 3600_000]));
    }, signals);
    const tab = await env.context.newPage();
    await tab.goto(`${env.sink.url}${path}`);
    await env.sink.until(() => pageview() !== undefined, 30_000, 'the pageview');
    await tab.close();
    return pageview()!.meta?.fp;
  }

  it('sends the fingerprint after consent when no signal is set', async () => {
    expect(await fingerprintOnPageview('/granted.html', {})).toBe('fp-cached');
  });

  it('does not send it under Global Privacy Control, with no attribute asking for that', async () => {
    expect(await fingerprintOnPageview('/granted.html', { gpc: true })).toBeUndefined();
  });

  it('does not send it under Do Not Track, with no attribute asking for that', async () => {
    expect(await fingerprintOnPageview('/granted.html', { dnt: '1' })).toBeUndefined();
  });

  it('sends it under Global Privacy Control when the site sets data-respect-signals="false"', async () => {
    expect(await fingerprintOnPageview('/granted-anyway.html', { gpc: true })).toBe('fp-cached');
  });

  it('retries a batch answered 500 (a database failure) and delivers it once', async () => {
    env.sink.fail(1, 500);
    const tab = await env.context.newPage();
    await tab.goto(`${env.sink.url}/plain.html`);
    await env.sink.until(() => pageview() !== undefined, 30_000, 'the pageview after a 500');
    const attempts = env.sink.received.filter((r) => r.path === '/api/sync');
    expect(attempts.map((r) => r.status)).toEqual([500, 200]);
    expect(attempts[1]!.body).toEqual(attempts[0]!.body);
    await tab.close();
  });

  it('remembers the first of two click ids of the landing URL for the next session', async () => {
    const tab = await env.context.newPage();
    await tab.goto(`${env.sink.url}/plain.html?gbraid=B1&gclid=G1`);
    await env.sink.until(() => pageview() !== undefined, 30_000, 'the landing pageview');
    expect(pageview()!.meta).toEqual({ gbraid: 'B1', gclid: 'G1' });
    // The session goes idle for 31 minutes (its last activity moved back), then the visitor returns.
    await tab.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('om_s')!);
      localStorage.setItem('om_s', JSON.stringify({ ...s, t: s.t - 31 * 60_000 }));
    });
    const sid = pageview()!.sid;
    await tab.goto(`${env.sink.url}/plain.html`);
    const later = () => env.sink.events().find((e) => e.ec === 'pageview' && e.sid !== sid);
    await env.sink.until(() => later() !== undefined, 30_000, 'the next session pageview');
    expect(later()!.meta).toEqual({ prev_gbraid: 'B1' });
    await tab.close();
  });
});
