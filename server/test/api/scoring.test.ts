import { describe, expect, it } from 'vitest';
import { isGoogleSearchReferrer, leadScore, type SessionSignals } from '../../src/rules/scoring.js';

const none: SessionSignals = {
  conversion: false,
  interaction: false,
  hoverIntent: false,
  maxScrollDepth: 0,
  referrer: null,
  attribution: 'organic',
};

describe('lead score (contract 4)', () => {
  // One row per line of the contract's table: the signal alone gives its points.
  it.each<[string, Partial<SessionSignals>, number]>([
    ['no signal', {}, 0],
    ['any conversion event', { conversion: true }, 50],
    ['any interaction event', { interaction: true }, 10],
    ['scroll depth reached 50%', { maxScrollDepth: 50 }, 10],
    ['scroll depth reached 90% (50% counts too)', { maxScrollDepth: 90 }, 30],
    ['any hover_intent event', { hoverIntent: true }, 15],
    ['referrer is a Google search host', { referrer: 'https://www.google.com/search?q=plumber' }, 5],
    ['returning ad user (ads_assisted)', { attribution: 'ads_assisted' }, 25],
  ])('%s', (_name, signals, points) => {
    expect(leadScore({ ...none, ...signals })).toBe(points);
  });

  it('counts scroll milestones below 50% as nothing and 75% as the 50% signal only', () => {
    expect(leadScore({ ...none, maxScrollDepth: 25 })).toBe(0);
    expect(leadScore({ ...none, maxScrollDepth: 75 })).toBe(10);
    expect(leadScore({ ...none, maxScrollDepth: 100 })).toBe(30);
  });

  it('gives paid sessions no returning-user points', () => {
    expect(leadScore({ ...none, attribution: 'paid' })).toBe(0);
  });

  it('sums the signals', () => {
    expect(leadScore({ ...none, interaction: true, hoverIntent: true, maxScrollDepth: 50 })).toBe(35);
  });

  it('caps the sum at 100', () => {
    const all: SessionSignals = {
      conversion: true,
      interaction: true,
      hoverIntent: true,
      maxScrollDepth: 90,
      referrer: 'https://www.google.de/',
      attribution: 'ads_assisted',
    };
    // 50 + 10 + 15 + 30 + 5 + 25 = 135
    expect(leadScore(all)).toBe(100);
    expect(leadScore({ ...all, attribution: 'paid' })).toBe(100);
    expect(leadScore({ ...all, conversion: false, attribution: 'paid' })).toBe(60);
  });
});

describe('Google search referrer', () => {
  it.each([
    ['https://www.google.com/', true],
    ['https://google.com/search?q=x', true],
    ['https://www.google.co.uk/', true],
    ['https://www.google.com.tr/', true],
    ['https://www.google.de/url?q=x', true],
    ['https://mail.google.com/', false],
    ['https://google.evil.com/', false],
    ['https://www.google.com.evil.net/', false],
    ['https://bing.com/', false],
    ['not a url', false],
    ['', false],
  ])('%s -> %s', (referrer, expected) => {
    expect(isGoogleSearchReferrer(referrer)).toBe(expected);
  });
});
