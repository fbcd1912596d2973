/**
 * The edges of the contract that a small slip in the code would move without any other test
 * noticing (each found by breaking the code on purpose, issue 17): the month window checked for
 * every event of a batch, the body limit as a number, the call window's exact edge, an earlier
 * paid session for ads-assisted, and a URL with a click id twice. Limits are written as literal
 * numbers from the contract, not read from the wire module, so a changed constant fails here.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { callEvent, counts, openHarness, sync, wireEvent, type Harness } from '../support/harness.js';
import { shiftMonth } from '../../src/rules/months.js';

const MIN = 60_000;

describe.each(backends)('contract edges on %s', (kind) => {
  let h: Harness;
  let site: string;
  beforeAll(async () => {
    h = await openHarness(kind);
    site = h.site.publicId;
  });
  afterAll(async () => {
    await h?.close();
  });

  const partitionsOf = async (month: string) =>
    (
      await h.db.query<{ relname: string }>(
        `select relname from pg_class where relname in ($1, $2) order by relname`,
        [`sessions_${month.replace('-', '_')}`, `events_${month.replace('-', '_')}`],
      )
    ).map((r) => r.relname);

  describe('the month window', () => {
    it('is checked for every event of a batch: a later event with a far month refuses the whole batch and creates no partition', async () => {
      const far = shiftMonth(Date.now(), 36);
      expect(await partitionsOf(far)).toEqual([]);
      const before = await counts(h.db);
      const res = await sync(h.handler, [wireEvent(site), wireEvent(site), wireEvent(site, { sm: far })]);
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ status: 'error', error: 'month_out_of_window', message: expect.stringContaining(far) });
      expect(await counts(h.db)).toEqual(before);
      expect(await partitionsOf(far)).toEqual([]);
    });

    it('refuses a batch whose last event names a month two back', async () => {
      const before = await counts(h.db);
      const res = await sync(h.handler, [wireEvent(site), wireEvent(site, { sm: shiftMonth(Date.now(), -2) })]);
      expect(res.json.error).toBe('month_out_of_window');
      expect(await counts(h.db)).toEqual(before);
    });
  });

  describe('the body limit of 64 KiB', () => {
    /** A valid batch padded with JSON whitespace to exactly `size` bytes. */
    const bodyOf = (size: number) => {
      const json = JSON.stringify([wireEvent(site)]);
      return json + ' '.repeat(size - new TextEncoder().encode(json).length);
    };

    it('takes a body of exactly 65536 bytes', async () => {
      const body = bodyOf(65536);
      expect(new TextEncoder().encode(body).length).toBe(65536);
      const res = await sync(h.handler, body);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ status: 'synced', accepted: 1 });
    });

    it('refuses 65537 bytes with 413 body_too_large and writes nothing', async () => {
      const before = await counts(h.db);
      const res = await sync(h.handler, bodyOf(65537));
      expect(res.status).toBe(413);
      expect(res.json).toEqual({ status: 'error', error: 'body_too_large', message: expect.any(String) });
      expect(await counts(h.db)).toEqual(before);
    });
  });

  describe('call matching window', () => {
    const phone = '+90 532 555 12 34';
    // Fingerprint matching is for the site's own systems (telephony, CRM), which send the site secret.
    const telephony = () => ({ headers: { authorization: `Bearer ${h.site.secret}` } });
    const iso = (ms: number) => new Date(ms).toISOString();
    const visit = async (visitor: string, at: number) => {
      const e = wireEvent(site, { t: at, meta: { fp: visitor } });
      expect((await sync(h.handler, e)).status).toBe(200);
      return e.sid;
    };

    it('an event exactly 30:00 before the call matches; 30:00.001 before does not', async () => {
      const visitor = `fp-${randomUUID()}`;
      const eventAt = Date.now() - 3 * 3600_000;
      const sid = await visit(visitor, eventAt);
      const edge = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(eventAt + 30 * MIN) }, telephony());
      expect(edge.json).toMatchObject({ status: 'matched', session_id: sid });
      const past = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(eventAt + 30 * MIN + 1) }, telephony());
      expect(past.json).toMatchObject({ status: 'unmatched', session_id: null });
    });

    it('an event at the very moment of the call matches', async () => {
      const visitor = `fp-${randomUUID()}`;
      const eventAt = Date.now() - 4 * 3600_000;
      const sid = await visit(visitor, eventAt);
      const res = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(eventAt) }, telephony());
      expect(res.json).toMatchObject({ status: 'matched', session_id: sid });
    });
  });

  describe('ads-assisted needs an EARLIER paid session', () => {
    const attribution = async (sid: string) =>
      (await h.db.query<{ attribution: string; lead_score: number }>('select attribution, lead_score from public.sessions where id = $1', [sid]))[0];

    it('a later paid session of the same visitor leaves an earlier organic one organic', async () => {
      const visitor = `fp-${randomUUID()}`;
      const organic = wireEvent(site, { meta: { fp: visitor } });
      await sync(h.handler, organic);
      expect(await attribution(organic.sid)).toEqual({ attribution: 'organic', lead_score: 0 });
      // The same visitor comes back later from an ad: a new, paid session.
      const paid = wireEvent(site, { u: 'https://shop.example/?gclid=G-later', meta: { fp: visitor } });
      await sync(h.handler, paid);
      expect((await attribution(paid.sid))!.attribution).toBe('paid');
      // The first session is written again (a late event, e.g. from another tab): still organic, no +25.
      const late = await sync(h.handler, wireEvent(site, { sid: organic.sid, ec: 'scroll', ea: 'depth', ev: 25, meta: { fp: visitor } }));
      expect(late.json.score).toBe(0);
      expect(await attribution(organic.sid)).toEqual({ attribution: 'organic', lead_score: 0 });
    });
  });

  describe('a URL with a click id twice', () => {
    it('keeps the first value, in the session and in the click-id cookie', async () => {
      const e = wireEvent(site, { u: 'https://shop.example/?gclid=G-first&gclid=G-second' });
      const res = await sync(h.handler, e, { url: 'https://shop.example/api/sync' });
      expect(res.status).toBe(200);
      const [row] = await h.db.query<{ gclid: string }>('select gclid from public.sessions where id = $1', [e.sid]);
      expect(row!.gclid).toBe('G-first');
      expect(res.headers.get('set-cookie')).toContain(`om_click=${encodeURIComponent('gclid:G-first')};`);
    });
  });
});
