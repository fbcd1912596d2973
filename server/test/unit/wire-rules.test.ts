/**
 * The wire module's validation and the month rules as pure functions, with the contract's numbers
 * written out (contract sections 1 to 3), so that a changed limit or a loosened check fails here
 * and not only through the handler.
 */
import { describe, expect, it } from 'vitest';
import {
  CALL_MATCH_WINDOW_MS,
  CALL_TIME_FUTURE_MS,
  CLIENT_TIME_WINDOW_MS,
  monthOf,
  parseCallBody,
  parseSyncBody,
  wireEventSchema,
  type WireEvent,
} from '../../../src/wire.js';
import * as v from 'valibot';
import { monthStart, monthWindow, shiftMonth } from '../../src/rules/months.js';

const event = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  s: 'site',
  u: 'https://shop.example/',
  sid: '0b5e6c9e-4a39-4c1f-9f1e-2f6a1d0c9a11',
  sm: '2026-11',
  ec: 'pageview',
  ea: 'view',
  ...over,
});

const refusal = (body: unknown) => {
  const r = parseSyncBody(body);
  return r.ok ? 'accepted' : r.error;
};

describe('parseSyncBody', () => {
  it('takes one event or a batch of 1..100 and refuses 0 or 101', () => {
    expect(parseSyncBody(event())).toEqual({ ok: true, value: [event()] });
    expect(refusal(Array.from({ length: 100 }, () => event()))).toBe('accepted');
    expect(refusal(Array.from({ length: 101 }, () => event()))).toBe('batch_too_large');
    expect(refusal([])).toBe('empty_batch');
  });

  it.each<[string, Record<string, unknown>, string]>([
    // An http(s) URL of exactly that many characters.
    ['u of 2048 characters', { u: `https://a.example/${'h'.repeat(2048 - 18)}` }, 'accepted'],
    ['u of 2049', { u: `https://a.example/${'h'.repeat(2049 - 18)}` }, 'invalid_body'],
    ['an empty u', { u: '' }, 'invalid_body'],
    ['s of 64', { s: 's'.repeat(64) }, 'accepted'],
    ['s of 65', { s: 's'.repeat(65) }, 'invalid_body'],
    ['an empty s', { s: '' }, 'invalid_body'],
    ['ec of 64', { ec: 'c'.repeat(64) }, 'accepted'],
    ['ec of 65', { ec: 'c'.repeat(65) }, 'invalid_body'],
    ['an empty ec', { ec: '' }, 'invalid_body'],
    ['ea of 128', { ea: 'a'.repeat(128) }, 'accepted'],
    ['ea of 129', { ea: 'a'.repeat(129) }, 'invalid_body'],
    ['an empty ea', { ea: '' }, 'invalid_body'],
    ['el of 512', { el: 'l'.repeat(512) }, 'accepted'],
    ['el of 513', { el: 'l'.repeat(513) }, 'invalid_body'],
    ['an empty el', { el: '' }, 'accepted'],
    ['r of 2048', { r: 'r'.repeat(2048) }, 'accepted'],
    ['r of 2049', { r: 'r'.repeat(2049) }, 'invalid_body'],
    ['i of 64', { i: 'i'.repeat(64) }, 'accepted'],
    ['i of 65', { i: 'i'.repeat(65) }, 'invalid_body'],
    ['an empty i', { i: '' }, 'invalid_body'],
    ['a NUL in ea', { ea: 'a\u0000' }, 'invalid_body'],
    ['a NUL in r', { r: '\u0000' }, 'invalid_body'],
    ['sid in capitals', { sid: '0B5E6C9E-4A39-4C1F-9F1E-2F6A1D0C9A11' }, 'accepted'],
    ['sid with a trailing character', { sid: '0b5e6c9e-4a39-4c1f-9f1e-2f6a1d0c9a11x' }, 'invalid_body'],
    ['sid with a leading character', { sid: 'x0b5e6c9e-4a39-4c1f-9f1e-2f6a1d0c9a11' }, 'invalid_body'],
    ['sm 2026-01', { sm: '2026-01' }, 'accepted'],
    ['sm 2026-12', { sm: '2026-12' }, 'accepted'],
    ['sm 2026-00', { sm: '2026-00' }, 'invalid_body'],
    ['sm 2026-1', { sm: '2026-1' }, 'invalid_body'],
    ['sm with a trailing day', { sm: '2026-11-01' }, 'invalid_body'],
    ['sm with a leading character', { sm: 'x2026-11' }, 'invalid_body'],
    ['ev 0', { ev: 0 }, 'accepted'],
    ['ev Infinity', { ev: Infinity }, 'invalid_body'],
    ['ev NaN', { ev: NaN }, 'invalid_body'],
    ['t Infinity', { t: Infinity }, 'invalid_body'],
    ['meta of 4096 bytes serialised', { meta: { k: 'x'.repeat(4096 - '{"k":""}'.length) } }, 'accepted'],
    ['meta of 4097 bytes serialised', { meta: { k: 'x'.repeat(4097 - '{"k":""}'.length) } }, 'meta_too_large'],
    ['meta of 4096 bytes counted in UTF-8, not characters', { meta: { k: 'é'.repeat(2045) } }, 'meta_too_large'],
    ['meta as an array', { meta: [1] }, 'invalid_body'],
    ['meta as a string', { meta: 'x' }, 'invalid_body'],
    ['an unknown key', { x: 1 }, 'invalid_body'],
    ['a prototype key in meta', { meta: JSON.parse('{"prototype":1}') }, 'invalid_body'],
    ['a __proto__ key in meta', { meta: JSON.parse('{"__proto__":{"admin":true}}') }, 'invalid_body'],
    ['a constructor key in meta', { meta: JSON.parse('{"constructor":1}') }, 'invalid_body'],
    ['a lone surrogate as a meta key', { meta: { '\ud800': 1 } }, 'invalid_body'],
    ['a NUL in a meta key', { meta: { 'a\u0000': 1 } }, 'invalid_body'],
    ['a lone high surrogate at the end', { el: 'a\ud800' }, 'invalid_body'],
    ['a lone low surrogate at the start', { el: '\udc00a' }, 'invalid_body'],
    ['a surrogate pair', { el: '\ud83d\ude00' }, 'accepted'],
    ['a surrogate pair in a meta key', { meta: { '\ud83d\ude00': 1 } }, 'accepted'],
    ['a lone surrogate deep in meta', { meta: { a: { b: ['\ud800'] } } }, 'invalid_body'],
    ['meta nested 8 levels', { meta: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } }, 'accepted'],
    ['meta nested 10 levels', { meta: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } }, 'invalid_body'],
  ])('%s: %s', (_name, over, expected) => {
    expect(refusal(event(over))).toBe(expected);
  });

  it('names the event and the key in its message, for a batch', () => {
    const r = parseSyncBody([event(), event({ ea: '' })]);
    expect(r).toMatchObject({ ok: false, error: 'invalid_body' });
    expect(!r.ok && r.message).toMatch(/^event 1: ea: /);
    const unsafe = parseSyncBody([event({ meta: { note: 'a\u0000' } })]);
    expect(!unsafe.ok && unsafe.message).toMatch(/^event 0: the body contains a NUL character\.$/);
    const single = parseSyncBody(event({ sm: 'nope' }));
    expect(!single.ok && single.message).toMatch(/^sm: /);
  });

  it.each<[string, unknown, RegExp]>([
    ['a sid', event({ sid: 'x' }), /^sid: must be a UUID$/],
    ['a month', event({ sm: '2026-13' }), /^sm: must be YYYY-MM$/],
    ['meta as an array', event({ meta: [] }), /^meta: must be an object, not an array$/],
    ['an empty batch', [], /^The batch holds no events\.$/],
    ['a lone surrogate as a meta key', event({ meta: { '\udc00': 1 } }), /^the body a key contains an unpaired UTF-16 surrogate\.$/],
    ['a forbidden key', event({ meta: JSON.parse('{"__proto__":1}') }), /^the body key "__proto__" is not allowed\.$/],
    ['a body that is no object', 42, /^Invalid type/],
  ])('says what is wrong with %s', (_name, body, message) => {
    const r = parseSyncBody(body);
    expect(!r.ok && r.message).toMatch(message);
  });

  it('the exported schema refuses NUL by itself too (parseSyncBody refuses it before)', () => {
    const r = v.safeParse(wireEventSchema, event({ ea: 'a\u0000' }));
    expect(!r.success && r.issues[0].message).toBe('must not contain NUL characters');
  });

  it('says how many events a batch over the limit has, and what meta may weigh', () => {
    const big = parseSyncBody(Array.from({ length: 101 }, () => event()));
    expect(!big.ok && big.message).toContain('101');
    const meta = parseSyncBody(event({ meta: { k: 'x'.repeat(5000) } }));
    expect(!meta.ok && meta.message).toContain('4096 bytes');
  });

  it('keeps every field of a valid event as sent', () => {
    const full = event({ el: 'label', ev: 5, meta: { fp: 'f' }, r: 'https://google.com/', i: 'id-1', t: 1 });
    expect(parseSyncBody([full])).toEqual({ ok: true, value: [full as unknown as WireEvent] });
  });
});

describe('parseCallBody', () => {
  const call = (over: Record<string, unknown> = {}) => ({ site_id: 'site', phone_number: '+90 (532) 555-00.00', fingerprint: 'fp', ...over });
  const result = (body: unknown) => {
    const r = parseCallBody(body);
    return r.ok ? 'accepted' : r.error;
  };

  it.each<[string, Record<string, unknown>, string]>([
    ['a valid call', {}, 'accepted'],
    ['a phone of 32 characters', { phone_number: '1'.repeat(32) }, 'accepted'],
    ['a phone of 33', { phone_number: '1'.repeat(33) }, 'invalid_body'],
    ['a phone with letters', { phone_number: '+1 555 CALL' }, 'invalid_body'],
    ['a phone with a leading letter', { phone_number: 'x5550100' }, 'invalid_body'],
    ['a phone with a trailing letter', { phone_number: '5550100x' }, 'invalid_body'],
    ['an empty phone', { phone_number: '' }, 'invalid_body'],
    ['a fingerprint of 128', { fingerprint: 'f'.repeat(128) }, 'accepted'],
    ['a fingerprint of 129', { fingerprint: 'f'.repeat(129) }, 'invalid_body'],
    ['an empty fingerprint', { fingerprint: '' }, 'invalid_body'],
    ['an ISO call_time', { call_time: '2026-11-20T10:00:00Z' }, 'accepted'],
    ['a call_time that is not ISO', { call_time: 'yesterday' }, 'invalid_body'],
    ['a NUL in the site id', { site_id: 's\u0000' }, 'invalid_body'],
    ['an unknown key', { sid: 'x' }, 'invalid_body'],
    ['a __proto__ key', JSON.parse('{"__proto__":{"x":1}}'), 'invalid_body'],
  ])('%s: %s', (_name, over, expected) => {
    expect(result(call(over))).toBe(expected);
  });

  it('names the key in its message', () => {
    const r = parseCallBody(call({ phone_number: 'abc' }));
    expect(!r.ok && r.message).toMatch(/^phone_number: must be a phone number$/);
    const time = parseCallBody(call({ call_time: 'soon' }));
    expect(!time.ok && time.message).toMatch(/^call_time: must be an ISO 8601 time$/);
    const none = parseCallBody(null);
    expect(!none.ok && none.message).toMatch(/^Invalid type/);
  });

  it('refuses what PostgreSQL cannot store even where the schema would take it (a lone surrogate)', () => {
    expect(parseCallBody(call({ fingerprint: 'fp\ud800' }))).toEqual({
      ok: false,
      error: 'invalid_body',
      message: 'The body contains an unpaired UTF-16 surrogate.',
    });
  });
});

describe('time windows (contract sections 1 and 2)', () => {
  it('a client time is clamped to 7 days, a call may be 5 minutes ahead, matching looks 30 minutes back', () => {
    expect(CLIENT_TIME_WINDOW_MS).toBe(604_800_000);
    expect(CALL_TIME_FUTURE_MS).toBe(300_000);
    expect(CALL_MATCH_WINDOW_MS).toBe(1_800_000);
  });
});

describe('months', () => {
  const at = (iso: string) => Date.parse(iso);

  it('monthOf is the UTC month', () => {
    expect(monthOf(at('2026-11-30T23:59:59.999Z'))).toBe('2026-11');
    expect(monthOf(at('2026-12-01T00:00:00Z'))).toBe('2026-12');
  });

  it('shiftMonth crosses years both ways, from any day of the month', () => {
    expect(shiftMonth(at('2026-12-31T23:00:00Z'), 1)).toBe('2027-01');
    expect(shiftMonth(at('2027-01-31T10:00:00Z'), -1)).toBe('2026-12');
    expect(shiftMonth(at('2026-01-31T10:00:00Z'), 1)).toBe('2026-02');
    expect(shiftMonth(at('2026-11-15T00:00:00Z'), 0)).toBe('2026-11');
    expect(shiftMonth(at('2026-11-15T00:00:00Z'), 36)).toBe('2029-11');
  });

  it('monthWindow is [previous, current, next]', () => {
    expect(monthWindow(at('2026-01-01T00:00:00Z'))).toEqual(['2025-12', '2026-01', '2026-02']);
    expect(monthWindow(at('2026-12-31T23:59:59Z'))).toEqual(['2026-11', '2026-12', '2027-01']);
  });

  it('monthStart is the first day', () => {
    expect(monthStart('2026-11')).toBe('2026-11-01');
  });
});
