/**
 * The whole pipeline in a real browser, for each way in and each database: a paid visit, a
 * returning visit, and the site owner's live view watching both (issue 5, scenarios 1, 2 and 5).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { backends } from '../support/db.js';
import { launchBrowser, newVisitor } from './support/browser.js';
import { startDemoServer, type DemoServer } from './support/server.js';
import { callsMatching, contractScore, eventsOf, eventually, isFingerprintNote, sessionsWhere, summary, visitorEvents, type EventRow } from './support/expect-db.js';
import { PHONE, WAYS, checkPages, callPhone, fingerprintReady, grantConsent, restOnPhone, scrollToBottom, secondRoute, submitForm, trackerReady } from '../../../test/support/ways.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Events of one session once everything that reached the server for it is stored. */
async function settledEvents(server: DemoServer, sessionId: string, done: (events: EventRow[]) => boolean, anyMonth = false): Promise<EventRow[]> {
  return eventually(
    () => eventsOf(server.db, [sessionId], anyMonth),
    (events) => done(events) && events.length >= server.received(sessionId).size,
    15_000,
    `the events of session ${sessionId}`,
  );
}

describe.each(backends)('on %s', (kind) => {
  let server: DemoServer;
  let live: Page;
  beforeAll(async () => {
    server = await startDemoServer(kind);
    await checkPages(server.url);
    // The site owner watches from the start, in a browser of their own.
    live = await (await newVisitor(browser)).newPage();
    await live.goto(server.liveUrl());
    await live.locator('#status[data-state="live"]').waitFor();
  });
  afterAll(async () => {
    await live?.context().close();
    await server?.close();
  });

  describe.each(WAYS)('$name', (way) => {
    it('records a paid visit, then a returning one as ads assisted, and the live view shows both', async () => {
      const context = await newVisitor(browser);
      const gclid = `e2e-${way.path.replace(/\W/g, '')}-${randomUUID().slice(0, 8)}`;

      // 1. Land from an ad, scroll to the bottom, rest on the phone number, call, switch route, send the form.
      const page = await context.newPage();
      await page.goto(`${server.url}${way.path}?gclid=${gclid}`);
      await trackerReady(page);
      await grantConsent(page);
      // The fingerprint is computed once the visitor pauses (or after ~5 s): this visitor pauses
      // here, so the session and the call carry it (a call tapped earlier waits for it: below).
      await fingerprintReady(page);
      await scrollToBottom(page);
      await restOnPhone(page);
      await callPhone(page);
      await secondRoute(page);
      await submitForm(page);
      await page.close();

      const [first] = await eventually(() => sessionsWhere(server.db, 'gclid = $1', [gclid]), (rows) => rows.length > 0, 15_000, 'the paid session');
      const all = await settledEvents(server, first!.id, (es) => es.some((e) => e.event_action === 'lead_form'));
      const events = visitorEvents(all);
      const [session, ...others] = await sessionsWhere(server.db, 'gclid = $1', [gclid]);
      expect(others).toEqual([]);
      // Every event that reached the server is stored, once.
      const storedIds = new Set(all.map((e) => e.client_event_id));
      expect(server.receivedEvents(session!.id).filter((e) => !storedIds.has(e.i as string)), 'received but not stored').toEqual([]);
      expect(storedIds.size).toBe(all.length);
      // At most one fingerprint note for the one page load; the rest is what the visitor did.
      expect(all.filter(isFingerprintNote).length).toBeLessThanOrEqual(1);

      // Events of the landing page, and of the second route (whose URL may keep the click id).
      const route = events.filter((e) => e.url.includes('page=pricing'));
      const landing = events.filter((e) => !route.includes(e));
      expect(landing.every((e) => e.url.includes(gclid))).toBe(true);
      // The landing page: view, four scroll milestones, the hover, the call.
      expect(summary(landing)).toEqual(
        ['conversion/phone_click', 'hover_intent/hover', 'interaction/click', 'pageview/view', 'scroll/depth/25', 'scroll/depth/50', 'scroll/depth/75', 'scroll/depth/90'],
      );
      expect(landing.find((e) => e.event_category === 'hover_intent')!.event_label).toBe(`tel:${PHONE}`);
      expect(landing.find((e) => e.event_category === 'interaction')!.event_label).toBe(`tel:${PHONE}`);
      // The second route: its view, the form (sent with its button), and whatever milestones its
      // own (short) page reached, each at most once.
      expect(summary(route).filter((k) => !k.startsWith('scroll/'))).toEqual(['conversion/lead_form', 'interaction/click', 'pageview/view']);
      const routeScrolls = summary(route).filter((k) => k.startsWith('scroll/'));
      expect(new Set(routeScrolls).size).toBe(routeScrolls.length);

      expect(session!.attribution).toBe('paid');
      expect(session!.fingerprint).toBeTruthy();
      const paidScore = contractScore({
        conversion: true,
        interaction: true,
        scrolledTo: 90,
        hoverIntent: true,
        googleReferrer: false,
        attribution: 'paid',
      });
      expect(session!.lead_score).toBe(paidScore);
      const [call, ...moreCalls] = await eventually(
        () => callsMatching(server.db, session!.id),
        (rows) => rows.length > 0,
        10_000,
        `the call matched to session ${session!.id} (fingerprint ${session!.fingerprint})`,
      ).catch(async (error: Error) => {
        const calls = await server.db.query('select status, matched_fingerprint, matched_session_id, call_time from public.calls order by created_at');
        throw new Error(`${error.message}; calls: ${JSON.stringify(calls)}`);
      });
      expect(moreCalls).toEqual([]);
      expect(call).toMatchObject({ status: 'matched', phone_number: PHONE });

      // 5. The live view shows the session, its score and attribution, and the call matched to it.
      await live.locator(`#sessions [data-session="${session!.id}"][data-attribution="paid"][data-score="${paidScore}"]`).waitFor({ timeout: 2000 });
      expect(await live.locator(`[data-session="${session!.id}"] [data-role="click-id"]`).textContent()).toContain(gclid.slice(0, 24));
      await live.locator(`#calls [data-call="${call!.id}"][data-matched-session="${session!.id}"]`).waitFor({ timeout: 2000 });

      // 2. The same browser comes back more than 30 minutes later, without a click id.
      const again = await context.newPage();
      await again.clock.install({ time: Date.now() + 31 * 60_000 });
      await again.goto(`${server.url}${way.path}`);
      await trackerReady(again);
      await again.close();
      const [returning, ...more] = await eventually(
        // Its clock runs 31 minutes ahead, so near a month's end it may start in next month's partition.
        () => sessionsWhere(server.db, 'fingerprint = $1 and id <> $2::uuid', [session!.fingerprint, session!.id], true),
        (rows) => rows.length > 0,
        15_000,
        'the returning session',
      );
      // The only other session with this fingerprint is the paid one: attribution had nothing else to go by.
      expect(more).toEqual([]);
      const returningEvents = await settledEvents(server, returning!.id, (es) => es.length > 0, true);
      expect(summary(visitorEvents(returningEvents))).toEqual(['pageview/view']);
      expect(returningEvents.filter(isFingerprintNote).length).toBeLessThanOrEqual(1);
      const [stored] = await sessionsWhere(server.db, 'id = $1::uuid', [returning!.id], true);
      expect(stored!.gclid).toBeNull();
      expect(stored!.attribution).toBe('ads_assisted');
      const returningScore = contractScore({
        conversion: false,
        interaction: false,
        scrolledTo: 0,
        hoverIntent: false,
        googleReferrer: false,
        attribution: 'ads_assisted',
      });
      expect(stored!.lead_score).toBe(returningScore);
      await live.locator(`#sessions [data-session="${stored!.id}"][data-attribution="ads_assisted"][data-score="${returningScore}"]`).waitFor({ timeout: 2000 });
      await context.close();
    });
  });
  it('matches a call clicked before the fingerprint is known (script tag)', async () => {
    // A visitor who accepts and taps the number at once: the fingerprint is computed in idle time
    // after that, so the call leaves without it, naming its session, and still finds that session.
    const context = await newVisitor(browser);
    const gclid = `e2e-quickcall-${randomUUID().slice(0, 8)}`;
    const page = await context.newPage();
    await page.goto(`${server.url}/script-tag/?gclid=${gclid}`);
    await trackerReady(page);
    await grantConsent(page);
    await callPhone(page);
    // The session may learn its fingerprint only with a later event (or never, on this page): the
    // call does not depend on it.
    const [session] = await eventually(
      () => sessionsWhere(server.db, 'gclid = $1', [gclid]),
      (rows) => rows.length > 0,
      15_000,
      'the session',
    );
    const calls = await eventually(
      () => server.db.query<{ status: string; matched_session_id: string | null; reported_session_id: string }>(
        'select status, matched_session_id::text, reported_session_id::text from public.calls where reported_session_id = $1',
        [session!.id],
      ),
      (rows) => rows.length > 0,
      15_000,
      'the call',
    );
    expect(calls).toEqual([{ status: 'matched', matched_session_id: session!.id, reported_session_id: session!.id }]);
    await context.close();
  });
});
