/**
 * `opsmantik ads ...`: connecting a site owner's Google Ads account, a site's conversion settings,
 * uploading now, and what went and what failed; four rows of the command table (commands.ts).
 * Secrets come from the environment only (never a flag, which would land in shell history and
 * `ps`), and are never printed: GOOGLE_ADS_REFRESH_TOKEN, GOOGLE_ADS_DEVELOPER_TOKEN,
 * GOOGLE_ADS_CLIENT_SECRET, GOOGLE_ADS_CLIENT_ID; OPSMANTIK_CREDENTIALS_KEY encrypts them.
 */
import type { Db } from '../../store/db/types.js';
import { migrate } from '../../store/db/migrate.js';
import { keyringFromEnv } from '../../store/credentials.js';
import { loadAdsSettings, saveAdsSettings } from '../../store/conversions.js';
import { lastRun, uploadCounts, uploadRows } from '../../store/ad-uploads.js';
import { isTimeZone, type AdUserDataSetting, type AdsSettings } from '../../rules/conversions.js';
import { normalizeCustomerId, saveAdsCredentials, type AdsCredentials } from '../../ads/credentials.js';
import { accessTokens, AdsAuthError } from '../../ads/oauth.js';
import { runUploadJob, type SiteUploadReport } from '../../ads/upload-job.js';
import type { Logger } from '../../http/log.js';
import { googleEndpoints } from '../ads-env.js';
import { withDb } from './database.js';
import { CliError, DATABASE_FLAGS, SITE_FLAG, unknownSite, type Command, type Flag, type Parsed } from './spec.js';

/** The flag values as the settings code reads them (strings, the repeatable --event-action, --no-check). */
type StringFlag = 'site' | 'customer-id' | 'login-customer-id' | 'client-id' | 'time-zone' | 'currency' | 'call-action' | 'call-value'
  | 'conversion-action' | 'conversion-value' | 'lead-action' | 'lead-threshold' | 'lead-value' | 'ad-user-data' | 'api-upload';
type Values = Partial<Record<StringFlag, string>> & { 'event-action'?: string[]; 'no-check'?: boolean };
const valuesOf = (parsed: Parsed) => parsed.values as Values;

const SITE = SITE_FLAG;
const CUSTOMER_ID: Flag = { name: 'customer-id', type: 'string', placeholder: 'ID', description: 'Google Ads customer id, 10 digits (dashes allowed)' };
const action = (name: string, what: string): Flag => ({ name, type: 'string', placeholder: 'NAME|none', description: `Conversion action for ${what}` });
const value = (name: string, what: string): Flag => ({ name, type: 'string', placeholder: 'N', description: `Value sent with ${what}` });

/** A mistake in what was asked: printed without a stack, exit code 1, nothing stored. */
const usage = (message: string) => new CliError(message, 1);

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined || v === '') throw usage(`${what} is required.`);
  return v;
};

function number(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw usage(`--${name} must be a number from ${min} to ${max}.`);
  return n;
}

const nameOrNone = (text: string): string | null => (text === 'none' ? null : text);

/** The settings after applying the flags given; refuses values the database would refuse. */
export function applySettingsFlags(current: AdsSettings, v: Values): AdsSettings {
  const s: AdsSettings = { ...current, conversionActions: { ...current.conversionActions } };
  if (v['time-zone'] !== undefined) {
    if (!isTimeZone(v['time-zone'])) throw usage(`Unknown time zone ${v['time-zone']} (use an IANA name such as Europe/Istanbul).`);
    s.timeZone = v['time-zone'];
  }
  if (v.currency !== undefined) {
    if (!/^[A-Z]{3}$/.test(v.currency)) throw usage('--currency must be an ISO 4217 code such as EUR.');
    s.currency = v.currency;
  }
  if (v['call-action'] !== undefined) s.callAction = nameOrNone(v['call-action']);
  if (v['conversion-action'] !== undefined) s.conversionAction = nameOrNone(v['conversion-action']);
  if (v['lead-action'] !== undefined) s.leadAction = nameOrNone(v['lead-action']);
  for (const [flag, key] of [['call-value', 'callValue'], ['conversion-value', 'conversionValue'], ['lead-value', 'leadValue']] as const) {
    if (v[flag] !== undefined) s[key] = number(v[flag], flag, 0, 1e12);
  }
  if (v['lead-threshold'] !== undefined) s.leadThreshold = v['lead-threshold'] === 'none' ? null : number(v['lead-threshold'], 'lead-threshold', 1, 100);
  for (const pair of v['event-action'] ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw usage('--event-action takes EA=NAME or EA=none.');
    s.conversionActions[pair.slice(0, at)] = nameOrNone(pair.slice(at + 1));
  }
  if (v['ad-user-data'] !== undefined) {
    if (!['from_tracker', 'granted', 'denied', 'unspecified'].includes(v['ad-user-data'])) throw usage('--ad-user-data must be from_tracker, granted, denied or unspecified.');
    s.adUserData = v['ad-user-data'] as AdUserDataSetting;
  }
  if (v['customer-id'] !== undefined) s.customerId = need(normalizeCustomerId(v['customer-id']), '--customer-id (10 digits)');
  if (v['api-upload'] !== undefined) {
    if (v['api-upload'] !== 'true' && v['api-upload'] !== 'false') throw usage('--api-upload must be true or false.');
    s.apiUpload = v['api-upload'] === 'true';
  }
  for (const name of [s.callAction, s.conversionAction, s.leadAction, ...Object.values(s.conversionActions)]) {
    if (name !== null && (name.length < 1 || name.length > 100)) throw usage('Conversion action names have 1 to 100 characters.');
  }
  if ((s.leadAction === null) !== (s.leadThreshold === null)) throw usage('A lead conversion needs both --lead-action and --lead-threshold (or none of them).');
  return s;
}

async function siteOf(db: Db, publicId: string): Promise<{ id: string; userId: string; email: string | null }> {
  const [row] = await db.query<{ id: string; user_id: string; email: string | null }>(
    'select s.id, s.user_id, u.email from public.sites s join auth.users u on u.id = s.user_id where s.public_id = $1',
    [publicId],
  );
  if (!row) throw unknownSite(publicId);
  return { id: row.id, userId: row.user_id, email: row.email };
}

function credentialsFromEnv(v: Values, env: NodeJS.ProcessEnv): AdsCredentials {
  const missing = ['GOOGLE_ADS_REFRESH_TOKEN', 'GOOGLE_ADS_DEVELOPER_TOKEN', 'GOOGLE_ADS_CLIENT_SECRET'].filter((k) => !env[k]);
  const clientId = v['client-id'] ?? env.GOOGLE_ADS_CLIENT_ID;
  if (!clientId) missing.push('GOOGLE_ADS_CLIENT_ID (or --client-id)');
  if (missing.length) throw usage(`Set ${missing.join(', ')}.`);
  const customerId = normalizeCustomerId(need(v['customer-id'], '--customer-id'));
  if (!customerId) throw usage('--customer-id must be 10 digits (dashes allowed).');
  const login = v['login-customer-id'];
  const loginCustomerId = login === undefined ? undefined : normalizeCustomerId(login);
  if (login !== undefined && !loginCustomerId) throw usage('--login-customer-id must be 10 digits.');
  return {
    clientId: clientId!,
    clientSecret: env.GOOGLE_ADS_CLIENT_SECRET!,
    refreshToken: env.GOOGLE_ADS_REFRESH_TOKEN!,
    developerToken: env.GOOGLE_ADS_DEVELOPER_TOKEN!,
    customerId,
    ...(loginCustomerId ? { loginCustomerId } : {}),
  };
}

const when = (t: Date | string | null) => (t === null ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19) + 'Z');

function printReport(r: SiteUploadReport, out: (line: string) => void): void {
  const n = (status: string) => r.conversions.filter((c) => c.status === status).length;
  out(`${r.site}: ${r.status}${r.message ? ` (${r.message})` : ''}; ${n('uploaded')} uploaded, ${n('failed')} failed (retried later), ${n('rejected')} rejected`);
  for (const c of r.conversions) {
    const why = c.code ? ` ${c.code}${c.message ? `: ${c.message}` : ''}` : '';
    out(`  ${c.status.padEnd(8)} ${c.orderId} ${c.kind} "${c.conversionAction}" ${c.clickIdKind}${why}`);
  }
}

/** Opens the database the flags name, with the migrations applied (the ads tables may be new). */
function withMigratedDb<T>(parsed: Parsed, fn: (db: Db) => Promise<T>): Promise<T> {
  return withDb(parsed, async (db) => {
    await migrate(db);
    return fn(db);
  });
}

const connect: Command = {
  words: ['ads', 'connect'],
  summary: "Store a site owner's Google Ads grant (encrypted) and turn on uploads through the API.",
  flags: [
    SITE,
    CUSTOMER_ID,
    { name: 'login-customer-id', type: 'string', placeholder: 'ID', description: 'Manager account id, when the account is reached through one' },
    { name: 'client-id', type: 'string', placeholder: 'ID', description: 'OAuth client id (else GOOGLE_ADS_CLIENT_ID)' },
    { name: 'no-check', type: 'boolean', description: 'Store without asking Google whether the grant works' },
    ...DATABASE_FLAGS,
  ],
  examples: ['GOOGLE_ADS_REFRESH_TOKEN=... GOOGLE_ADS_DEVELOPER_TOKEN=... GOOGLE_ADS_CLIENT_ID=... GOOGLE_ADS_CLIENT_SECRET=... opsmantik ads connect --site SITE --customer-id 123-456-7890'],
  async run(parsed, { out }) {
    const v = valuesOf(parsed);
    const env = process.env;
    // Checked before the database opens: a usage error costs nothing.
    const credentials = credentialsFromEnv(v, env);
    const keyring = keyringFromEnv(env);
    const publicId = need(v.site, '--site');
    return withMigratedDb(parsed, async (db) => {
      const site = await siteOf(db, publicId);
      if (!v['no-check']) {
        try {
          await (await accessTokens(credentials, googleEndpoints(env).tokenUrl))();
        } catch (err) {
          if (err instanceof AdsAuthError) throw usage(`${err.message} Nothing was stored.`);
          throw err;
        }
      }
      await saveAdsCredentials(db, keyring, site.userId, credentials);
      const settings = await loadAdsSettings(db, site.id);
      await saveAdsSettings(db, site.id, { ...settings, customerId: credentials.customerId, apiUpload: true });
      out(`Google Ads account ${credentials.customerId} connected for ${site.email ?? 'the site owner'} (credentials stored encrypted).`);
      out(`Site ${publicId} uploads its conversions through the API; run \`opsmantik ads upload --site ${publicId}\` to send them now.`);
      return 0;
    });
  },
};

const settings: Command = {
  words: ['ads', 'settings'],
  summary: "Show or change a site's Google Ads conversion settings (prints them after the change).",
  flags: [
    SITE,
    { name: 'time-zone', type: 'string', placeholder: 'TZ', description: 'IANA time zone of the Google Ads account (Europe/Istanbul)' },
    { name: 'currency', type: 'string', placeholder: 'CODE', description: 'ISO 4217 currency of the values (EUR)' },
    action('call-action', 'matched calls'),
    value('call-value', 'a matched call'),
    action('conversion-action', "the tracker's conversions"),
    value('conversion-value', 'a conversion'),
    { name: 'event-action', type: 'string', multiple: true, placeholder: 'EA=NAME|EA=none', description: 'Conversion action for conversions whose ea is EA' },
    action('lead-action', 'sessions scored at or above the lead threshold'),
    { name: 'lead-threshold', type: 'string', placeholder: 'N|none', description: 'Score (1-100) from which a session is uploaded as a lead' },
    value('lead-value', 'a lead'),
    { name: 'ad-user-data', type: 'string', placeholder: 'SETTING', description: 'Consent sent with uploads: from_tracker, granted, denied or unspecified' },
    CUSTOMER_ID,
    { name: 'api-upload', type: 'string', placeholder: 'true|false', description: 'Upload through the API (else only the CSV import)' },
    ...DATABASE_FLAGS,
  ],
  examples: ['opsmantik ads settings --site SITE --time-zone Europe/Istanbul --currency EUR --call-action Calls --call-value 30'],
  async run(parsed, { out }) {
    const v = valuesOf(parsed);
    const publicId = need(v.site, '--site');
    return withMigratedDb(parsed, async (db) => {
      const site = await siteOf(db, publicId);
      const next = applySettingsFlags(await loadAdsSettings(db, site.id), v);
      await saveAdsSettings(db, site.id, next);
      out(JSON.stringify(next, null, 2));
      return 0;
    });
  },
};

const upload: Command = {
  words: ['ads', 'upload'],
  summary: 'Upload the conversions not sent yet now (every connected site, or one); exit code 2 when a site failed.',
  flags: [SITE, ...DATABASE_FLAGS],
  examples: ['OPSMANTIK_CREDENTIALS_KEY=... opsmantik ads upload --site SITE'],
  async run(parsed, { out }) {
    const v = valuesOf(parsed);
    const keyring = keyringFromEnv(process.env);
    return withMigratedDb(parsed, async (db) => {
      const log: Logger = () => undefined; // the report below says it all, on stdout
      const reports = await runUploadJob({ db, keyring, log, ...googleEndpoints(process.env) }, v.site);
      if (reports.length === 0) out(v.site ? unknownSite(v.site).message : 'No site uploads through the API (opsmantik ads connect).');
      for (const r of reports) printReport(r, out);
      return reports.some((r) => r.status === 'auth' || r.status === 'failed' || r.status === 'not_connected') || (v.site && reports.length === 0) ? 2 : 0;
    });
  },
};

const status: Command = {
  words: ['ads', 'status'],
  summary: "A site's last upload run and each conversion: uploaded, failed (with Google's error and the next try), rejected.",
  flags: [SITE, ...DATABASE_FLAGS],
  examples: ['opsmantik ads status --site SITE'],
  async run(parsed, { out }) {
    const publicId = need(valuesOf(parsed).site, '--site');
    return withMigratedDb(parsed, async (db) => {
      const site = await siteOf(db, publicId);
      const run = await lastRun(db, site.id);
      const counts = await uploadCounts(db, site.id);
      out(`${publicId}: last run ${when(run?.at ?? null)} ${run?.status ?? 'never'}${run?.message ? ` (${run.message})` : ''}`);
      out(`  ${['uploaded', 'failed', 'rejected', 'sending'].map((s) => `${counts[s] ?? 0} ${s}`).join(', ')}`);
      for (const r of await uploadRows(db, site.id)) {
        const why = r.error_code ? ` ${r.error_code}${r.error_message ? `: ${r.error_message}` : ''}` : '';
        const next = r.status === 'failed' ? ` next try ${when(r.next_attempt_at)}` : '';
        out(`  ${r.status.padEnd(8)} ${r.order_id} ${r.kind} "${r.conversion_action}" ${r.click_id_kind} attempts ${r.attempts} last ${when(r.last_attempt_at)}${next}${why}`);
      }
      return 0;
    });
  },
};

export const adsCommands: Command[] = [connect, settings, upload, status];
