import { describe, expect, it } from 'vitest';
import { normalizeOrigin, originAllowed } from '../../src/store/sites.js';
import { clientAddress } from '../../src/http/handler.js';
import { scrub } from '../../src/http/log.js';
import { sha256Hex, tokenMatches } from '../../src/http/tokens.js';

describe('origins', () => {
  it('normalises', () => {
    expect(normalizeOrigin('https://Shop.Example:443/')).toBe('https://shop.example');
    expect(normalizeOrigin('http://localhost:3000/path')).toBe('http://localhost:3000');
    expect(normalizeOrigin('https://*.Example.com')).toBe('https://*.example.com');
    expect(normalizeOrigin('ftp://x')).toBeUndefined();
    expect(normalizeOrigin('nonsense')).toBeUndefined();
  });

  it('allows exactly the listed origins', () => {
    const allowed = ['https://shop.example', 'http://localhost:3000'];
    expect(originAllowed('https://shop.example', allowed)).toBe(true);
    expect(originAllowed('http://localhost:3000', allowed)).toBe(true);
    expect(originAllowed('http://shop.example', allowed)).toBe(false);
    expect(originAllowed('https://shop.example.evil', allowed)).toBe(false);
    expect(originAllowed('http://localhost:3001', allowed)).toBe(false);
    expect(originAllowed(null, allowed)).toBe(false);
    expect(originAllowed('null', allowed)).toBe(false);
  });

  it('allows subdomains for a wildcard entry, not the bare domain or look-alikes', () => {
    const allowed = ['https://*.example.com'];
    expect(originAllowed('https://www.example.com', allowed)).toBe(true);
    expect(originAllowed('https://a.b.example.com', allowed)).toBe(true);
    expect(originAllowed('https://example.com', allowed)).toBe(false);
    expect(originAllowed('https://evilexample.com', allowed)).toBe(false);
    expect(originAllowed('http://www.example.com', allowed)).toBe(false);
  });
});

describe('client address', () => {
  const req = (xff?: string) => new Request('http://x.test/', { headers: xff ? { 'x-forwarded-for': xff } : {} });
  it('uses the socket address unless a proxy is trusted', () => {
    expect(clientAddress(req('1.2.3.4'), { remoteAddress: '10.0.0.1' }, false)).toBe('10.0.0.1');
    expect(clientAddress(req(), undefined, false)).toBe('unknown');
  });
  it('takes the address the trusted proxy saw, not what the client wrote', () => {
    expect(clientAddress(req('6.6.6.6, 1.2.3.4'), { remoteAddress: '10.0.0.1' }, true)).toBe('1.2.3.4');
    expect(clientAddress(req('6.6.6.6, 1.2.3.4, 10.0.0.2'), { remoteAddress: '10.0.0.1' }, 2)).toBe('1.2.3.4');
    expect(clientAddress(req(), { remoteAddress: '10.0.0.1' }, true)).toBe('10.0.0.1');
  });
});

describe('tokens and log scrubbing', () => {
  it('matches a token against its stored digest only', async () => {
    const hash = await sha256Hex('oml_secret');
    expect(await tokenMatches('oml_secret', hash)).toBe(true);
    expect(await tokenMatches('oml_secreT', hash)).toBe(false);
    expect(await tokenMatches(undefined, hash)).toBe(false);
    expect(await tokenMatches('oml_secret', null)).toBe(false);
  });
  it('masks phone numbers and tokens', () => {
    const text = scrub('call +90 (532) 555-12-34 with oml_AbC-123 and Bearer xyz.123');
    expect(text).not.toMatch(/555/);
    expect(text).not.toContain('oml_AbC');
    expect(text).not.toContain('xyz.123');
  });
});
