import { describe, expect, it } from 'vitest';
import { CLICK_COOKIE, clickIdCookie, isFirstParty, readClickIdCookie } from '../../src/rules/clickid-cookie.js';

describe('click-id cookie', () => {
  it('is first-party, HttpOnly, Secure, SameSite=Lax and lasts 90 days', () => {
    const cookie = clickIdCookie({ gclid: 'Cj0KCQ-abc_1' })!;
    expect(cookie.startsWith(`${CLICK_COOKIE}=`)).toBe(true);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain(`Max-Age=${90 * 24 * 3600}`);
    expect(cookie).toContain('Path=/');
  });

  it('round-trips through a Cookie header', () => {
    const pair = clickIdCookie({ gbraid: 'a b;c=d' })!.split(';')[0]!;
    expect(readClickIdCookie(`other=1; ${pair}; x=y`)).toEqual({ gbraid: 'a b;c=d' });
  });

  it('is not made without a click id', () => {
    expect(clickIdCookie({})).toBeUndefined();
  });

  it('ignores malformed or foreign values', () => {
    expect(readClickIdCookie(null)).toEqual({});
    expect(readClickIdCookie(`${CLICK_COOKIE}=%E0%A4%A`)).toEqual({});
    expect(readClickIdCookie(`${CLICK_COOKIE}=evil:1`)).toEqual({});
    expect(readClickIdCookie(`${CLICK_COOKIE}=gclid%3A`)).toEqual({});
  });

  it('knows a same-origin request from a cross-origin one', () => {
    const req = (headers: Record<string, string>) => new Request('https://shop.example/api/sync', { method: 'POST', headers });
    expect(isFirstParty(req({ origin: 'https://shop.example' }), 'https://shop.example')).toBe(true);
    expect(isFirstParty(req({ origin: 'https://other.example' }), 'https://shop.example')).toBe(false);
    expect(isFirstParty(req({ 'sec-fetch-site': 'same-origin' }), 'https://shop.example')).toBe(true);
    expect(isFirstParty(req({}), 'https://shop.example')).toBe(false);
  });
});
