/**
 * What an outsider or another tenant could use through the HTTP API (issue 12), each finding kept
 * as a test that fails on the code before the fix: the call oracle, session ids across sites,
 * the rate limit and site cache under made-up ids, phone numbers, the demo's public id, event URLs.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { callEvent, counts, openHarness, sync, wireEvent, type Harness } from '../support/harness.js';
import { createDemoSite } from '../../src/node/demo.js';
import { createSite, PublicIdTakenError } from '../../src/store/sites.js';
import { createHandler } from '../../src/http/handler.js';
import type { Db } from '../../src/store/db/types.js';
import { monthOf } from '../../../src/wire.js';

const MIN = 60_000;
const PHONE = '+90 532 555 12 34';

describe.each(backends)('what an outsider can learn or change, on %s', (kind) => {
  let h: Harness;
  let site: string;
  beforeAll(async () => {
    h = await openHarness(kind);
    site = h.site.publicId;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A visitor's session on the harness site, with a conversion a few minutes ago; returns the event. */
  async function visitor(fp: string) {
    const e = wireEvent(site, { t: Date.now() - 3 * MIN, meta: { fp }, ec: 'conversion', ea: 'phone_click' });
    expect((await sync(h.handler, e)).status).toBe(200);
    return e;
  }

  describe('finding 1: /api/call-event is no oracle', () => {
    it('a forged Origin and a fingerprint get "recorded": no session id, no score; the call is stored and matched', async () => {
      const fp = `fp-${randomUUID()}`;
      const e = await visitor(fp);
      // Any non-browser client can send the site's Origin.
      const res = await callEvent(h.handler, { site_id: site, phone_number: PHONE, fingerprint: fp }, {
        headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131 Safari/537.36' },
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: 'recorded', call_id: expect.any(String) });
      expect(res.text).not.toContain(e.sid);
      // Recorded and matched server-side: the owner sees it.
      const [row] = await h.db.query<any>('select status, matched_session_id, source from public.calls where id = $1', [res.json.call_id]);
      expect(row).toEqual({ status: 'matched', matched_session_id: e.sid, source: 'tracker' });
    });

    it('the answer is the same whether the fingerprint visited or not', async () => {
      const fp = `fp-${randomUUID()}`;
      await visitor(fp);
      const seen = await callEvent(h.handler, { site_id: site, phone_number: PHONE, fingerprint: fp });
      const never = await callEvent(h.handler, { site_id: site, phone_number: PHONE, fingerprint: `fp-${randomUUID()}` });
      const shape = (j: any) => ({ ...j, call_id: typeof j.call_id });
      expect(shape(seen.json)).toEqual(shape(never.json));
    });

    it("naming another visitor's or another site's session id matches nothing and tells nothing", async () => {
      const other = await h.newSite();
      const theirs = wireEvent(other.publicId, { t: Date.now() - MIN });
      await sync(h.handler, theirs);
      const res = await callEvent(h.handler, { site_id: site, phone_number: PHONE, sid: theirs.sid, sm: theirs.sm });
      expect(res.json).toEqual({ status: 'unmatched', call_id: expect.any(String), session_id: null, lead_score: null });
      const [row] = await h.db.query<any>('select status, reported_session_id from public.calls where id = $1', [res.json.call_id]);
      expect(row).toEqual({ status: 'unmatched', reported_session_id: theirs.sid });
    });

    it('a call needs a session or a fingerprint, and sid comes with sm', async () => {
      const before = await counts(h.db);
      const none = await callEvent(h.handler, { site_id: site, phone_number: PHONE });
      expect(none.status).toBe(400);
      expect(none.json).toMatchObject({ error: 'invalid_body', message: expect.stringContaining('sid') });
      const half = await callEvent(h.handler, { site_id: site, phone_number: PHONE, sid: randomUUID() });
      expect(half.status).toBe(400);
      expect(await counts(h.db)).toEqual(before);
    });
  });

  describe('finding 3: a session id belongs to one site in every month', () => {
    it("another site's session id is refused this month and next, with a message that reveals nothing", async () => {
      const other = await h.newSite();
      const theirs = wireEvent(other.publicId);
      await sync(h.handler, theirs);
      const before = await counts(h.db);
      const next = monthOf(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1));
      const same = await sync(h.handler, wireEvent(site, { sid: theirs.sid }));
      const later = await sync(h.handler, wireEvent(site, { sid: theirs.sid, sm: next }));
      for (const res of [same, later]) {
        expect(res.status).toBe(400);
        expect(res.json).toEqual({ status: 'error', error: 'session_unavailable', message: expect.any(String) });
        expect(res.json.message).not.toMatch(/another|other site|exists|belongs/i);
      }
      expect(same.json).toEqual(later.json);
      expect(await counts(h.db)).toEqual(before);
      // The owning site continues its session in the next month as before.
      expect((await sync(h.handler, wireEvent(other.publicId, { sid: theirs.sid, sm: next }))).status).toBe(200);
    });
  });

  describe('finding 5: phone numbers are checked and normalised', () => {
    it.each(['......', '+', '() () ()', '+1 555 0199', '12'])('%j is refused with a 400 that says why, and nothing is stored', async (junk) => {
      const e = await visitor(`fp-${randomUUID()}`);
      const before = await counts(h.db);
      const res = await callEvent(h.handler, { site_id: site, phone_number: junk, sid: e.sid, sm: e.sm });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ status: 'error', error: expect.stringMatching(/^invalid_(phone_number|body)$/), message: expect.stringContaining('phone_number') });
      expect(await counts(h.db)).toEqual(before);
    });

    it('one number written two ways is one call, stored as E.164', async () => {
      const e = await visitor(`fp-${randomUUID()}`);
      const at = new Date(Date.now() - MIN).toISOString();
      const a = await callEvent(h.handler, { site_id: site, phone_number: '+1 202 555 0199', sid: e.sid, sm: e.sm, call_time: at });
      const b = await callEvent(h.handler, { site_id: site, phone_number: '+12025550199', sid: e.sid, sm: e.sm, call_time: at });
      expect(b.json).toEqual(a.json);
      const rows = await h.db.query<{ phone_number: string }>('select phone_number from public.calls where reported_session_id = $1', [e.sid]);
      expect(rows).toEqual([{ phone_number: '+12025550199' }]);
    });

    it("a national number is read in the site's default region, and refused where the site has none", async () => {
      const tr = await createSite(h.db, { ownerEmail: `tr-${randomUUID().slice(0, 8)}@example.com`, origins: ['https://shop.example'], phoneRegion: 'TR' });
      const e = wireEvent(tr.publicId, { t: Date.now() - MIN });
      await sync(h.handler, e);
      const national = await callEvent(h.handler, { site_id: tr.publicId, phone_number: '0212 555 01 99', sid: e.sid, sm: e.sm });
      expect(national.json).toMatchObject({ status: 'matched', session_id: e.sid });
      const [row] = await h.db.query<any>('select phone_number from public.calls where id = $1', [national.json.call_id]);
      expect(row.phone_number).toBe('+902125550199');
      const mine = await visitor(`fp-${randomUUID()}`);
      const noRegion = await callEvent(h.handler, { site_id: site, phone_number: '0212 555 01 99', sid: mine.sid, sm: mine.sm });
      expect(noRegion.status).toBe(400);
      expect(noRegion.json).toMatchObject({ error: 'invalid_phone_number', message: expect.stringContaining('country code') });
    });
  });

  describe('finding 4: the rate limit reads nothing from the body, and made-up ids cost no lookups', () => {
    it('rotating random site ids is limited per address, and over the limit no site is looked up', async () => {
      let siteQueries = 0;
      const counting: Db = {
        ...h.db,
        kind: h.db.kind,
        query: (text, params) => {
          if (text.includes('from public.sites where public_id')) siteQueries += 1;
          return h.db.query(text, params);
        },
      };
      const handler = createHandler({ db: counting, limits: { sync: 5, call: 5 }, log: () => undefined });
      try {
        const answers: number[] = [];
        for (let n = 0; n < 8; n++) {
          answers.push((await sync(handler, wireEvent(`made-up-${randomUUID()}`), { ip: '198.51.100.44' })).status);
        }
        expect(answers).toEqual([404, 404, 404, 404, 404, 429, 429, 429]);
        expect(siteQueries).toBe(5);
        // Another address still gets through.
        expect((await sync(handler, wireEvent(site), { ip: '198.51.100.45' })).status).toBe(200);
      } finally {
        await handler.close();
      }
    });
  });

  describe('finding 6: the demo never re-keys a site of someone else', () => {
    it("a tenant's site holding the public id demo keeps its keys and origins; the demo refuses to start", async () => {
      await h.db.query("delete from public.sites where public_id = 'demo'");
      // Taken before reserved ids existed (or by the server for someone): owned by a tenant.
      const tenant = await createSite(h.db, { ownerEmail: `tenant-${randomUUID().slice(0, 8)}@example.com`, origins: ['https://tenant.example'], publicId: 'demo' });
      const before = await h.db.query("select user_id, allowed_origins, secret_hash, live_token_hash from public.sites where public_id = 'demo'");
      await expect(createDemoSite(h.db, 3000)).rejects.toBeInstanceOf(PublicIdTakenError);
      expect(await h.db.query("select user_id, allowed_origins, secret_hash, live_token_hash from public.sites where public_id = 'demo'")).toEqual(before);
      expect(before[0]).toMatchObject({ user_id: tenant.userId, allowed_origins: ['https://tenant.example'] });
      // The demo's own site is re-keyed on each start, as before.
      await h.db.query("delete from public.sites where public_id = 'demo'");
      const first = await createDemoSite(h.db, 3000);
      const second = await createDemoSite(h.db, 3000);
      expect(second.id).toBe(first.id);
      expect(second.secret).not.toBe(first.secret);
    });
  });

  describe('finding 8: event URLs are web pages', () => {
    it.each(['javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'https:nothing'])('%j is refused and nothing is stored', async (u) => {
      const before = await counts(h.db);
      const res = await sync(h.handler, wireEvent(site, { u }));
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_body', message: expect.stringContaining('http(s)') });
      expect(await counts(h.db)).toEqual(before);
    });
  });
});
