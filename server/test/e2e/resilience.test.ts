/**
 * Nothing lost, nothing doubled, in a real browser, for each way in and each database (issue 5,
 * scenarios 3 and 4): the network goes away while events happen, a page closes while offline,
 * and the server fails for a while, including once after it has stored a batch.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { backends } from '../support/db.js';
import { launchBrowser, newVisitor } from './support/browser.js';
import { startDemoServer, type DemoServer } from './support/server.js';
import { callsMatching, eventsOf, eventually, isFingerprintNote, sessionsWhere, summary, visitorEvents, type EventRow } from './support/expect-db.js';
import { PHONE, WAYS, callPhone, checkPages, fingerprintReady, grantConsent, restOnPhone, scrollToBottom, secondRoute, submitForm, trackerReady } from '../../../test/support/ways.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** What the page did, per page: the landing page (scrolled, hovered) and the second route (form). */
const LANDING = ['hover_intent/hover', 'pageview/view', 'scroll/depth/25', 'scroll/depth/50', 'scroll/depth/75', 'scroll/depth/90'];
const ROUTE = ['conversion/lead_form', 'interaction/click', 'pageview/view'];

/**
 * Checks a session's events against what the test did, and that each is stored exactly once.
 * `pages`: page loads in the session (each may add one fingerprint note).
 */
function expectExactly(all: EventRow[], server: DemoServer, sessionId: string, landingMark: string, pages: number, extra: Record<string, string[]> = {}) {
  const stored = new Set(all.map((e) => e.client_event_id));
  expect(stored.size).toBe(all.length);
  const missing = server.receivedEvents(sessionId).filter((e) => !stored.has(e.i as string));
  expect(missing, 'events that reached the server but were not stored').toEqual([]);
  expect(stored.size).toBe(server.received(sessionId).size);
  expect(all.filter(isFingerprintNote).length).toBeLessThanOrEqual(pages);
  const events = visitorEvents(all);
  const route = events.filter((e) => e.url.includes('page=pricing'));
  const landing = events.filter((e) => e.url.includes(landingMark) && !route.includes(e));
  expect(summary(landing)).toEqual(LANDING);
  // The short second page may reach its own milestones (each once); everything else is exact.
  const routeScrolls = summary(route).filter((k) => k.startsWith('scroll/'));
  expect(new Set(routeScrolls).size).toBe(routeScrolls.length);
  expect(summary(route).filter((k) => !k.startsWith('scroll/'))).toEqual(ROUTE);
  for (const [mark, expected] of Object.entries(extra)) expect(summary(events.filter((e) => e.url.includes(mark)))).toEqual(expected);
  // Nothing else.
  expect(landing.length + route.length + Object.keys(extra).reduce((n, mark) => n + events.filter((e) => e.url.includes(mark)).length, 0)).toBe(events.length);
}

describe.each(backends)('on %s', (kind) => {
  let server: DemoServer;
  beforeAll(async () => {
    server = await startDemoServer(kind);
    await checkPages(server.url);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('records a call through a refused batch and a lost answer: one call, matched (script tag)', async () => {
    // The call is recorded from the tel: click's phone_click event, so it has the event's path: the
    // batch carrying it is refused, then stored with its answer lost, then sent again (a repeat).
    const context = await newVisitor(browser);
    const mark = `call-${randomUUID().slice(0, 8)}`;
    const page = await context.newPage();
    await page.goto(`${server.url}${WAYS[0].path}?gclid=${mark}`);
    await trackerReady(page);
    await grantConsent(page);
    await fingerprintReady(page);
    const [session] = await eventually(() => sessionsWhere(server.db, 'gclid = $1', [mark]), (r) => r.length > 0, 15_000, 'the session');
    const refusedBefore = server.refused;
    const logFrom = server.log.length;
    const syncs = () => server.log.slice(logFrom).filter((e) => e.path === '/api/sync');
    server.failing = /^\/api\/sync$/;
    try {
      await callPhone(page);
      await eventually(async () => server.refused - refusedBefore, (n) => n >= 1, 15_000, 'a refused batch');
      server.failing = undefined;
      server.loseResponses = 1;
      // Refused before the handler (not logged), stored with the answer lost (logged as the handler
      // answered, 200; the page got 503), then the repeat.
      await eventually(async () => syncs().filter((e) => e.status === 200).length, (n) => n >= 2, 30_000, 'the batch stored and its repeat');
      expect(server.loseResponses).toBe(0);
      const calls = await callsMatching(server.db, session!.id);
      expect(calls.map((c) => [c.status, c.phone_number])).toEqual([['matched', PHONE]]);
      // The repeat recorded no second call: one row carries this visitor's fingerprint.
      const [matched] = await sessionsWhere(server.db, 'id = $1::uuid', [session!.id]);
      const byFingerprint = await server.db.query<{ n: number }>(
        'select count(*)::int as n from public.calls where matched_fingerprint = $1', [matched!.fingerprint]);
      expect(byFingerprint[0]!.n).toBe(1);
      // And the tracker made no call request of its own.
      expect(server.log.slice(logFrom).filter((e) => e.path === '/api/call-event')).toEqual([]);
    } finally {
      server.failing = undefined;
      server.loseResponses = 0;
    }
    await context.close();
  });

  describe.each(WAYS)('$name', (way) => {
    it('keeps what happens offline, and delivers a page closed offline on the next visit, each event once', async () => {
      const context = await newVisitor(browser);
      const mark = `offline-${randomUUID().slice(0, 8)}`;
      const page = await context.newPage();
      await page.goto(`${server.url}${way.path}?gclid=${mark}`);
      await trackerReady(page);
      await grantConsent(page);
      const [session] = await eventually(() => sessionsWhere(server.db, 'gclid = $1', [mark]), (r) => r.length > 0, 15_000, 'the session');
      const id = session!.id;

      // 3a. Offline while the visitor scrolls, hovers and changes route; then back online.
      await context.setOffline(true);
      await scrollToBottom(page);
      await restOnPhone(page);
      await secondRoute(page);
      const whileOffline = server.received(id).size;
      await context.setOffline(false);
      await eventually(
        () => eventsOf(server.db, [id]),
        (events) => events.some((e) => e.event_category === 'hover_intent') && events.filter((e) => e.event_category === 'pageview').length === 2,
        15_000,
        'the events made offline',
      );
      expect(whileOffline).toBe(1); // only the landing view, sent before the network went away

      // 3b. Offline again: the form is sent and the page closed before the network comes back.
      await context.setOffline(true);
      await submitForm(page);
      await page.close();
      expect((await eventsOf(server.db, [id])).some((e) => e.event_action === 'lead_form')).toBe(false);
      await context.setOffline(false);
      const next = await context.newPage();
      await next.goto(`${server.url}${way.path}?next=${mark}`);
      await trackerReady(next);
      await eventually(
        () => eventsOf(server.db, [id]),
        (es) => es.some((e) => e.event_action === 'lead_form') && es.some((e) => e.url.includes(`next=${mark}`)),
        15_000,
        'the events of the page closed offline',
      );
      await next.close();
      // What the next page sends as it closes is in too.
      const events = await eventually(() => eventsOf(server.db, [id]), (es) => es.length >= server.received(id).size, 15_000, 'the last beacon');
      expectExactly(events, server, id, `gclid=${mark}`, 2, { [`next=${mark}`]: ['pageview/view'] });
      await context.close();
    });

    it('retries through a server outage and a lost response, storing each event once', async () => {
      const context = await newVisitor(browser);
      const mark = `outage-${randomUUID().slice(0, 8)}`;
      const page = await context.newPage();
      // 4. The server fails from the first request on: the landing view waits in the outbox.
      server.failing = /^\/api\/sync$/;
      const refusedBefore = server.refused;
      try {
        await page.goto(`${server.url}${way.path}?gclid=${mark}`);
        await trackerReady(page);
        await grantConsent(page);
        await scrollToBottom(page);
        await restOnPhone(page);
        // At least one retry was refused too.
        await eventually(async () => server.refused - refusedBefore, (n) => n >= 2, 15_000, 'two refused attempts');
        expect(await sessionsWhere(server.db, 'gclid = $1', [mark])).toEqual([]);
      } finally {
        server.failing = undefined;
      }
      // Then one batch is stored but its answer is lost: the tracker sends it again.
      server.loseResponses = 1;
      await secondRoute(page);
      await submitForm(page);
      const [session] = await eventually(() => sessionsWhere(server.db, 'gclid = $1', [mark]), (r) => r.length > 0, 20_000, 'the session');
      const id = session!.id;
      await eventually(
        () => eventsOf(server.db, [id]),
        (es) => es.some((e) => e.event_action === 'lead_form') && es.length >= server.received(id).size,
        30_000,
        'every event after the outage',
      );
      expect(server.loseResponses).toBe(0);
      await page.close();
      const final = await eventually(() => eventsOf(server.db, [id]), (es) => es.length >= server.received(id).size, 15_000, 'the last beacon');
      expectExactly(final, server, id, `gclid=${mark}`, 1);
      await context.close();
    });
  });
});
