/**
 * Thousands of random bodies against /api/sync and /api/call-event: never a 5xx, a refused
 * request writes nothing, an accepted one writes exactly what it reports, and a valid request
 * still works afterwards.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { counts, openHarness, send, sync, wireEvent, type Harness } from '../support/harness.js';
import { shiftMonth } from '../../src/rules/months.js';

const RUNS = Number(process.env.OPSMANTIK_PROPERTY_RUNS ?? 3000);

describe.each(backends)('random bodies on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(kind, { limits: { sync: 1e9, call: 1e9 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`${RUNS} random bodies: never a 5xx, never a partial write`, async () => {
    const site = h.site.publicId;
    const now = Date.now();
    const sids = [randomUUID(), randomUUID(), randomUUID()];
    const anyString = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom("'; drop table public.events; --", '\u0000', '\ud800', '__proto__', 'constructor', '${x}', '%s%n', '\\', '"'),
      fc.string({ minLength: 2040, maxLength: 2100 }),
    );
    const anyValue = fc.oneof(anyString, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));
    // Mostly right, sometimes wrong: each key keeps a valid value most of the time, so bodies get
    // past the validators and into the write path as often as they are refused.
    const mostly = <T,>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>) => fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad });
    const validish = fc.record(
      {
        s: mostly(fc.constant(site), anyString),
        u: mostly(fc.oneof(fc.constant('https://shop.example/?gclid=G'), fc.webUrl({ withQueryParameters: true })), anyString),
        sid: mostly(fc.oneof(fc.constantFrom(...sids), fc.uuid()), anyString),
        sm: mostly(
          fc.constantFrom(shiftMonth(now, -1), shiftMonth(now, 0), shiftMonth(now, 1)),
          fc.oneof(fc.constantFrom(shiftMonth(now, 2), shiftMonth(now, -2), '2026-13', '99999-01'), anyString),
        ),
        ec: mostly(fc.constantFrom('pageview', 'interaction', 'scroll', 'hover_intent', 'conversion', 'custom'), anyString),
        ea: mostly(fc.oneof(fc.constantFrom('view', 'click', 'depth'), fc.string({ minLength: 1, maxLength: 20 })), anyString),
        el: mostly(fc.string({ maxLength: 30 }), anyValue),
        ev: mostly(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ noNaN: true, noDefaultInfinity: true })), anyValue),
        meta: mostly(
          fc.dictionary(fc.oneof(fc.constantFrom('fp', 'gclid', 'prev_gclid', 'utm_source'), fc.string({ minLength: 1, maxLength: 8 })), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
          fc.oneof(anyValue, fc.constant({ __proto__: null, constructor: 1 }), fc.constant(JSON.parse('{"__proto__":{"x":1}}'))),
        ),
        r: mostly(fc.constantFrom('https://www.google.com/', 'https://bing.com/', ''), anyString),
        i: mostly(fc.string({ minLength: 1, maxLength: 4 }), anyValue),
        t: mostly(fc.integer({ min: now - 30 * 86400_000, max: now + 86400_000 }), anyValue),
        extra: anyValue,
      },
      { requiredKeys: [] },
    ).map(({ extra, ...o }) => (extra !== undefined && JSON.stringify(extra).length % 4 === 0 ? { ...o, extra } : o));
    const syncBody = fc.oneof(
      { weight: 6, arbitrary: validish.map((o) => JSON.stringify(o)) },
      { weight: 4, arbitrary: fc.array(validish, { maxLength: 8 }).map((a) => JSON.stringify(a)) },
      { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
      // Valid JSON text with one byte flipped.
      {
        weight: 1,
        arbitrary: fc.tuple(validish, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([o, at, b]) => {
          const bytes = new TextEncoder().encode(JSON.stringify(o));
          if (bytes.length) bytes[at % bytes.length] = b;
          return bytes;
        }),
      },
    );
    const callBody = fc.record(
      {
        site_id: mostly(fc.constant(site), anyString),
        phone_number: mostly(fc.constant('+90 532 555 00 00'), anyValue),
        fingerprint: mostly(fc.constantFrom('fp-prop', 'G'), anyValue),
        call_time: mostly(fc.integer({ min: now - 8 * 86400_000, max: now }).map((t) => new Date(t).toISOString()), anyValue),
      },
      { requiredKeys: ['site_id', 'phone_number', 'fingerprint'] },
    ).map((o) => JSON.stringify(o));
    const contentType = fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom('text/plain;charset=UTF-8', 'application/json') },
      { weight: 1, arbitrary: fc.constantFrom('application/json; charset=latin1', 'text/html', 'multipart/form-data') },
    );

    const statuses = new Map<number, number>();
    // A repeated call (same site, fingerprint, number and call_time) is stored once: it answers with
    // the first call's id and writes nothing.
    const callIds = new Set<string>();
    const property = fc.asyncProperty(
      fc.oneof({ weight: 4, arbitrary: fc.tuple(fc.constant('/api/sync'), syncBody) }, { weight: 1, arbitrary: fc.tuple(fc.constant('/api/call-event'), callBody) }),
      contentType,
      async ([path, body], type) => {
        const before = await counts(h.db);
        const res = await send(h.handler, path, body, { contentType: type });
        const after = await counts(h.db);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        if (res.status !== 200) {
          expect(res.json).toMatchObject({ status: 'error', error: expect.any(String), message: expect.any(String) });
          expect(after).toEqual(before);
        } else if (path === '/api/sync') {
          expect(res.json.status).toBe('synced');
          expect(after.events - before.events).toBe(res.json.accepted);
          expect(after.calls).toBe(before.calls);
        } else {
          const repeat = callIds.has(res.json.call_id);
          callIds.add(res.json.call_id);
          expect(after.calls).toBe(before.calls + (repeat ? 0 : 1));
          expect(after.events).toBe(before.events);
        }
      },
    );
    await fc.assert(property, { numRuns: RUNS });
    console.log(`status counts (${kind}):`, JSON.stringify(Object.fromEntries(statuses)));
    // The generator reaches the write path, not only the validators.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 20);

    // Still serving: a valid request after all that.
    const ok = await sync(h.handler, wireEvent(site, { ec: 'conversion', ea: 'after' }));
    expect(ok.json).toEqual({ status: 'synced', score: 50, accepted: 1 });
    expect((await h.handler(new Request('https://api.opsmantik.test/healthz'))).status).toBe(200);
  }, 120_000);
});
