/**
 * phoneCalls (rules/phone.ts): which events of a batch are phone calls, and their numbers. A call
 * is recorded from a `conversion/phone_click` exactly when the tracker's own /api/call-event would
 * have been accepted with that label as its phone_number.
 */
import { describe, expect, it } from 'vitest';
import { CALL_TIME_FUTURE_MS, type WireEvent } from '../../../src/wire.js';
import { phoneCalls, SAME_CALL_AFTER_MS, SAME_CALL_BEFORE_MS } from '../../src/rules/phone.js';

const event = (over: Partial<WireEvent> = {}): WireEvent => ({
  s: 'tr-site',
  u: 'https://shop.example/',
  sid: '0b5e6c9e-4a39-4c1f-9f1e-2f6a1d0c9a11',
  sm: '2026-11',
  ec: 'conversion',
  ea: 'phone_click',
  el: '+90 532 555 12 34',
  ...over,
});
const regions: Record<string, string | null> = { 'tr-site': 'TR', 'no-region': null };
const regionOf = (publicId: string) => regions[publicId] ?? null;

describe('phoneCalls', () => {
  it('gives each phone_click its index in the batch and its number in E.164', () => {
    const events = [
      event({ ec: 'pageview', ea: 'view', el: undefined }),
      event(),
      event({ ec: 'interaction', ea: 'click', el: 'a[href^="tel:"]' }),
      event({ el: '(0212) 555-01.99' }),
    ];
    expect(phoneCalls(events, regionOf)).toEqual([
      [1, '+905325551234'],
      [3, '+902125550199'],
    ]);
  });

  it("reads a national number in the event's own site's region; without a region only international ones", () => {
    expect(phoneCalls([event({ el: '0532 555 12 34' })], regionOf)).toEqual([[0, '+905325551234']]);
    expect(phoneCalls([event({ s: 'no-region', el: '0532 555 12 34' })], regionOf)).toEqual([]);
    expect(phoneCalls([event({ s: 'no-region', el: '+1 202 555 0123' })], regionOf)).toEqual([[0, '+12025550123']]);
    // Two sites in one batch: each event its own site's region.
    expect(phoneCalls([event({ s: 'no-region', el: '0532 555 12 34' }), event({ el: '0532 555 12 34' })], regionOf)).toEqual([
      [1, '+905325551234'],
    ]);
  });

  it('records no call for what /api/call-event refused: no label, no digits, not a number, other characters, too long', () => {
    for (const el of [undefined, '', '+', '12', 'call us', '+90 532 555 12 34 ext', '+90 532 555 12 34'.padEnd(33, ' ')]) {
      expect(phoneCalls([event({ el })], regionOf)).toEqual([]);
    }
    // At the limit (32 characters) a number is still one.
    expect(phoneCalls([event({ el: '+90 532 555 12 34'.padStart(32, ' ') })], regionOf)).toEqual([[0, '+905325551234']]);
  });

  it('only conversion/phone_click, exactly', () => {
    for (const over of [{ ec: 'Conversion' }, { ea: 'phone-click' }, { ec: 'interaction' }, { ea: 'form_submit' }]) {
      expect(phoneCalls([event(over)], regionOf)).toEqual([]);
    }
  });

  it('the window a call request is the recorded call in: the accepted clock skew and 30 s on each side', () => {
    expect(SAME_CALL_BEFORE_MS).toBe(CALL_TIME_FUTURE_MS + 30_000);
    expect(SAME_CALL_BEFORE_MS).toBe(330_000);
    expect(SAME_CALL_AFTER_MS).toBe(30_000);
  });
});
