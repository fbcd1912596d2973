import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { counts, openHarness, send, sync, callEvent, wireEvent, type Harness } from '../support/harness.js';
import { MAX_BATCH, MAX_BODY_BYTES, MAX_URL, MAX_LABEL, type ErrorCode } from '../../../src/wire.js';
import { shiftMonth } from '../../src/rules/months.js';
import { createHandler } from '../../src/http/handler.js';
import type { Db } from '../../src/store/db/types.js';

describe.each(backends)('refused requests on %s', (kind) => {
  let h: Harness;
  let site: string;
  beforeAll(async () => {
    h = await openHarness(kind);
    site = h.site.publicId;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Sends a body and checks the contract's error shape, that nothing was written, and that the next valid request works. */
  async function refused(body: unknown, status: number, code: ErrorCode, o: Parameters<typeof sync>[2] = {}, path = '/api/sync') {
    const before = await counts(h.db);
    const res = await send(h.handler, path, body, o);
    expect(res.status).toBe(status);
    expect(res.json).toEqual({ status: 'error', error: code, message: expect.any(String) });
    expect(res.json.message.length).toBeGreaterThan(5);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await counts(h.db)).toEqual(before);
    const ok = await sync(h.handler, wireEvent(site));
    expect(ok.status).toBe(200);
    return res;
  }

  const e = () => wireEvent(site);
  const rawEvent = () => JSON.stringify(e());

  it.each<[string, () => unknown, number, ErrorCode]>([
    ['malformed JSON', () => '{"s": "x", ', 400, 'invalid_json'],
    ['an empty body', () => '', 400, 'invalid_json'],
    ['a JSON scalar', () => '42', 400, 'invalid_body'],
    ['a wrong type (ev as string)', () => ({ ...e(), ev: '50' }), 400, 'invalid_body'],
    ['a wrong type (meta as array)', () => ({ ...e(), meta: [1, 2] }), 400, 'invalid_body'],
    ['a missing key (u)', () => { const { u: _u, ...rest } = e(); return rest; }, 400, 'invalid_body'],
    ['a missing key (sid)', () => { const { sid: _s, ...rest } = e(); return rest; }, 400, 'invalid_body'],
    ['an unknown key', () => ({ ...e(), x: 1 }), 400, 'invalid_body'],
    ['a sid that is not a UUID', () => ({ ...e(), sid: 'abc' }), 400, 'invalid_body'],
    ['a URL over its limit', () => ({ ...e(), u: `https://shop.example/${'a'.repeat(MAX_URL)}` }), 400, 'invalid_body'],
    ['a label over its limit', () => ({ ...e(), el: 'x'.repeat(MAX_LABEL + 1) }), 400, 'invalid_body'],
    ['meta over 4 KiB', () => ({ ...e(), meta: { blob: 'x'.repeat(4100) } }), 400, 'meta_too_large'],
    ['a batch over 100 events', () => Array.from({ length: MAX_BATCH + 1 }, e), 400, 'batch_too_large'],
    ['an empty batch', () => [], 400, 'empty_batch'],
    ['sm not YYYY-MM', () => ({ ...e(), sm: '2026-13' }), 400, 'invalid_body'],
    ['sm as a date', () => ({ ...e(), sm: '2026-11-01' }), 400, 'invalid_body'],
    ['sm two months back', () => ({ ...e(), sm: shiftMonth(Date.now(), -2) }), 400, 'month_out_of_window'],
    ['sm two months ahead', () => ({ ...e(), sm: shiftMonth(Date.now(), 2) }), 400, 'month_out_of_window'],
    ['sm far in the future', () => ({ ...e(), sm: '2999-01' }), 400, 'month_out_of_window'],
    ['t as a string', () => ({ ...e(), t: '1700000000000' }), 400, 'invalid_body'],
    ['t that is not finite (1e999)', () => rawEvent().replace(/}$/, ',"t":1e999}'), 400, 'invalid_body'],
    ['a __proto__ key in meta', () => rawEvent().replace(/}$/, ',"meta":{"__proto__":{"admin":true}}}'), 400, 'invalid_body'],
    ['a __proto__ key at the top', () => rawEvent().replace(/}$/, ',"__proto__":{"x":1}}'), 400, 'invalid_body'],
    ['a constructor key in meta', () => ({ ...e(), meta: { constructor: { prototype: 1 } } }), 400, 'invalid_body'],
    ['a NUL byte in a string', () => ({ ...e(), el: 'a\u0000b' }), 400, 'invalid_body'],
    ['a NUL byte in meta', () => ({ ...e(), meta: { note: 'a\u0000b' } }), 400, 'invalid_body'],
    ['a lone surrogate', () => rawEvent().replace(/}$/, ',"el":"\\ud800"}'), 400, 'invalid_body'],
    ['a lone surrogate in a meta key', () => rawEvent().replace(/}$/, ',"meta":{"\\udc00":1}}'), 400, 'invalid_body'],
    ['one bad event in a batch', () => [e(), { ...e(), ec: '' }, e()], 400, 'invalid_body'],
  ])('%s', async (_name, body, status, code) => {
    await refused(body(), status, code);
  });

  it('invalid UTF-8', async () => {
    const bytes = new TextEncoder().encode(rawEvent().replace(/}$/, ',"el":"XX"}'));
    const at = bytes.lastIndexOf(0x58);
    bytes[at - 1] = 0xc3;
    bytes[at] = 0x28; // 0xC3 0x28 is not UTF-8
    await refused(bytes, 400, 'invalid_json');
  });

  it('an unknown site', async () => {
    await refused({ ...e(), s: 'no-such-site' }, 404, 'unknown_site');
  });

  it('an origin the site does not allow', async () => {
    await refused(e(), 403, 'origin_not_allowed', { origin: 'https://evil.example' });
  });

  it('no origin at all', async () => {
    await refused(e(), 403, 'origin_not_allowed', { origin: null });
  });

  it('an unsupported content type', async () => {
    await refused(rawEvent(), 415, 'unsupported_content_type', { contentType: 'application/x-www-form-urlencoded' });
    // A byte body gets no content type from the Request constructor.
    await refused(new TextEncoder().encode(rawEvent()), 415, 'unsupported_content_type', { contentType: null });
  });

  it('a body over 64 KiB', async () => {
    const big = JSON.stringify({ ...e(), el: 'x'.repeat(MAX_BODY_BYTES) });
    await refused(big, 413, 'body_too_large');
  });

  it('a wrong method and an unknown path', async () => {
    const get = await h.handler(new Request('https://api.opsmantik.test/api/sync'));
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ status: 'error', error: 'method_not_allowed' });
    const missing = await h.handler(new Request('https://api.opsmantik.test/nope'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 'error', error: 'not_found' });
  });

  it('call-event: wrong types, unknown site, foreign origin, call_time outside its window', async () => {
    const good = { site_id: site, phone_number: '+90 532 555 0000', fingerprint: 'fp' };
    await refused({ ...good, phone_number: 5325550000 }, 400, 'invalid_body', {}, '/api/call-event');
    await refused({ ...good, phone_number: 'drop table' }, 400, 'invalid_body', {}, '/api/call-event');
    await refused({ site_id: site }, 400, 'invalid_body', {}, '/api/call-event');
    await refused({ ...good, site_id: 'nope' }, 404, 'unknown_site', {}, '/api/call-event');
    await refused(good, 403, 'origin_not_allowed', { origin: 'https://evil.example' }, '/api/call-event');
    const now = Date.now();
    await refused({ ...good, call_time: new Date(now + 6 * 60_000).toISOString() }, 400, 'invalid_call_time', {}, '/api/call-event');
    await refused({ ...good, call_time: new Date(now - 8 * 86400_000).toISOString() }, 400, 'invalid_call_time', {}, '/api/call-event');
    await refused({ ...good, call_time: 'yesterday' }, 400, 'invalid_body', {}, '/api/call-event');
    await refused({ ...good, constructor: 'x' }, 400, 'invalid_body', {}, '/api/call-event');
  });

  it('answers CORS preflights for both endpoints', async () => {
    for (const path of ['/api/sync', '/api/call-event']) {
      const res = await h.handler(
        new Request(`https://api.opsmantik.test${path}`, {
          method: 'OPTIONS',
          headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        }),
      );
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    }
  });

  it('the 101st sync in a minute gets 429 with Retry-After, per client address', async () => {
    const handler = h.newHandler({ limits: { sync: 100, call: 50 } });
    const sid = randomUUID();
    for (let n = 0; n < 100; n++) {
      const ok = await sync(handler, wireEvent(site, { sid, i: `r${n}` }), { ip: '198.51.100.1' });
      expect(ok.status).toBe(200);
    }
    const before = await counts(h.db);
    const res = await sync(handler, wireEvent(site, { sid }), { ip: '198.51.100.1' });
    expect(res.status).toBe(429);
    expect(res.json).toMatchObject({ status: 'error', error: 'rate_limited' });
    const retry = Number(res.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(await counts(h.db)).toEqual(before);
    // Another client is not limited; the same client naming another site is (the limit reads
    // nothing from the body: issue 12, finding 4).
    expect((await sync(handler, wireEvent(site), { ip: '198.51.100.2' })).status).toBe(200);
    const other = await h.newSite();
    expect((await sync(handler, wireEvent(other.publicId), { ip: '198.51.100.1' })).status).toBe(429);
  });

  it('the 51st call-event in a minute gets 429', async () => {
    const handler = h.newHandler({ limits: { sync: 100, call: 50 } });
    const body = { site_id: site, phone_number: '+90 212 555 00 00', fingerprint: 'fp-rl' };
    for (let n = 0; n < 50; n++) expect((await callEvent(handler, body, { ip: '198.51.100.9' })).status).toBe(200);
    const res = await callEvent(handler, body, { ip: '198.51.100.9' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  const failingWith = (err: Error): Db => ({
    ...h.db,
    kind: h.db.kind,
    query: (text, params) => h.db.query(text, params),
    transaction: async () => {
      throw err;
    },
    exec: (s) => h.db.exec(s),
    listen: (c, f) => h.db.listen(c, f),
    close: async () => undefined,
  });

  it('answers 500 with storage_error when storage fails, and logs it without the body', async () => {
    const logs: any[] = [];
    const failing = failingWith(Object.assign(new Error('internal error while writing +90 532 555 12 34'), { code: 'XX000' }));
    const handler = createHandler({ db: failing, log: (l) => logs.push(l), siteCacheMs: 0 });
    const res = await sync(handler, wireEvent(site));
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ status: 'error', error: 'storage_error' });
    const text = JSON.stringify(logs);
    expect(text).toContain('XX000');
    expect(text).not.toContain('555 12 34');
    await handler.close();
  });

  it('answers 503 storage_unavailable with Retry-After when the connection failed, logged as a warning', async () => {
    const logs: any[] = [];
    const failing = failingWith(Object.assign(new Error('connection terminated'), { code: '08006' }));
    const handler = createHandler({ db: failing, log: (l) => logs.push(l), siteCacheMs: 0 });
    const res = await sync(handler, wireEvent(site));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.json).toMatchObject({ status: 'error', error: 'storage_unavailable' });
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
    expect(logs.find((l) => l.msg === 'request')).toMatchObject({ status: 503, stored: 0, dropped: 1, reason: 'unavailable' });
    expect(JSON.stringify(logs)).toContain('08006');
    await handler.close();
  });

  it('GET /healthz is the process only; GET /readyz answers 503 with Retry-After when the database does not', async () => {
    const ok = await h.handler(new Request('https://api.opsmantik.test/healthz'));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok' });
    const ready = await h.handler(new Request('https://api.opsmantik.test/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok', redis: 'none' });
    const broken: Db = { ...h.db, query: async () => { throw new Error('down'); } };
    const hanging: Db = { ...h.db, query: () => new Promise(() => undefined) };
    for (const db of [broken, hanging]) {
      const handler = createHandler({ db, log: () => undefined, readyTimeoutMs: 200 });
      expect((await handler(new Request('https://api.opsmantik.test/healthz'))).status).toBe(200);
      const res = await handler(new Request('https://api.opsmantik.test/readyz'));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ status: 'unavailable', database: db === broken ? 'unreachable' : 'no answer within 200 ms' });
      await handler.close();
    }
  });

  it('keeps serving requests with bad bodies mixed among good ones', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        n % 2 ? sync(h.handler, wireEvent(site)) : send(h.handler, '/api/sync', '{"broken'),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 20 }, (_, n) => (n % 2 ? 200 : 400)));
  });
});
