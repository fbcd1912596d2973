/**
 * The live view's own behaviour in a real browser: where its token comes from and goes, what it
 * does with a wrong one, and that visitor data is shown as text, never run as markup.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { backends } from '../support/db.js';
import { DESKTOP_UA, launchBrowser, newVisitor } from './support/browser.js';
import { startDemoServer, type DemoServer } from './support/server.js';

// Behaviour of the page, not of the database: one backend is enough.
const kind = backends[0]!;

describe(`the live view (on ${kind})`, () => {
  let browser: Browser;
  let server: DemoServer;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startDemoServer(kind, { checkBuild: false });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('takes the token from the fragment, hides it, and keeps it for a reload', async () => {
    context = await newVisitor(browser);
    const page = await context.newPage();
    await page.goto(server.liveUrl());
    await page.locator('#status[data-state="live"]').waitFor();
    expect(page.url()).not.toContain(server.demo.liveToken);
    expect(page.url()).toContain('site=demo');
    await page.reload();
    await page.locator('#status[data-state="live"]').waitFor();
    expect(await page.locator('#token-form').isHidden()).toBe(true);
    // The Google Ads panel reads /api/ads/uploads with the same token; the demo has uploaded nothing.
    await page.locator('#ads .ads-run[data-status="never"]').waitFor();
    expect(await page.locator('#ads .ads-counts').textContent()).toBe('0 sent · 0 retrying · 0 refused');
    await context.close();
  });

  it('asks for the token when it has none or the server refuses it', async () => {
    context = await newVisitor(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/live/`);
    await page.locator('#token-form').waitFor({ state: 'visible' });
    expect(await page.locator('#status').getAttribute('data-state')).toBe('off');
    await page.goto(`${server.url}/live/#site=demo&token=oml_wrong`);
    await page.reload();
    await page.locator('#token-form .form-message', { hasText: 'not valid' }).waitFor();
    // Pasting the right one connects.
    await page.fill('#token-form [name=token]', server.demo.liveToken);
    await page.click('#token-form [type=submit]');
    await page.locator('#status[data-state="live"]').waitFor();
    await context.close();
  });

  it('shows labels, URLs and click ids from visitors as text', async () => {
    context = await newVisitor(browser);
    const page = await context.newPage();
    await page.goto(server.liveUrl());
    await page.locator('#status[data-state="live"]').waitFor();
    await page.evaluate(() => {
      (window as unknown as { pwned: number }).pwned = 0;
    });
    const sid = randomUUID();
    const evil = '<img src=x onerror="window.pwned=1">';
    const res = await fetch(`${server.url}/api/sync`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': 'text/plain', 'user-agent': DESKTOP_UA },
      body: JSON.stringify([
        { s: 'demo', u: `${server.url}/?gclid=${encodeURIComponent(evil)}`, sid, sm: new Date().toISOString().slice(0, 7), ec: 'pageview', ea: 'view', r: evil },
        { s: 'demo', u: `${server.url}/`, sid, sm: new Date().toISOString().slice(0, 7), ec: 'interaction', ea: 'click', el: evil },
      ]),
    });
    expect(res.status).toBe(200);
    const card = page.locator(`[data-session="${sid}"]`);
    await card.locator('.ev.interaction').waitFor();
    expect(await card.locator('img').count()).toBe(0);
    expect(await card.textContent()).toContain(evil);
    expect(await page.evaluate(() => (window as unknown as { pwned: number }).pwned)).toBe(0);
    await context.close();
  });
  it('is reached from the demo landing page, which passes a token on and links the three ways in', async () => {
    context = await newVisitor(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/#site=demo&token=${encodeURIComponent(server.demo.liveToken)}`);
    // The token moves from the address bar into the live view's link.
    expect(page.url()).not.toContain(server.demo.liveToken);
    for (const id of ['way-script-tag', 'way-npm-spa', 'way-tag-manager']) {
      const href = await page.locator(`#${id}`).getAttribute('href');
      expect((await fetch(new URL(href!, server.url))).status).toBe(200);
    }
    await page.click('#live-link');
    await page.locator('#status[data-state="live"]').waitFor();
    await context.close();
  });
});
