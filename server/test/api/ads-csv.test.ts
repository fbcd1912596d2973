/**
 * GET /api/ads/conversions.csv for a seeded site (calls, forms, gclid/gbraid/wbraid, carried and
 * earlier click ids, leads, time zones, values), parsed back and checked row by row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { counts, openHarness, type Harness } from '../support/harness.js';
import { seedSettings, seedSite, type Seeded } from '../support/ads-seed.js';
import { saveAdsSettings } from '../../src/store/conversions.js';
import { adsDateTime, localDateTime } from '../../src/rules/conversions.js';

/** RFC 4180 parser, written for the test so that the server's writer is not checked by itself. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

/** Wall-clock text of `ms` at a fixed UTC offset, computed without Intl. */
function atOffset(ms: number, offsetMinutes: number): string {
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19).replace('T', ' ');
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.each(backends)('GET /api/ads/conversions.csv on %s', (kind) => {
  let h: Harness;
  let seed: Seeded;
  beforeAll(async () => {
    h = await openHarness(kind);
    seed = await seedSite(h);
    await saveAdsSettings(h.db, seed.site.id, seedSettings());
  });
  afterAll(async () => {
    await h?.close();
  });

  async function get(query = '', auth: string | null = basic(seed.site.publicId, seed.site.secret), method = 'GET') {
    const headers = new Headers();
    if (auth) headers.set('authorization', auth);
    const res = await h.handler(new Request(`https://api.opsmantik.test/api/ads/conversions.csv${query}`, { method, headers }));
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  it('writes the gclid conversions in the import template, one row each, in the site time zone', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const [params, header, ...rows] = parseCsv(res.text);
    expect(params).toEqual(['Parameters:TimeZone=Europe/Istanbul']);
    expect(header).toEqual(['Google Click ID', 'Conversion Name', 'Conversion Time', 'Conversion Value', 'Conversion Currency']);
    const expected = seed.expected
      .filter((c) => c.clickIdKind === 'gclid')
      .sort((a, b) => a.at - b.at)
      // Istanbul is UTC+3 all year (no daylight saving since 2016).
      .map((c) => [c.clickId, c.action, atOffset(c.at, 180), String(c.value), 'EUR']);
    expect(expected).toHaveLength(6);
    // Rows of the same moment (a form and the lead it made) come in order id order; compare as sets
    // of rows, and check the time order separately.
    expect([...rows].sort()).toEqual([...expected].sort());
    const times = rows.map((r) => r[2]!);
    expect(times).toEqual([...times].sort());
  });

  it('ids=all adds the GBRAID and WBRAID columns, exactly one id per row', async () => {
    const res = await get('?ids=all');
    const [, header, ...rows] = parseCsv(res.text);
    expect(header).toEqual(['Google Click ID', 'Conversion Name', 'Conversion Time', 'Conversion Value', 'Conversion Currency', 'GBRAID', 'WBRAID']);
    expect(rows).toHaveLength(seed.expected.length);
    for (const row of rows) expect(row.filter((_, i) => i === 0 || i === 5 || i === 6).filter(Boolean)).toHaveLength(1);
    const gbraid = rows.find((r) => r[5] === seed.ids.b1)!;
    expect(gbraid).toEqual(['', 'Leads', atOffset(seed.expected.find((c) => c.clickId === seed.ids.b1)!.at, 180), '10', 'EUR', seed.ids.b1, '']);
    const wbraid = rows.find((r) => r[6] === seed.ids.w1)!;
    expect(wbraid).toEqual(['', 'Calls', atOffset(seed.expected.find((c) => c.clickId === seed.ids.w1)!.at, 180), '30', 'EUR', '', seed.ids.w1]);
    // Left out: the organic form (no click id) and the newsletter (mapped to nothing).
    expect(res.text).not.toContain(seed.ids.g2);
  });

  it('follows the time zone setting (Asia/Kolkata, +05:30) and quotes names with commas', async () => {
    await saveAdsSettings(h.db, seed.site.id, seedSettings({ timeZone: 'Asia/Kolkata', callAction: 'Calls, qualified "hot"' }));
    try {
      const [params, , ...rows] = parseCsv((await get()).text);
      expect(params).toEqual(['Parameters:TimeZone=Asia/Kolkata']);
      const callA = seed.expected.find((c) => c.kind === 'call' && c.clickIdKind === 'gclid')!;
      expect(rows).toContainEqual([callA.clickId, 'Calls, qualified "hot"', atOffset(callA.at, 330), '30', 'EUR']);
    } finally {
      await saveAdsSettings(h.db, seed.site.id, seedSettings());
    }
  });

  it('a period (from/to) selects by conversion time; a bad period is a 400 that reads nothing', async () => {
    const first = seed.expected.filter((c) => c.clickIdKind === 'gclid').sort((a, b) => a.at - b.at)[0]!;
    const from = new Date(first.at).toISOString();
    const to = new Date(first.at + 1000).toISOString();
    const [, , ...rows] = parseCsv((await get(`?from=${from}&to=${to}`)).text);
    expect(rows).toEqual([[first.clickId, first.action, atOffset(first.at, 180), String(first.value), 'EUR']]);
    for (const q of ['?days=0', '?days=abc', '?from=yesterday', `?from=${to}&to=${from}`, '?days=3&from=2026-01-01', '?ids=braid']) {
      const res = await get(q);
      expect([q, res.status, JSON.parse(res.text).error]).toEqual([q, 400, 'invalid_query']);
    }
  });

  it('needs HTTP Basic with the site public id and its secret; others get 401 with a challenge', async () => {
    const before = await counts(h.db);
    const other = await h.newSite();
    for (const auth of [null, basic(seed.site.publicId, 'oms_wrong'), basic(other.publicId, seed.site.secret), basic('om_nobody', seed.site.secret), `Bearer ${seed.site.secret}`]) {
      const res = await get('', auth);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(JSON.parse(res.text).error).toBe('unauthorized');
    }
    // The other site's own secret reads the other site, which has no conversions.
    const [, , ...rows] = parseCsv((await get('', basic(other.publicId, other.secret))).text);
    expect(rows).toEqual([]);
    expect(await counts(h.db)).toEqual(before);
    expect((await get('', undefined, 'POST')).status).toBe(405);
    const head = await get('', undefined, 'HEAD');
    expect([head.status, head.text]).toEqual([200, '']);
  });

  it('logs the request without the secret', async () => {
    await get();
    const line = JSON.stringify(h.logs.filter((l) => l.path === '/api/ads/conversions.csv'));
    expect(line).toContain(seed.site.publicId);
    expect(line).not.toContain(seed.site.secret);
  });
});

describe('conversion times', () => {
  it('carry the zone offset of their own date (daylight saving), for the API and the file', () => {
    const summer = Date.UTC(2026, 6, 1, 12, 0, 5);
    const winter = Date.UTC(2026, 0, 15, 12, 0, 5);
    expect(adsDateTime(summer, 'America/New_York')).toBe('2026-07-01 08:00:05-04:00');
    expect(adsDateTime(winter, 'America/New_York')).toBe('2026-01-15 07:00:05-05:00');
    expect(adsDateTime(winter, 'UTC')).toBe('2026-01-15 12:00:05+00:00');
    expect(adsDateTime(winter, 'Asia/Kolkata')).toBe('2026-01-15 17:30:05+05:30');
    // Midnight is 00, never 24; the date moves with the zone.
    expect(adsDateTime(Date.UTC(2026, 0, 15, 5, 0, 0), 'America/New_York')).toBe('2026-01-15 00:00:00-05:00');
    expect(localDateTime(Date.UTC(2026, 0, 15, 4, 59, 59), 'America/New_York')).toBe('2026-01-14 23:59:59');
  });
});
