import { describe, expect, it } from 'vitest';
import { attribute, clickIdsOf, earlierClickIdsOf, hasClickId } from '../../src/rules/attribution.js';

describe('attribution (contract 5)', () => {
  it('paid: a click id in this session, whatever happened before', () => {
    expect(attribute({ ownClickId: true, earlierClickId: false })).toBe('paid');
    expect(attribute({ ownClickId: true, earlierClickId: true })).toBe('paid');
  });
  it('ads_assisted: no click id now, one earlier for the same visitor', () => {
    expect(attribute({ ownClickId: false, earlierClickId: true })).toBe('ads_assisted');
  });
  it('organic: neither', () => {
    expect(attribute({ ownClickId: false, earlierClickId: false })).toBe('organic');
  });
});

describe('click ids of an event', () => {
  it('reads gclid, gbraid and wbraid from the page URL', () => {
    expect(clickIdsOf('https://shop.example/?gclid=abc&x=1', undefined)).toEqual({ gclid: 'abc' });
    expect(clickIdsOf('https://shop.example/?gbraid=g1&wbraid=w1', undefined)).toEqual({ gbraid: 'g1', wbraid: 'w1' });
  });
  it('reads them from meta when the URL has none (the tracker copies them from the landing URL)', () => {
    expect(clickIdsOf('https://shop.example/page2', { gclid: 'from-meta', fp: 'x' })).toEqual({ gclid: 'from-meta' });
  });
  it('prefers the URL over meta', () => {
    expect(clickIdsOf('https://shop.example/?gclid=url', { gclid: 'meta' })).toEqual({ gclid: 'url' });
  });
  it('ignores empty and non-string values and unparsable URLs', () => {
    expect(clickIdsOf('https://shop.example/?gclid=', { gbraid: 5, wbraid: '' })).toEqual({});
    expect(clickIdsOf('not a url', {})).toEqual({});
    expect(hasClickId({})).toBe(false);
  });
  it('reads earlier click ids carried by the browser (meta.prev_gclid)', () => {
    expect(earlierClickIdsOf({ prev_gclid: 'old' })).toEqual({ gclid: 'old' });
    expect(earlierClickIdsOf({ gclid: 'now' })).toEqual({});
    expect(hasClickId(earlierClickIdsOf({ prev_wbraid: 'w' }))).toBe(true);
  });
});
