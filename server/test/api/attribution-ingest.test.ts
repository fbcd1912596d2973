/**
 * Attribution and the lead score as the ingest path stores them: every attribution case of
 * contract 5 and every row of the scoring table of contract 4, end to end.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { openHarness, sync, wireEvent, type Harness } from '../support/harness.js';
import { CLICK_COOKIE } from '../../src/rules/clickid-cookie.js';

describe.each(backends)('attribution and score through /api/sync on %s', (kind) => {
  let h: Harness;
  let site: string;
  beforeAll(async () => {
    h = await openHarness(kind);
    site = h.site.publicId;
  });
  afterAll(async () => {
    await h?.close();
  });

  const stored = async (sid: string) =>
    (await h.db.query<any>('select attribution, lead_score, gclid, gbraid, wbraid from public.sessions where id = $1', [sid]))[0];
  const fp = () => `fp-${randomUUID()}`;

  describe('attribution', () => {
    it('paid: gclid on the landing URL', async () => {
      const e = wireEvent(site, { u: 'https://shop.example/?gclid=CjwKCA-1', meta: { fp: fp() } });
      expect((await sync(h.handler, e)).json.score).toBe(0);
      expect(await stored(e.sid)).toMatchObject({ attribution: 'paid', gclid: 'CjwKCA-1' });
    });

    it('paid: gbraid or wbraid in meta (copied by the tracker), on a later page of the session', async () => {
      const sid = randomUUID();
      await sync(h.handler, wireEvent(site, { sid, u: 'https://shop.example/a' }));
      expect((await stored(sid)).attribution).toBe('organic');
      await sync(h.handler, wireEvent(site, { sid, u: 'https://shop.example/b', meta: { wbraid: 'w-1' } }));
      expect(await stored(sid)).toMatchObject({ attribution: 'paid', wbraid: 'w-1' });
    });

    it('ads_assisted: no click id now, an earlier session of the same fingerprint had one (+25)', async () => {
      const visitor = fp();
      await sync(h.handler, wireEvent(site, { u: 'https://shop.example/?gclid=G-early', meta: { fp: visitor } }));
      const later = wireEvent(site, { meta: { fp: visitor } });
      const res = await sync(h.handler, later);
      expect(res.json.score).toBe(25);
      expect(await stored(later.sid)).toMatchObject({ attribution: 'ads_assisted', lead_score: 25, gclid: null });
    });

    it('ads_assisted once the fingerprint arrives later in the session', async () => {
      const visitor = fp();
      await sync(h.handler, wireEvent(site, { u: 'https://shop.example/?gbraid=B1', meta: { fp: visitor } }));
      const sid = randomUUID();
      await sync(h.handler, wireEvent(site, { sid }));
      expect((await stored(sid)).attribution).toBe('organic');
      await sync(h.handler, wireEvent(site, { sid, ec: 'scroll', ea: 'depth', ev: 25, meta: { fp: visitor } }));
      expect(await stored(sid)).toMatchObject({ attribution: 'ads_assisted', lead_score: 25 });
    });

    it('ads_assisted: the browser carries an earlier click id (meta.prev_gclid)', async () => {
      const e = wireEvent(site, { meta: { prev_gclid: 'G-remembered' } });
      expect((await sync(h.handler, e)).json.score).toBe(25);
      expect((await stored(e.sid)).attribution).toBe('ads_assisted');
    });

    it('organic: same fingerprint without any click id before', async () => {
      const visitor = fp();
      await sync(h.handler, wireEvent(site, { meta: { fp: visitor } }));
      const e = wireEvent(site, { meta: { fp: visitor } });
      await sync(h.handler, e);
      expect((await stored(e.sid)).attribution).toBe('organic');
    });

    it('organic: a click id for the same fingerprint on ANOTHER site does not count', async () => {
      const other = await h.newSite();
      const visitor = fp();
      await sync(h.handler, wireEvent(other.publicId, { u: 'https://shop.example/?gclid=G-other', meta: { fp: visitor } }));
      const e = wireEvent(site, { meta: { fp: visitor } });
      await sync(h.handler, e);
      expect((await stored(e.sid)).attribution).toBe('organic');
    });

    it('paid wins over assisted when the returning visitor clicks an ad again (no +25)', async () => {
      const visitor = fp();
      await sync(h.handler, wireEvent(site, { u: 'https://shop.example/?gclid=G-1', meta: { fp: visitor } }));
      const e = wireEvent(site, { u: 'https://shop.example/?gclid=G-2', meta: { fp: visitor } });
      expect((await sync(h.handler, e)).json.score).toBe(0);
      expect((await stored(e.sid)).attribution).toBe('paid');
    });

    it('an earlier session is one created before, not the current session itself', async () => {
      const visitor = fp();
      const e = wireEvent(site, { u: 'https://shop.example/?gclid=G-self', meta: { fp: visitor } });
      await sync(h.handler, e);
      await sync(h.handler, wireEvent(site, { sid: e.sid, u: 'https://shop.example/next', meta: { fp: visitor } }));
      expect((await stored(e.sid)).attribution).toBe('paid');
    });
  });

  describe('score table rows, as stored', () => {
    it.each<[string, (sid: string) => ReturnType<typeof wireEvent>[], number]>([
      ['conversion +50', (sid) => [wireEvent(site, { sid, ec: 'conversion', ea: 'lead_form' })], 50],
      ['interaction +10', (sid) => [wireEvent(site, { sid, ec: 'interaction', ea: 'click' })], 10],
      ['scroll 50% +10', (sid) => [wireEvent(site, { sid, ec: 'scroll', ea: 'depth', ev: 25 }), wireEvent(site, { sid, ec: 'scroll', ea: 'depth', ev: 50 })], 10],
      ['scroll 90% +20 (+10 for 50%)', (sid) => [wireEvent(site, { sid, ec: 'scroll', ea: 'depth', ev: 90 })], 30],
      ['hover intent +15', (sid) => [wireEvent(site, { sid, ec: 'hover_intent', ea: 'hover', el: 'a[href^=tel]', ev: 350 })], 15],
      ['Google referrer +5', (sid) => [wireEvent(site, { sid, r: 'https://www.google.com.tr/' })], 5],
      ['returning ad user +25', (sid) => [wireEvent(site, { sid, meta: { prev_wbraid: 'w' } })], 25],
      ['each signal once: two conversions +50', (sid) => [wireEvent(site, { sid, ec: 'conversion', ea: 'a' }), wireEvent(site, { sid, ec: 'conversion', ea: 'b' })], 50],
      ['a custom category scores nothing', (sid) => [wireEvent(site, { sid, ec: 'video', ea: 'play' })], 0],
      [
        'everything: capped at 100',
        (sid) => [
          wireEvent(site, { sid, r: 'https://google.com/', meta: { prev_gclid: 'g' } }),
          wireEvent(site, { sid, ec: 'scroll', ea: 'depth', ev: 90 }),
          wireEvent(site, { sid, ec: 'hover_intent', ea: 'hover', el: 'tel', ev: 400 }),
          wireEvent(site, { sid, ec: 'interaction', ea: 'click' }),
          wireEvent(site, { sid, ec: 'conversion', ea: 'phone_click' }),
        ],
        100,
      ],
    ])('%s', async (_name, build, expected) => {
      const sid = randomUUID();
      const res = await sync(h.handler, build(sid));
      expect(res.json.score).toBe(expected);
      expect((await stored(sid)).lead_score).toBe(expected);
    });
  });

  describe('the first-party click-id cookie', () => {
    const own = 'https://shop.example';
    const firstParty = { url: `${own}/api/sync`, origin: own };

    it('is set, HttpOnly and for 90 days, when the handler serves the site own origin and a click id arrives', async () => {
      const res = await sync(h.handler, wireEvent(site, { u: `${own}/?gclid=G-cookie` }), firstParty);
      const cookie = res.headers.get('set-cookie');
      expect(cookie).toContain(`${CLICK_COOKIE}=gclid%3AG-cookie`);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/Max-Age=7776000/);
    });

    it('is not set across origins (a third-party cookie would not survive anyway)', async () => {
      const res = await sync(h.handler, wireEvent(site, { u: `${own}/?gclid=G-x` }));
      expect(res.headers.get('set-cookie')).toBeNull();
    });

    it('is not set again when the browser already carries the same click id', async () => {
      const res = await sync(h.handler, wireEvent(site, { u: `${own}/?gclid=G-same` }), {
        ...firstParty,
        headers: { cookie: `${CLICK_COOKIE}=gclid%3AG-same` },
      });
      expect(res.headers.get('set-cookie')).toBeNull();
    });

    it('makes a later session ads_assisted, and its events carry the click id, when script storage is gone', async () => {
      const e = wireEvent(site, { u: `${own}/pricing` });
      const res = await sync(h.handler, e, { ...firstParty, headers: { cookie: `${CLICK_COOKIE}=gclid%3AG-old` } });
      expect(res.json.score).toBe(25);
      expect((await stored(e.sid)).attribution).toBe('ads_assisted');
      const [ev] = await h.db.query<any>('select metadata from public.events where session_id = $1', [e.sid]);
      expect(ev.metadata).toEqual({ prev_gclid: 'G-old' });
    });

    it('is ignored on cross-origin requests', async () => {
      const e = wireEvent(site);
      await sync(h.handler, e, { headers: { cookie: `${CLICK_COOKIE}=gclid%3AG-old` } });
      expect((await stored(e.sid)).attribution).toBe('organic');
    });
  });
});
