/**
 * The pipeline's attribution in both browser engines (test/support/engines.ts): a paid visit through
 * the script-tag demo page (click id, consent, fingerprint, a tap on the phone number), its call
 * matched to the session, and the same browser's return visit after the session expired, attributed
 * `ads_assisted`. On the embedded database only: visit.test.ts covers both databases and all three
 * ways in (in Chromium); this file is what Firefox adds.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine, type EngineBrowser } from '../../../test/support/engines.js';
import { PHONE, fingerprintKnown, preventDialer, trackerLoaded } from '../../../test/support/ways.js';
import { DESKTOP_UA } from './support/browser.js';
import { startDemoServer, type DemoServer } from './support/server.js';
import { callsMatching, eventually, sessionsWhere } from './support/expect-db.js';

// One server for both engines: each visitor is a fresh profile with a click id of its own.
let server: DemoServer;
beforeAll(async () => {
  server = await startDemoServer('pglite');
});
afterAll(async () => {
  await server?.close();
});

describeEachEngine(describe, 'a paid visit and the return visit', (engine) => {
  let browser: EngineBrowser;
  beforeAll(async () => {
    browser = await engine.launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('records the paid session with its call, then the return visit as ads assisted', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, userAgent: DESKTOP_UA });
    const gclid = `engines-${engine.name}-${randomUUID().slice(0, 8)}`;
    const page = await context.newPage();
    await page.goto(`${server.url}/script-tag/?gclid=${gclid}`);
    await page.waitForFunction(trackerLoaded);
    await page.click('#consent-accept');
    await page.waitForFunction(fingerprintKnown);
    // As on a phone whose dialer takes over (headless Chromium would stop delivering input otherwise).
    await page.evaluate(preventDialer);
    await page.click('#call-link');
    // The visitor leaves at the moment of the tap. The call is the tap's phone_click event, sent at
    // once with `keepalive`, so it survives the page; the tracker makes no call request of its own.
    await page.close();

    const [session, ...others] = await eventually(() => sessionsWhere(server.db, 'gclid = $1', [gclid]), (rows) => rows.length > 0 && Boolean(rows[0]!.fingerprint), 15_000, 'the paid session with its fingerprint');
    expect(others).toEqual([]);
    expect(session!.attribution).toBe('paid');
    const [call] = await eventually(() => callsMatching(server.db, session!.id), (rows) => rows.length > 0, 15_000, 'the matched call');
    expect(call).toMatchObject({ status: 'matched', phone_number: PHONE });
    expect(server.log.filter((e) => e.path === '/api/call-event')).toEqual([]);

    // The visitor comes back after the session expired (its last activity moved back 31 minutes,
    // on a page of the site without the tracker), with no click id.
    const again = await context.newPage();
    await again.goto(`${server.url}/script-tag/demo.css`);
    await again.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('om_s')!);
      localStorage.setItem('om_s', JSON.stringify({ ...s, t: s.t - 31 * 60_000 }));
    });
    await again.goto(`${server.url}/script-tag/`);
    await again.waitForFunction(trackerLoaded);
    await again.close();
    const [returning, ...more] = await eventually(
      () => sessionsWhere(server.db, 'fingerprint = $1 and id <> $2::uuid', [session!.fingerprint, session!.id]),
      (rows) => rows.length > 0,
      15_000,
      'the returning session',
    );
    expect(more).toEqual([]);
    expect(returning!.gclid).toBeNull();
    expect(returning!.attribution).toBe('ads_assisted');
    await context.close();
  });
});
