/**
 * The pure rules of the Google Ads upload: which candidates become conversions, which click id,
 * consent, lead settling, what an answer means for a row, and that the build holds no credential.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireBuild } from '../../../test/support/build.js';
import { DEFAULT_ADS_SETTINGS, LEAD_SETTLE_MS, conversionsCsv, pickClickId, toConversion, type ConversionFacts } from '../../src/rules/conversions.js';
import { MAX_ATTEMPTS, backoffMs, outcomeOf } from '../../src/rules/upload-outcome.js';
import { rowErrorsOf } from '../../src/ads/google-ads.js';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const facts = (over: Partial<ConversionFacts> = {}): ConversionFacts => ({
  kind: 'conversion',
  sourceId: 'AAAAAAAA-0000-4000-8000-000000000001',
  at: NOW - 3600_000,
  action: 'lead_form',
  value: null,
  score: null,
  hasFingerprint: true,
  own: {},
  carried: {},
  earlier: {},
  ...over,
});

describe('conversion rules', () => {
  it('takes the own click id before a carried one before an earlier visit\'s, gclid before gbraid before wbraid', () => {
    expect(pickClickId(facts({ own: { wbraid: 'w', gbraid: 'g' }, carried: { gclid: 'c' } }))).toEqual({ kind: 'gbraid', value: 'g' });
    expect(pickClickId(facts({ carried: { wbraid: 'w' }, earlier: { gclid: 'e' } }))).toEqual({ kind: 'wbraid', value: 'w' });
    expect(pickClickId(facts({ earlier: { gclid: 'e' } }))).toEqual({ kind: 'gclid', value: 'e' });
    expect(pickClickId(facts())).toBeUndefined();
  });

  it('leaves out click ids that are not shaped like one (a formula, spaces), falling back to the next', () => {
    expect(pickClickId(facts({ own: { gclid: '=HYPERLINK("x")' }, carried: { gclid: 'Cj0ok' } }))).toEqual({ kind: 'gclid', value: 'Cj0ok' });
    expect(pickClickId(facts({ own: { gclid: 'a b' } }))).toBeUndefined();
  });

  it('names, values and kinds follow the settings; a null name leaves the kind or event action out', () => {
    const s = { ...DEFAULT_ADS_SETTINGS, conversionActions: { newsletter: null, quote: 'Quote requests' }, conversionValue: 7 };
    const own = { gclid: 'Cj0x' };
    expect(toConversion(facts({ own }), s, NOW)).toMatchObject({ conversionAction: 'OpsMantik conversion', value: 7, orderId: 'om-conv-aaaaaaaa-0000-4000-8000-000000000001' });
    expect(toConversion(facts({ own, action: 'quote', value: 99 }), s, NOW)).toMatchObject({ conversionAction: 'Quote requests', value: 99 });
    expect(toConversion(facts({ own, action: 'newsletter' }), s, NOW)).toBeUndefined();
    expect(toConversion(facts({ own, value: -5 }), s, NOW)?.value).toBe(7);
    expect(toConversion(facts({ own, kind: 'call' }), { ...s, callAction: null }, NOW)).toBeUndefined();
    expect(toConversion(facts({ own, kind: 'call' }), { ...s, callValue: 40 }, NOW)).toMatchObject({ conversionAction: 'OpsMantik call', value: 40 });
  });

  it('a lead counts from its threshold and only once the visit has been idle 30 minutes', () => {
    const s = { ...DEFAULT_ADS_SETTINGS, leadAction: 'Hot', leadThreshold: 60, leadValue: 3 };
    const lead = (score: number, idle: number) => facts({ kind: 'lead', score, at: NOW - idle, own: { gclid: 'Cj0x' } });
    expect(toConversion(lead(60, LEAD_SETTLE_MS), s, NOW)).toMatchObject({ kind: 'lead', conversionAction: 'Hot', value: 3 });
    expect(toConversion(lead(59, LEAD_SETTLE_MS), s, NOW)).toBeUndefined();
    expect(toConversion(lead(90, LEAD_SETTLE_MS - 1), s, NOW)).toBeUndefined();
    expect(toConversion(lead(90, LEAD_SETTLE_MS), DEFAULT_ADS_SETTINGS, NOW)).toBeUndefined();
  });

  it('consent: GRANTED with a fingerprint (taken only after consent), else UNSPECIFIED, unless the site says', () => {
    const own = { gclid: 'Cj0x' };
    expect(toConversion(facts({ own }), DEFAULT_ADS_SETTINGS, NOW)?.adUserData).toBe('GRANTED');
    expect(toConversion(facts({ own, hasFingerprint: false }), DEFAULT_ADS_SETTINGS, NOW)?.adUserData).toBe('UNSPECIFIED');
    expect(toConversion(facts({ own }), { ...DEFAULT_ADS_SETTINGS, adUserData: 'denied' }, NOW)?.adUserData).toBe('DENIED');
  });

  it('the file writes values without exponent and at most 2 decimals', () => {
    const c = toConversion(facts({ own: { gclid: 'Cj0x' }, value: 1234567.125 }), DEFAULT_ADS_SETTINGS, NOW)!;
    expect(conversionsCsv([c], 'UTC').split('\r\n')[2]).toBe('Cj0x,OpsMantik conversion,2026-11-30 11:00:00,1234567.13,USD');
  });
});

describe('upload outcomes', () => {
  it('accepted or already there: uploaded; a passing error: failed with backoff; others and the 8th failure: rejected', () => {
    expect(outcomeOf(undefined, undefined, 1, NOW)).toEqual({ status: 'uploaded', nextAttemptAt: null });
    expect(outcomeOf('ORDER_ID_ALREADY_IN_USE', 'conversionUploadError', 2, NOW).status).toBe('uploaded');
    expect(outcomeOf('TOO_RECENT_EVENT', 'conversionUploadError', 1, NOW)).toEqual({ status: 'failed', nextAttemptAt: NOW + 15 * 60_000 });
    expect(outcomeOf('TRANSIENT_ERROR', 'request', 3, NOW)).toEqual({ status: 'failed', nextAttemptAt: NOW + 60 * 60_000 });
    expect(outcomeOf('UNPARSEABLE_GCLID', 'conversionUploadError', 1, NOW).status).toBe('rejected');
    expect(outcomeOf('TOO_RECENT_EVENT', 'conversionUploadError', MAX_ATTEMPTS, NOW).status).toBe('rejected');
    expect(backoffMs(20)).toBe(24 * 3600_000);
  });

  it('row errors are read from a partial failure by their conversions[index]', () => {
    expect(rowErrorsOf({
      details: [{ errors: [
        { errorCode: { conversionUploadError: 'TOO_RECENT_EVENT' }, message: 'm', location: { fieldPathElements: [{ fieldName: 'conversions', index: 3 }, { fieldName: 'gclid' }] } },
        { errorCode: { requestError: 'X' }, message: 'no location' },
      ] }],
    })).toEqual([{ index: 3, code: 'TOO_RECENT_EVENT', family: 'conversionUploadError', message: 'm' }]);
    expect(rowErrorsOf(undefined)).toEqual([]);
  });
});

describe('the build', () => {
  it('holds no OAuth token, client secret or refresh token', () => {
    requireBuild(['server/dist/node/cli.js', 'server/dist/node.js']);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk('server/dist');
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect([f, /ya29\.[A-Za-z0-9_-]{20,}|1\/\/0[A-Za-z0-9_-]{20,}|GOCSPX-[A-Za-z0-9_-]{8,}/.exec(text)?.[0]]).toEqual([f, undefined]);
    }
  });
});
