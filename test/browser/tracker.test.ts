/**
 * The built script tag (dist/opsmantik.min.js) in real headless browsers, Chromium and Firefox (one
 * scenario, two drivers: test/support/engines.ts), against a local sink: scroll, hover, click tel:,
 * SPA navigation, offline and back, server errors, closing the page, two tabs. Every event must
 * reach the sink exactly once, by (sid, i). Needs `npm run build` first.
 */
import { describe, expect, it } from 'vitest';
import { useEngineSink } from '../support/engine-sink.js';
import { describeEachEngine, type EnginePage } from '../support/engines.js';
import type { Sink } from '../support/sink.js';
import { fingerprintKnown } from '../support/ways.js';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Tracker test page</title>
<style>body{margin:0;font:16px sans-serif} section{height:900px;border-bottom:1px solid #ccc}</style>
<script>
  window.opsmantik = window.opsmantik || function(){(opsmantik.q=opsmantik.q||[]).push(arguments)};
  opsmantik('track', 'stub', 'queued');
</script>
<script async src="/dist/opsmantik.min.js" data-site="test_site"></script>
</head><body>
<nav><a id="nav" href="/pricing">Pricing</a></nav>
<section><h1>Top</h1></section>
<section><button id="quote">Get a quote</button></section>
<section><p>More</p></section>
<section><p>Even more</p></section>
<section><a id="call" href="tel:+12025550123">Call +1 202 555 0123</a></section>
<script>
  document.getElementById('nav').addEventListener('click', (e) => {
    e.preventDefault();
    history.pushState({}, '', '/pricing');
    document.querySelector('h1').textContent = 'Pricing';
  });
</script>
</body></html>`;

const key = (e: { sid: string; i?: string }) => `${e.sid}/${e.i}`;

function expectExactlyOnce(sink: Sink) {
  const keys = sink.events().map(key);
  const dupes = keys.filter((k, n) => keys.indexOf(k) !== n);
  expect(dupes).toEqual([]);
}

const nextFrame = (page: EnginePage) => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

describeEachEngine(describe, 'script tag', (engine) => {
  const env = useEngineSink(engine, { build: ['dist/opsmantik.min.js'], pages: { '/page.html': PAGE }, context: { viewport: { width: 1000, height: 800 } } });

  const has = (ec: string, ea?: string, extra: (e: { ev?: number; el?: string; meta?: Record<string, unknown> }) => boolean = () => true) => () =>
    env.sink.events().some((e) => e.ec === ec && (ea === undefined || e.ea === ea) && extra(e));

  it('delivers every event exactly once through scroll, hover, tel: click, SPA navigation, offline and close', async () => {
    const page = await env.context.newPage();
    await page.goto(`${env.sink.url}/page.html`);
    await env.sink.until(has('pageview', 'view'), 30_000, 'the first pageview');
    // The stub queue ran: its event arrived with the pageview.
    expect(env.sink.events().find((e) => e.ec === 'stub')).toMatchObject({ s: 'test_site', ea: 'queued' });

    // Consent: FingerprintJS is imported from next to the script and computed in idle time.
    await page.evaluate(() => (window as any).opsmantik('consent', 'granted'));

    // Scroll to the bottom in steps, one frame each.
    for (let y = 0; y <= 4500; y += 300) {
      await page.wheel(300);
      await nextFrame(page);
    }
    await env.sink.until(() => [25, 50, 75, 90].every((m) => has('scroll', 'depth', (e) => e.ev === m)()), 30_000, 'four scroll milestones');

    // Rest on the button (hover intent), then pass quickly over it (no second event).
    await page.hover('#quote');
    await env.sink.until(has('hover_intent', 'hover', (e) => e.el === 'Get a quote'), 30_000, 'the hover intent');

    // The page learned the fingerprint (cached for a day in localStorage).
    await page.waitForFunction(fingerprintKnown);

    await page.click('#call');
    await env.sink.until(has('conversion', 'phone_click'), 30_000, 'the phone_click event');
    // The server records the call from this event: its number, its time, and its session, which
    // learned the fingerprint from an event of this page. No call request of its own.
    const carrier = env.sink.events().find((e) => typeof e.meta?.fp === 'string')!;
    expect(carrier.meta!.fp).toMatch(/^[0-9a-f]{32}$/);
    const clickEvent = env.sink.events().find((e) => e.ec === 'conversion' && e.ea === 'phone_click')!;
    expect(clickEvent).toMatchObject({ s: 'test_site', el: '+12025550123', sid: carrier.sid, sm: carrier.sm, t: expect.any(Number) });
    expect(env.sink.received.filter((r) => r.path !== '/api/sync')).toEqual([]);
    expect(env.sink.events().filter((e) => e.ec === 'conversion' && e.ea === 'phone_click')).toHaveLength(1);
    expect(env.sink.events().filter((e) => e.ec === 'interaction' && e.el === 'tel:+12025550123')).toHaveLength(1);

    // SPA navigation.
    await page.click('#nav');
    await env.sink.until(() => env.sink.events().some((e) => e.ec === 'pageview' && e.u.endsWith('/pricing')), 30_000, 'the SPA pageview');
    // A hash change is a navigation too (the browser fires popstate for it).
    await page.evaluate(() => (location.hash = '#faq'));
    await env.sink.until(() => env.sink.events().some((e) => e.ec === 'pageview' && e.u.endsWith('/pricing#faq')), 30_000, 'the hash pageview');

    // Offline: events wait in the outbox; back online, they go.
    await env.context.setOffline(true);
    await page.evaluate(() => {
      const om = (window as any).opsmantik;
      om('track', 'offline', 'one');
      om('track', 'offline', 'two');
      return om('flush');
    });
    const waiting = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith('om:e:'))
        .sort()
        .map((k) => JSON.parse(localStorage.getItem(k)!)[1].ea),
    );
    expect(waiting).toEqual(['one', 'two']);
    expect(has('offline')()).toBe(false);
    await env.context.setOffline(false);
    await env.sink.until(() => env.sink.events().filter((e) => e.ec === 'offline').length === 2, 30_000, 'the offline events');

    // Close the page: what waits goes by beacon.
    await page.evaluate(() => (window as any).opsmantik('track', 'closing', 'last'));
    await page.close();
    await env.sink.until(has('closing', 'last'), 30_000, 'the beacon sent on close');
    expect(env.sink.received.some((r) => r.path === '/api/sync' && r.contentType.startsWith('text/plain'))).toBe(true);

    expectExactlyOnce(env.sink);
    // One session throughout.
    expect(new Set(env.sink.events().map((e) => e.sid)).size).toBe(1);
  });

  it('retries after 503 and 429 (Retry-After) and still delivers each event once', async () => {
    env.sink.fail(1, 503);
    env.sink.fail(1, 429, 1);
    const page = await env.context.newPage();
    await page.goto(`${env.sink.url}/page.html`);
    await env.sink.until(has('pageview', 'view'), 30_000, 'the pageview after two refusals');
    expect(env.sink.received.filter((r) => r.path === '/api/sync').map((r) => r.status).slice(0, 3)).toEqual([503, 429, 200]);
    await page.close();
    expectExactlyOnce(env.sink);
  });

  it('retries a tel: click answered 503, and the page closed offline after a tel: click sends it on the next visit', async () => {
    const page = await env.context.newPage();
    await page.goto(`${env.sink.url}/page.html`);
    await env.sink.until(has('pageview', 'view'), 30_000, 'the pageview');
    env.sink.fail(1, 503);
    await page.click('#call');
    await env.sink.until(has('conversion', 'phone_click'), 30_000, 'the phone_click after a 503');
    const attempts = env.sink.received.filter((r) => r.path === '/api/sync' && JSON.stringify(r.body).includes('phone_click'));
    expect(attempts.map((r) => r.status)).toEqual([503, 200]);
    // The refused events again (same ids), with any made since: the server stores them, and records
    // the call, once.
    expect(attempts[1]!.body).toEqual(expect.arrayContaining(attempts[0]!.body as unknown[]));

    // Offline: the tel: click waits in the outbox, and the page is closed.
    await env.context.setOffline(true);
    // (A second trusted click on a tel: link never reaches headless Chromium's page while the first
    // one's external-protocol launch is pending, so this one is dispatched in the page.)
    await page.evaluate(() => document.getElementById('call')!.click());
    await page.waitForFunction(() =>
      Object.keys(localStorage).some((k) => k.startsWith('om:e:') && JSON.parse(localStorage.getItem(k)!)[1].ea === 'phone_click'),
    );
    await page.close();
    await env.context.setOffline(false);
    expect(env.sink.events().filter((e) => e.ea === 'phone_click')).toHaveLength(1);
    const next = await env.context.newPage();
    await next.goto(`${env.sink.url}/page.html`);
    await env.sink.until(() => env.sink.events().filter((e) => e.ea === 'phone_click').length === 2, 30_000, 'the tel: click kept from the closed page');
    await next.close();
    expect(env.sink.received.filter((r) => r.path !== '/api/sync')).toEqual([]);
    expectExactlyOnce(env.sink);
  });

  it('reports scroll milestones on a page whose html element is one viewport tall (html { height: 100% })', async () => {
    // The IntersectionObserver sees that element whole at every position: the scroll listener measures.
    env.sink.pages.set('/full-height.html', PAGE.replace('<style>', '<style>html,body{height:100%} '));
    const page = await env.context.newPage();
    await page.goto(`${env.sink.url}/full-height.html`);
    await env.sink.until(has('pageview', 'view'), 30_000, 'the pageview');
    expect(await page.evaluate(() => document.documentElement.getBoundingClientRect().height === innerHeight)).toBe(true);
    for (let y = 0; y <= 4500; y += 300) {
      await page.wheel(300);
      await nextFrame(page);
    }
    const depths = () => env.sink.events().filter((e) => e.ec === 'scroll' && e.u.endsWith('/full-height.html')).map((e) => e.ev);
    await env.sink.until(() => depths().length === 4, 30_000, 'four scroll milestones');
    expect(depths()).toEqual([25, 50, 75, 90]);
    await page.close();
    expectExactlyOnce(env.sink);
  });

  it('keeps the outbox across page loads: what a refused beacon left is sent by the next page', async () => {
    const page = await env.context.newPage();
    await page.goto(`${env.sink.url}/page.html`);
    await env.sink.until(has('pageview', 'view'), 30_000, 'the pageview');
    // The server is down when the page goes away: the tracker keeps the events.
    env.sink.fail(1, 503);
    await page.evaluate(() => {
      const om = (window as any).opsmantik;
      om('track', 'kept', 'one');
      return om('flush');
    });
    await page.close();
    expect(has('kept')()).toBe(false);
    const next = await env.context.newPage();
    await next.goto(`${env.sink.url}/page.html`);
    await env.sink.until(has('kept', 'one'), 30_000, 'the kept event from the earlier page');
    await next.close();
    expectExactlyOnce(env.sink);
  });

  // Known race, tracked in issue 14: both tabs claim the shared outbox after a random wait of up to
  // 1 s, and a claim reaches the other tab's localStorage only a moment later, so on a loaded machine
  // both may send the same events (the server stores them once by (sid, i); this test asks the wire
  // for once). One retry keeps an unlucky draw from failing the run; two failures in a row still do.
  it('two tabs back online at the same moment send the shared outbox once', { retry: 1 }, async () => {
    const [a, b] = [await env.context.newPage(), await env.context.newPage()];
    for (const page of [a, b]) await page.goto(`${env.sink.url}/page.html`);
    await env.sink.until(() => env.sink.events().filter((e) => e.ec === 'pageview').length === 2, 30_000, 'both pageviews');
    await env.context.setOffline(true);
    for (const [page, name] of [[a, 'a'], [b, 'b']] as const) {
      await page.evaluate((n) => {
        const om = (window as any).opsmantik;
        for (let k = 0; k < 5; k++) om('track', 'tab', n + k);
        return om('flush');
      }, name);
    }
    // One outbox for both tabs (each sees the other's writes a moment later).
    await a.waitForFunction(() => Object.keys(localStorage).filter((k) => k.startsWith('om:e:')).length === 10);
    await env.context.setOffline(false);
    await env.sink.until(() => env.sink.events().filter((e) => e.ec === 'tab').length >= 10, 30_000, 'the ten tab events');
    expect(env.sink.events().filter((e) => e.ec === 'tab').map((e) => e.ea).sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4']);
    await a.close();
    await b.close();
    expectExactlyOnce(env.sink);
  });
});
