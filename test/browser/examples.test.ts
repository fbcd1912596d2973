/**
 * The three example pages (examples/script-tag, npm-spa, tag-manager) work in real Chromium:
 * each sends its pageview, takes consent, and turns the quote form into a `lead_form` conversion.
 * Served as the demo server serves them: examples/ at /, dist/ at /dist/. Needs `npm run build`.
 */
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { requireBuild } from '../support/build.js';
import { startSink, type Sink } from '../support/sink.js';
import { fingerprintReady } from '../support/ways.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeWithChromium(describe)('example pages in Chromium', () => {
  let browser: Browser;
  let sink: Sink;
  beforeAll(async () => {
    requireBuild(['dist/demo/npm-spa.js']);
    browser = await launchChromium();
    sink = await startSink(`${root}/examples`, { '/dist/': `${root}/dist` });
  });
  afterAll(async () => {
    await browser?.close();
    await sink?.close();
  });

  it.each(['script-tag', 'npm-spa', 'tag-manager'])('%s', async (way) => {
    sink.received.length = 0;
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    await page.goto(`${sink.url}/${way}/?gclid=test-${way}`);
    await sink.until(() => sink.events().some((e) => e.ec === 'pageview'), 30_000, `the ${way} pageview`);
    expect(sink.events().find((e) => e.ec === 'pageview')!).toMatchObject({ s: 'demo', meta: { gclid: `test-${way}` } });

    await page.click('#consent-accept');
    await fingerprintReady(page);
    await page.click('#route-second');
    await page.fill('#lead-form [name=email]', 'lead@example.com');
    await page.press('#lead-form [name=email]', 'Enter');
    await page.locator('#lead-thanks').waitFor({ state: 'visible' });
    await sink.until(() => sink.events().some((e) => e.ec === 'conversion' && e.ea === 'lead_form'), 30_000, `the ${way} conversion`);
    await sink.until(() => sink.events().some((e) => e.ec === 'pageview' && e.u.includes('page=pricing')), 30_000, 'the second route');
    // The session learned the fingerprint with the events after consent.
    expect(sink.events().some((e) => typeof e.meta?.fp === 'string')).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
