/**
 * Click-id rules at their edges (found by mutation testing, docs/testing.md): the length limit of a
 * click id, results that hold no empty keys, and a Cookie header read part by part.
 */
import { describe, expect, it } from 'vitest';
import { cleanClickId, clickIdsOf, earlierClickIdsOf } from '../../src/rules/attribution.js';
import { clickIdCookie, readClickIdCookie } from '../../src/rules/clickid-cookie.js';

describe('a click id', () => {
  it('is 1 to 512 characters without NUL', () => {
    expect(cleanClickId('')).toBeUndefined();
    expect(cleanClickId('g')).toBe('g');
    expect(cleanClickId('g'.repeat(512))).toBe('g'.repeat(512));
    expect(cleanClickId('g'.repeat(513))).toBeUndefined();
    expect(cleanClickId('a\u0000b')).toBeUndefined();
    expect(cleanClickId(42)).toBeUndefined();
  });

  it('an event without one yields an object with no keys at all', () => {
    expect(clickIdsOf('https://shop.example/?gclid=', { wbraid: '' })).toStrictEqual({});
    expect(earlierClickIdsOf({ prev_gclid: '', prev_gbraid: 3 })).toStrictEqual({});
  });
});

describe('the click-id cookie', () => {
  it('is named om_click', () => {
    expect(clickIdCookie({ gclid: 'G1' })).toMatch(/^om_click=gclid%3AG1; /);
  });

  it('is found after a cookie whose name merely starts the same, without "="', () => {
    expect(readClickIdCookie('om_clickX; om_click=gclid%3AG1')).toEqual({ gclid: 'G1' });
  });

  it('ignores the spaces around a value', () => {
    expect(readClickIdCookie('a=1; om_click=gclid%3AG1 ; b=2')).toEqual({ gclid: 'G1' });
  });

  it('holds nothing without the key and colon', () => {
    expect(readClickIdCookie('om_click=gclidX')).toEqual({});
    expect(readClickIdCookie('om_click=%3AG1')).toEqual({});
  });
});
