/**
 * The upload job against the local stand-in for Google's token endpoint and the Google Ads API
 * (test/support/google-ads-standin.ts): each conversion once, nothing on a second run, only the
 * failed rows retried, a revoked refresh token reported with nothing lost, whole-request retries,
 * and no credential in any log line or report.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { openHarness, type Harness } from '../support/harness.js';
import { seedSettings, seedSite, type Seeded } from '../support/ads-seed.js';
import { startStandIn, type StandIn, type StandInAccount } from '../support/google-ads-standin.js';
import { saveAdsSettings } from '../../src/store/conversions.js';
import { saveAdsCredentials, type AdsCredentials } from '../../src/ads/credentials.js';
import { makeKeyring } from '../../src/store/credentials.js';
import { runUploadJob, uploadSiteConversions, type UploadJobOptions } from '../../src/ads/upload-job.js';
import { uploadRows } from '../../src/store/ad-uploads.js';
import { orderIdOf } from '../../src/rules/conversions.js';
import type { LogEntry } from '../../src/http/log.js';

const MIN = 60_000;
const keyring = makeKeyring({ id: 'k1', key: randomBytes(32) });
const CUSTOMER = '1234567890';

function account(): StandInAccount & AdsCredentials {
  return {
    clientId: `client-${randomBytes(4).toString('hex')}.apps.googleusercontent.com`,
    clientSecret: `GOCSPX-${randomBytes(12).toString('hex')}`,
    refreshToken: `1//0g${randomBytes(24).toString('hex')}`,
    developerToken: `devtok${randomBytes(8).toString('hex')}`,
    customerId: CUSTOMER,
    conversionActions: { Calls: '111', Leads: '222', 'Hot leads': '333' },
  };
}

describe.each(backends)('Google Ads upload job on %s', (kind) => {
  let h: Harness;
  let google: StandIn;
  let creds: ReturnType<typeof account>;
  const logs: LogEntry[] = [];
  const waits: number[] = [];
  let clock = Date.now();

  const options = (): UploadJobOptions => ({
    db: h.db,
    keyring,
    log: (e) => logs.push(e),
    now: () => clock,
    tokenUrl: google.tokenUrl,
    adsBaseUrl: google.url,
    sleep: async (ms) => void waits.push(ms),
    backoffMs: 1000,
  });

  /** A seeded site whose owner is connected (credentials saved) and which uploads through the API. */
  async function connectedSite(): Promise<Seeded> {
    const seed = await seedSite(h);
    await saveAdsSettings(h.db, seed.site.id, seedSettings({ apiUpload: true }));
    await saveAdsCredentials(h.db, keyring, seed.site.userId, creds);
    return seed;
  }
  const site = (s: Seeded) => ({ id: s.site.id, publicId: s.site.publicId, userId: s.site.userId });
  const orderIds = (s: Seeded, rows: Awaited<ReturnType<typeof uploadRows>>) => rows.map((r) => r.order_id).sort();
  /** Conversions of the last upload request, by click id. */
  const lastRequestClickIds = () =>
    google.uploads[google.uploads.length - 1]!.conversions.map((c) => (c.gclid ?? c.gbraid ?? c.wbraid) as string).sort();

  beforeAll(async () => {
    h = await openHarness(kind);
    creds = account();
    google = await startStandIn(creds);
  });
  afterAll(async () => {
    await google?.close();
    await h?.close();
  });

  it('the first run uploads each conversion once as Google describes it; the second uploads nothing', async () => {
    const seed = await connectedSite();
    const before = google.uploads.length;
    const first = await uploadSiteConversions(options(), site(seed));
    expect(first.status).toBe('ok');
    expect(first.conversions.map((c) => c.status)).toEqual(seed.expected.map(() => 'uploaded'));
    expect(google.problems).toEqual([]);
    expect(google.uploads.length).toBe(before + 1);
    const sent = google.uploads[before]!.conversions;
    expect(sent).toHaveLength(seed.expected.length);
    for (const e of seed.expected) {
      const c = sent.find((x) => x[e.clickIdKind] === e.clickId && x.conversionAction === `customers/${CUSTOMER}/conversionActions/${creds.conversionActions[e.action]}` && x.conversionValue === e.value)!;
      expect(c).toBeDefined();
      // Istanbul: +03:00 all year.
      expect(c.conversionDateTime).toBe(`${new Date(e.at + 180 * MIN).toISOString().slice(0, 19).replace('T', ' ')}+03:00`);
      expect(c.currencyCode).toBe('EUR');
      // Every seeded visitor has a fingerprint, taken only after consent.
      expect(c.consent).toEqual({ adUserData: 'GRANTED' });
      expect(google.accepted.get(c.orderId as string)).toBe(1);
    }
    const rows = await uploadRows(h.db, seed.site.id);
    expect(rows.map((r) => [r.status, Number(r.attempts)])).toEqual(seed.expected.map(() => ['uploaded', 1]));

    const tokens = google.tokenRequests;
    const second = await uploadSiteConversions(options(), site(seed));
    expect(second).toMatchObject({ status: 'nothing_due', conversions: [] });
    expect(google.uploads.length).toBe(before + 1);
    expect(google.tokenRequests).toBe(tokens);
    expect(orderIds(seed, await uploadRows(h.db, seed.site.id))).toEqual(orderIds(seed, rows));
  });

  it('a partial failure: accepted rows stay done, a passing error is retried alone after its backoff, a permanent one never', async () => {
    const seed = await connectedSite();
    google.failRow(seed.ids.b1, 'TOO_RECENT_EVENT', 1);
    google.failRow(seed.ids.w1, 'UNPARSEABLE_WBRAID', 99);
    const first = await uploadSiteConversions(options(), site(seed));
    expect(first.status).toBe('partial');
    const byClick = (id: string) => first.conversions.find((c) => c.orderId === rowOf(id))!;
    const rows1 = await uploadRows(h.db, seed.site.id);
    const rowOf = (clickId: string) => {
      const e = seed.expected.find((x) => x.clickId === clickId)!;
      return rows1.find((r) => r.click_id_kind === e.clickIdKind && r.kind === e.kind)!.order_id;
    };
    expect(byClick(seed.ids.b1)).toMatchObject({ status: 'failed', code: 'TOO_RECENT_EVENT' });
    expect(byClick(seed.ids.w1)).toMatchObject({ status: 'rejected', code: 'UNPARSEABLE_WBRAID' });
    expect(first.conversions.filter((c) => c.status === 'uploaded')).toHaveLength(seed.expected.length - 2);
    expect(google.problems).toEqual([]);

    // Before the backoff (15 minutes) nothing is due.
    clock += 10 * MIN;
    expect((await uploadSiteConversions(options(), site(seed))).status).toBe('nothing_due');
    clock += 6 * MIN;
    const uploads = google.uploads.length;
    const second = await uploadSiteConversions(options(), site(seed));
    expect(google.uploads.length).toBe(uploads + 1);
    expect(lastRequestClickIds()).toEqual([seed.ids.b1]);
    expect(second.status).toBe('ok');
    expect(second.conversions).toEqual([expect.objectContaining({ status: 'uploaded', code: null })]);
    const b1 = (await uploadRows(h.db, seed.site.id)).find((r) => r.click_id_kind === 'gbraid')!;
    expect([b1.status, Number(b1.attempts), b1.error_code]).toEqual(['uploaded', 2, null]);
    const [history] = await h.db.query<{ history: unknown }>('select history from public.ad_uploads where site_id = $1 and order_id = $2', [seed.site.id, b1.order_id]);
    const entries = (typeof history!.history === 'string' ? JSON.parse(history!.history) : history!.history) as Array<{ status: string; code: string | null }>;
    expect(entries.map((x) => [x.status, x.code])).toEqual([['failed', 'TOO_RECENT_EVENT'], ['uploaded', null]]);

    clock += 24 * 60 * MIN;
    expect((await uploadSiteConversions(options(), site(seed))).status).toBe('nothing_due');
    for (const [orderId, n] of google.accepted) if (orderId.includes('-')) expect([orderId, n]).toEqual([orderId, 1]);
  });

  it('a revoked refresh token is reported, nothing is claimed or lost, and a new grant uploads everything', async () => {
    const seed = await connectedSite();
    const revokedCreds = { ...creds, refreshToken: `1//0g${randomBytes(24).toString('hex')}` };
    google.allowRefreshToken(revokedCreds.refreshToken);
    await saveAdsCredentials(h.db, keyring, seed.site.userId, revokedCreds);
    google.revoke(revokedCreds.refreshToken);
    const uploads = google.uploads.length;
    const report = await uploadSiteConversions(options(), site(seed));
    expect(report.status).toBe('auth');
    expect(report.message).toMatch(/invalid_grant/);
    expect(report.message).toMatch(/ads connect/);
    expect(google.uploads.length).toBe(uploads);
    expect(await uploadRows(h.db, seed.site.id)).toEqual([]);
    const [run] = await h.db.query<{ last_run_status: string; last_run_message: string }>(
      'select last_run_status, last_run_message from public.site_ads_settings where site_id = $1', [seed.site.id]);
    expect(run).toMatchObject({ last_run_status: 'auth', last_run_message: expect.stringMatching(/invalid_grant/) });

    await saveAdsCredentials(h.db, keyring, seed.site.userId, creds);
    const again = await uploadSiteConversions(options(), site(seed));
    expect(again.status).toBe('ok');
    expect(again.conversions).toHaveLength(seed.expected.length);
    expect(google.problems).toEqual([]);
  });

  it('an access token refused mid-run gives the claims back untouched', async () => {
    const seed = await connectedSite();
    const wrong = { ...creds, developerToken: 'devtok-wrong' };
    await saveAdsCredentials(h.db, keyring, seed.site.userId, wrong);
    const report = await uploadSiteConversions(options(), site(seed));
    expect(report.status).toBe('auth');
    expect(report.message).toMatch(/developer token/i);
    expect(await uploadRows(h.db, seed.site.id)).toEqual([]);
    await saveAdsCredentials(h.db, keyring, seed.site.userId, creds);
    expect((await uploadSiteConversions(options(), site(seed))).status).toBe('ok');
  });

  it('a request that fails as a whole (503) is retried with backoff within the run', async () => {
    const seed = await connectedSite();
    google.failRequests(503, 2);
    waits.length = 0;
    const uploads = google.uploads.length;
    const report = await uploadSiteConversions(options(), site(seed));
    expect(report.status).toBe('ok');
    expect(waits).toEqual([1000, 2000]);
    expect(google.uploads.length).toBe(uploads + 1);
  });

  it('when the retries run out, every row of the request is failed and sent again later', async () => {
    const seed = await connectedSite();
    google.failRequests(503, 4);
    const report = await uploadSiteConversions(options(), site(seed));
    expect(report.status).toBe('partial');
    expect(new Set(report.conversions.map((c) => `${c.status}:${c.code}`))).toEqual(new Set(['failed:TRANSIENT_ERROR']));
    clock += 16 * MIN;
    const again = await uploadSiteConversions(options(), site(seed));
    expect(again.status).toBe('ok');
    expect(again.conversions).toHaveLength(seed.expected.length);
  });

  it('an unknown conversion action name is reported per row and retried later', async () => {
    const seed = await connectedSite();
    await saveAdsSettings(h.db, seed.site.id, seedSettings({ apiUpload: true, callAction: 'Phone calls (not created yet)' }));
    const report = await uploadSiteConversions(options(), site(seed));
    const calls = report.conversions.filter((c) => c.kind === 'call');
    expect(calls.length).toBe(2);
    for (const c of calls) expect(c).toMatchObject({ status: 'failed', code: 'CONVERSION_ACTION_NOT_FOUND', message: expect.stringContaining('Phone calls (not created yet)') });
    expect(report.conversions.filter((c) => c.status === 'uploaded')).toHaveLength(seed.expected.length - 2);
  });

  it('two runs at once send each conversion once', async () => {
    const seed = await connectedSite();
    const [a, b] = await Promise.all([uploadSiteConversions(options(), site(seed)), uploadSiteConversions(options(), site(seed))]);
    const sent = [...a.conversions, ...b.conversions].map((c) => c.orderId).sort();
    expect(sent).toHaveLength(seed.expected.length);
    expect(new Set(sent).size).toBe(seed.expected.length);
    expect(google.problems).toEqual([]);
  });

  it('the periodic job covers the sites that upload; the order id is stable and holds no personal data', async () => {
    const seed = await connectedSite();
    const reports = await runUploadJob(options());
    expect(reports.map((r) => r.site)).toContain(seed.site.publicId);
    const mine = reports.find((r) => r.site === seed.site.publicId)!;
    for (const c of mine.conversions) expect(c.orderId).toMatch(/^om-(call|conv|lead)-[0-9a-f-]{36}$/);
    expect(orderIdOf('call', 'ABC')).toBe('om-call-abc');
  });

  it('GET /api/ads/uploads shows the owner (live token) what went and what failed, and nobody else', async () => {
    const seed = await connectedSite();
    google.failRow(seed.ids.w1, 'TOO_RECENT_EVENT', 1);
    await uploadSiteConversions(options(), site(seed));
    const get = async (token: string) => {
      const res = await h.handler(new Request(`https://api.opsmantik.test/api/ads/uploads?site=${seed.site.publicId}&token=${encodeURIComponent(token)}`));
      return { status: res.status, json: (await res.json()) as any };
    };
    const res = await get(seed.site.liveToken);
    expect(res.status).toBe(200);
    expect(res.json.last_run).toMatchObject({ status: 'partial', at: new Date(clock).toISOString() });
    expect(res.json.counts).toEqual({ uploaded: seed.expected.length - 1, failed: 1, rejected: 0, sending: 0 });
    expect(res.json.uploads).toContainEqual(expect.objectContaining({
      kind: 'call', click_id_kind: 'wbraid', status: 'failed', attempts: 1, error_code: 'TOO_RECENT_EVENT', next_attempt_at: new Date(clock + 15 * MIN).toISOString(),
    }));
    expect(JSON.stringify(res.json)).not.toContain(seed.ids.w1);
    expect((await get(seed.site.secret)).status).toBe(401);
    const other = await h.newSite();
    expect((await get(other.liveToken)).status).toBe(401);
  });

  it('no credential or access token appears in a log line or a report', async () => {
    const everything = JSON.stringify(logs);
    expect(logs.length).toBeGreaterThan(5);
    for (const secret of [creds.refreshToken, creds.clientSecret, creds.developerToken, ...google.issued]) {
      expect(everything).not.toContain(secret);
    }
  });
});
