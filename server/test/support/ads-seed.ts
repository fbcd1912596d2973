/**
 * A seeded site for the Google Ads tests, written through the real handler (sync and call-event),
 * so the conversions come from what ingest and call matching actually store. Every visitor's
 * events lie two days back on whole seconds, so the expected times are known exactly.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { callEvent, sync, wireEvent, type Harness } from './harness.js';
import type { CreatedSite } from '../../src/store/sites.js';
import { DEFAULT_ADS_SETTINGS, type AdsSettings } from '../../src/rules/conversions.js';

const MIN = 60_000;

export interface ExpectedConversion {
  kind: 'call' | 'conversion' | 'lead';
  clickIdKind: 'gclid' | 'gbraid' | 'wbraid';
  clickId: string;
  action: string;
  value: number;
  /** Epoch ms (whole seconds). */
  at: number;
}

export interface Seeded {
  site: CreatedSite;
  /** Click ids of this seed (unique per call of seedSite). */
  ids: { g1: string; g2: string; p1: string; b1: string; w1: string };
  expected: ExpectedConversion[];
}

/** The settings the seed's expectations assume. */
export function seedSettings(overrides: Partial<AdsSettings> = {}): AdsSettings {
  return {
    ...DEFAULT_ADS_SETTINGS,
    timeZone: 'Europe/Istanbul',
    currency: 'EUR',
    callAction: 'Calls',
    callValue: 30,
    conversionAction: 'Leads',
    conversionValue: 10,
    conversionActions: { newsletter: null },
    leadAction: 'Hot leads',
    leadThreshold: 60,
    leadValue: 5,
    ...overrides,
  };
}

/**
 * Visitors: A (gclid: a form with value 120, then a call), B (gbraid: a form without value),
 * C (wbraid: a call), D (no click id: a form, left out), E (A again without a click id: a form,
 * attributed to A's gclid, and a lead), F (carries prev_gclid: a form and a lead), G (gclid: a
 * `newsletter` conversion, which the settings leave out).
 */
export async function seedSite(h: Harness, site?: CreatedSite): Promise<Seeded> {
  const s = site ?? (await h.newSite());
  const tag = randomUUID().slice(0, 8);
  const ids = { g1: `Cj0G1${tag}`, g2: `Cj0G2${tag}`, p1: `Cj0P1${tag}`, b1: `0AAB1${tag}`, w1: `ClkW1${tag}` };
  const base = Math.floor((Date.now() - 2 * 86_400_000) / 1000) * 1000;
  const fp = (v: string) => `fp-${v}-${tag}`;
  const expected: ExpectedConversion[] = [];

  async function visit(events: Array<Partial<ReturnType<typeof wireEvent>>>) {
    const sid = randomUUID();
    const body = events.map((e, i) => wireEvent(s.publicId, { sid, i: `e${i}`, ...e }));
    const res = await sync(h.handler, body);
    expect(res.status).toBe(200);
    return sid;
  }
  async function call(visitor: string, at: number) {
    // The site's telephony reports the call with the site secret (fingerprint matching is for those callers).
    const res = await callEvent(
      h.handler,
      { site_id: s.publicId, phone_number: '+90 532 555 12 34', fingerprint: visitor, call_time: new Date(at).toISOString() },
      { headers: { authorization: `Bearer ${s.secret}` } },
    );
    expect(res.json.status).toBe('matched');
  }

  // A: paid (gclid), a lead form worth 120, then a phone call 5 minutes later.
  const tA = base;
  await visit([
    { u: `https://shop.example/?gclid=${ids.g1}`, t: tA - MIN, meta: { fp: fp('a') } },
    { ec: 'conversion', ea: 'lead_form', ev: 120, t: tA, meta: { fp: fp('a') } },
  ]);
  expected.push({ kind: 'conversion', clickIdKind: 'gclid', clickId: ids.g1, action: 'Leads', value: 120, at: tA });
  await call(fp('a'), tA + 5 * MIN);
  expected.push({ kind: 'call', clickIdKind: 'gclid', clickId: ids.g1, action: 'Calls', value: 30, at: tA + 5 * MIN });

  // B: gbraid, a form without its own value.
  const tB = base + 10 * MIN;
  await visit([
    { u: `https://shop.example/?gbraid=${ids.b1}`, t: tB - MIN, meta: { fp: fp('b') } },
    { ec: 'conversion', ea: 'lead_form', t: tB, meta: { fp: fp('b') } },
  ]);
  expected.push({ kind: 'conversion', clickIdKind: 'gbraid', clickId: ids.b1, action: 'Leads', value: 10, at: tB });

  // C: wbraid, a call.
  const tC = base + 20 * MIN;
  await visit([{ u: `https://shop.example/?wbraid=${ids.w1}`, t: tC - MIN, meta: { fp: fp('c') } }]);
  await call(fp('c'), tC);
  expected.push({ kind: 'call', clickIdKind: 'wbraid', clickId: ids.w1, action: 'Calls', value: 30, at: tC });

  // D: organic, a form: no click id anywhere, so nothing for Google.
  await visit([{ ec: 'conversion', ea: 'lead_form', t: base + 30 * MIN, meta: { fp: fp('d') } }]);

  // E: A comes back three hours later without a click id; the earlier session's gclid counts.
  // Assisted (+25) and a conversion (+50): score 75, a lead.
  const tE = base + 3 * 60 * MIN;
  await visit([
    { t: tE - MIN, meta: { fp: fp('a') } },
    { ec: 'conversion', ea: 'lead_form', ev: 5.5, t: tE, meta: { fp: fp('a') } },
  ]);
  expected.push({ kind: 'conversion', clickIdKind: 'gclid', clickId: ids.g1, action: 'Leads', value: 5.5, at: tE });
  expected.push({ kind: 'lead', clickIdKind: 'gclid', clickId: ids.g1, action: 'Hot leads', value: 5, at: tE });

  // F: the browser carries an earlier gclid (meta.prev_gclid); a form; also a lead (75).
  const tF = base + 4 * 60 * MIN;
  await visit([
    { t: tF - MIN, meta: { fp: fp('f'), prev_gclid: ids.p1 } },
    { ec: 'conversion', ea: 'lead_form', t: tF, meta: { fp: fp('f') } },
  ]);
  expected.push({ kind: 'conversion', clickIdKind: 'gclid', clickId: ids.p1, action: 'Leads', value: 10, at: tF });
  expected.push({ kind: 'lead', clickIdKind: 'gclid', clickId: ids.p1, action: 'Hot leads', value: 5, at: tF });

  // G: paid, but a newsletter sign-up, which the settings map to nothing.
  await visit([
    { u: `https://shop.example/?gclid=${ids.g2}`, t: base + 5 * 60 * MIN - MIN, meta: { fp: fp('g') } },
    { ec: 'conversion', ea: 'newsletter', t: base + 5 * 60 * MIN, meta: { fp: fp('g') } },
  ]);

  return { site: s, ids, expected };
}
