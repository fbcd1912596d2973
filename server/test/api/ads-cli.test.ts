/**
 * `opsmantik ads ...` as a process against the stand-in for Google (settings, connect, upload,
 * status), and the server's periodic upload: what went and what failed is shown, secrets never.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, emptyPostgres } from '../support/db.js';
import { runCli } from '../support/cli.js';
import { openDb } from '../../src/store/db/index.js';
import { migrate } from '../../src/store/db/migrate.js';
import { createHandler } from '../../src/http/handler.js';
import { createSite } from '../../src/store/sites.js';
import type { Db } from '../../src/store/db/types.js';
import type { Harness } from '../support/harness.js';
import { seedSite, type Seeded } from '../support/ads-seed.js';
import { startStandIn, type StandIn } from '../support/google-ads-standin.js';
import { serve } from '../../src/node/serve.js';
import { makeKeyring } from '../../src/store/credentials.js';
import { saveAdsCredentials } from '../../src/ads/credentials.js';
import { loadAdsSettings, saveAdsSettings } from '../../src/store/conversions.js';

const run = runCli;
const KEY = randomBytes(32).toString('base64');

/** A database the CLI can open, seeded through the real handler, then closed (PGlite has one user). */
async function seededTarget(kind: string): Promise<{ target: string[]; open: () => Promise<Db>; seed: Seeded; cleanup: () => Promise<void> }> {
  let target: string[];
  let open: () => Promise<Db>;
  let cleanup: () => Promise<void>;
  if (kind === 'postgres') {
    const pg = await emptyPostgres(2);
    await pg.db.close();
    target = ['--database-url', pg.url];
    open = () => openDb({ url: pg.url });
    cleanup = pg.drop;
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'om-ads-cli-'));
    target = ['--data-dir', join(dir, 'data')];
    open = () => openDb({ dataDir: join(dir, 'data') });
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
  const db = await open();
  try {
    await migrate(db);
    const handler = createHandler({ db, log: () => undefined, siteCacheMs: 0, limits: { sync: 10_000, call: 10_000 } });
    const h = {
      db,
      handler,
      newSite: () => createSite(db, { ownerEmail: `owner-${randomBytes(4).toString('hex')}@example.com`, origins: ['https://shop.example'] }),
    } as unknown as Harness;
    const seed = await seedSite(h);
    await handler.close();
    return { target, open, seed, cleanup };
  } finally {
    await db.close();
  }
}

describe.each(backends)('opsmantik ads on %s', (kind) => {
  let google: StandIn;
  let t: Awaited<ReturnType<typeof seededTarget>>;
  const secrets = {
    GOOGLE_ADS_CLIENT_ID: 'client-1.apps.googleusercontent.com',
    GOOGLE_ADS_CLIENT_SECRET: `GOCSPX-${randomBytes(12).toString('hex')}`,
    GOOGLE_ADS_REFRESH_TOKEN: `1//0g${randomBytes(24).toString('hex')}`,
    GOOGLE_ADS_DEVELOPER_TOKEN: `devtok${randomBytes(8).toString('hex')}`,
  };
  let env: Record<string, string>;
  const outputs: string[] = [];
  const cli = async (args: string[], extra: Record<string, string> = env) => {
    const r = await run(['ads', ...args, ...t.target], extra);
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  beforeAll(async () => {
    google = await startStandIn({
      clientId: secrets.GOOGLE_ADS_CLIENT_ID,
      clientSecret: secrets.GOOGLE_ADS_CLIENT_SECRET,
      refreshToken: secrets.GOOGLE_ADS_REFRESH_TOKEN,
      developerToken: secrets.GOOGLE_ADS_DEVELOPER_TOKEN,
      customerId: '1234567890',
      conversionActions: { Calls: '111', Leads: '222' },
    });
    t = await seededTarget(kind);
    env = { ...secrets, OPSMANTIK_CREDENTIALS_KEY: KEY, OPSMANTIK_GOOGLE_TOKEN_URL: google.tokenUrl, OPSMANTIK_GOOGLE_ADS_URL: google.url };
  });
  afterAll(async () => {
    await google?.close();
    await t?.cleanup();
  });

  it('settings: refuses a bad value and writes nothing; sets names, values and the time zone', async () => {
    const site = t.seed.site.publicId;
    const bad = await cli(['settings', '--site', site, '--time-zone', 'Mars/Olympus']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Unknown time zone/);
    const ok = await cli(['settings', '--site', site, '--time-zone', 'Europe/Istanbul', '--currency', 'EUR', '--call-action', 'Calls',
      '--call-value', '30', '--conversion-action', 'Leads', '--conversion-value', '10', '--event-action', 'newsletter=none']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ timeZone: 'Europe/Istanbul', currency: 'EUR', callAction: 'Calls', callValue: 30,
      conversionActions: { newsletter: null }, leadAction: null, apiUpload: false });
  });

  it('connect: a refused grant stores nothing; a good one stores the credentials encrypted and turns uploads on', async () => {
    const site = t.seed.site.publicId;
    const missing = await cli(['connect', '--site', site, '--customer-id', '123-456-7890'], { ...env, GOOGLE_ADS_REFRESH_TOKEN: '' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/GOOGLE_ADS_REFRESH_TOKEN/);
    const refused = await cli(['connect', '--site', site, '--customer-id', '123-456-7890'], { ...env, GOOGLE_ADS_REFRESH_TOKEN: '1//0gnot-a-grant' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/invalid_grant.*Nothing was stored/);
    const ok = await cli(['connect', '--site', site, '--customer-id', '123-456-7890']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1234567890 connected/);
    const db = await t.open();
    try {
      const rows = await db.query<{ ciphertext: string }>("select ciphertext from public.user_credentials where provider = 'google_ads'");
      expect(rows).toHaveLength(1);
      for (const s of Object.values(secrets)) expect(rows[0]!.ciphertext).not.toContain(s);
      expect(await loadAdsSettings(db, t.seed.site.id)).toMatchObject({ apiUpload: true, customerId: '1234567890', currency: 'EUR' });
    } finally {
      await db.close();
    }
  });

  it('upload shows each conversion that went; a second upload sends nothing; status lists them', async () => {
    const first = await cli(['upload']);
    expect(first.code).toBe(0);
    // The seed has 6 calls and forms with a click id; leads are off in these settings.
    expect(first.stdout).toMatch(new RegExp(`${t.seed.site.publicId}: ok; 6 uploaded, 0 failed`));
    expect(first.stdout.match(/^ {2}uploaded +om-(call|conv)-[0-9a-f-]{36} (call "Calls"|conversion "Leads") (gclid|gbraid|wbraid)$/gm)).toHaveLength(6);
    expect(google.problems).toEqual([]);
    const second = await cli(['upload', '--site', t.seed.site.publicId]);
    expect(second.stdout).toMatch(/nothing_due; 0 uploaded/);
    const status = await cli(['status', '--site', t.seed.site.publicId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/last run .* ok/);
    expect(status.stdout).toMatch(/6 uploaded, 0 failed, 0 rejected/);
  });

  it('a revoked grant: upload says so and how to fix it, exit code 2, nothing marked', async () => {
    google.revoke(secrets.GOOGLE_ADS_REFRESH_TOKEN);
    try {
      const db = await t.open();
      try {
        // A new conversion arrives (a lead kind turned on), so there is something to send.
        const s = await loadAdsSettings(db, t.seed.site.id);
        await saveAdsSettings(db, t.seed.site.id, { ...s, leadAction: 'Leads', leadThreshold: 60 });
      } finally {
        await db.close();
      }
      const res = await cli(['upload']);
      expect(res.code).toBe(2);
      expect(res.stdout).toMatch(/: auth \(Google refused the token refresh \(invalid_grant\).*ads connect/);
      const status = await cli(['status', '--site', t.seed.site.publicId]);
      expect(status.stdout).toMatch(/6 uploaded, 0 failed, 0 rejected, 0 sending/);
    } finally {
      google.allowRefreshToken(secrets.GOOGLE_ADS_REFRESH_TOKEN);
    }
  });

  it('no secret appears in any output', () => {
    const all = outputs.join('\n');
    for (const s of [...Object.values(secrets), KEY, ...google.issued]) expect(all).not.toContain(s);
  });
});

describe('the server uploads periodically', () => {
  it('serve({ adsUpload }) sends due conversions without a command', async () => {
    const google = await startStandIn({
      clientId: 'c', clientSecret: 's', refreshToken: 'r', developerToken: 'd', customerId: '1234567890',
      conversionActions: { 'OpsMantik call': '1', 'OpsMantik conversion': '2' },
    });
    const t = await seededTarget('pglite');
    const db = await t.open();
    const keyring = makeKeyring({ id: 'k1', key: randomBytes(32) });
    await saveAdsCredentials(db, keyring, t.seed.site.userId, { clientId: 'c', clientSecret: 's', refreshToken: 'r', developerToken: 'd', customerId: '1234567890' });
    await saveAdsSettings(db, t.seed.site.id, { ...(await loadAdsSettings(db, t.seed.site.id)), apiUpload: true });
    const logs: Array<Record<string, unknown>> = [];
    const running = await serve({ db, port: 0, adsUpload: { keyring, everyMs: 20, tokenUrl: google.tokenUrl, adsBaseUrl: google.url }, handler: { log: (e) => logs.push(e) } });
    try {
      // Wait for the job's report (no timing is asserted: vitest's own timeout bounds the wait).
      while (!logs.some((l) => l.msg === 'ads_upload' && l.status === 'ok')) await new Promise((r) => setTimeout(r, 20));
      // Default settings: every call and conversion event with a click id, the newsletter too.
      expect(logs.find((l) => l.msg === 'ads_upload' && l.status === 'ok')).toMatchObject({ site: t.seed.site.publicId, uploaded: 7 });
      expect(google.accepted.size).toBe(7);
      expect(google.problems).toEqual([]);
    } finally {
      await running.close();
      await db.close();
      await google.close();
      await t.cleanup();
    }
  });
});
