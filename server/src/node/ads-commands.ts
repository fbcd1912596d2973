/**
 * `opsmantik ads ...`: connecting a site owner's Google Ads account, a site's conversion settings,
 * uploading now, and what went and what failed. Secrets come from the environment only (never a
 * flag, which would land in shell history and `ps`), and are never printed.
 *
 *   ads connect  --site ID --customer-id 123-456-7890 [--login-customer-id ID] [--client-id ID] [--no-check]
 *                (GOOGLE_ADS_REFRESH_TOKEN, GOOGLE_ADS_DEVELOPER_TOKEN, GOOGLE_ADS_CLIENT_SECRET,
 *                 GOOGLE_ADS_CLIENT_ID, OPSMANTIK_CREDENTIALS_KEY)
 *   ads settings --site ID [--time-zone TZ] [--currency EUR] [--call-action NAME|none] [--call-value N]
 *                [--conversion-action NAME|none] [--conversion-value N] [--event-action EA=NAME|EA=none ...]
 *                [--lead-action NAME|none] [--lead-threshold N] [--lead-value N]
 *                [--ad-user-data from_tracker|granted|denied|unspecified] [--customer-id ID] [--api-upload true|false]
 *   ads upload   [--site ID]
 *   ads status   --site ID
 * Every command also takes --database-url URL or --data-dir DIR.
 */
import { parseArgs } from 'node:util';
import { openDb } from '../store/db/index.js';
import { migrate } from '../store/db/migrate.js';
import type { Db } from '../store/db/types.js';
import { keyringFromEnv, type Keyring } from '../store/credentials.js';
import { loadAdsSettings, saveAdsSettings } from '../store/conversions.js';
import { lastRun, uploadCounts, uploadRows } from '../store/ad-uploads.js';
import { isTimeZone, type AdUserDataSetting, type AdsSettings } from '../rules/conversions.js';
import { normalizeCustomerId, saveAdsCredentials, type AdsCredentials } from '../ads/credentials.js';
import { accessTokens, AdsAuthError } from '../ads/oauth.js';
import { runUploadJob, type SiteUploadReport, type UploadJobOptions } from '../ads/upload-job.js';
import type { Logger } from '../http/log.js';

export const ADS_USAGE = `  opsmantik ads connect --site ID --customer-id ID [--login-customer-id ID] [--client-id ID] [--no-check]
  opsmantik ads settings --site ID [--time-zone TZ] [--currency CODE] [--call-action NAME|none] [--conversion-action NAME|none]
                         [--event-action EA=NAME|EA=none ...] [--lead-action NAME|none --lead-threshold N] [--*-value N]
                         [--ad-user-data from_tracker|granted|denied|unspecified] [--customer-id ID] [--api-upload true|false]
  opsmantik ads upload [--site ID]
  opsmantik ads status --site ID
  (secrets from GOOGLE_ADS_REFRESH_TOKEN, GOOGLE_ADS_DEVELOPER_TOKEN, GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET;
   OPSMANTIK_CREDENTIALS_KEY encrypts them)`;

const options = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  site: { type: 'string' },
  'customer-id': { type: 'string' },
  'login-customer-id': { type: 'string' },
  'client-id': { type: 'string' },
  'no-check': { type: 'boolean' },
  'time-zone': { type: 'string' },
  currency: { type: 'string' },
  'call-action': { type: 'string' },
  'call-value': { type: 'string' },
  'conversion-action': { type: 'string' },
  'conversion-value': { type: 'string' },
  'event-action': { type: 'string', multiple: true },
  'lead-action': { type: 'string' },
  'lead-threshold': { type: 'string' },
  'lead-value': { type: 'string' },
  'ad-user-data': { type: 'string' },
  'api-upload': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];
export type DbTarget = (values: { 'database-url'?: string; 'data-dir'?: string }) => { url?: string; dataDir?: string };

/** Google's endpoints, overridable for a test against a local stand-in (never needed in production). */
export function googleEndpoints(env: NodeJS.ProcessEnv = process.env): Pick<UploadJobOptions, 'tokenUrl' | 'adsBaseUrl'> {
  return { tokenUrl: env.OPSMANTIK_GOOGLE_TOKEN_URL || undefined, adsBaseUrl: env.OPSMANTIK_GOOGLE_ADS_URL || undefined };
}

/**
 * The server's periodic upload, from the environment: on when OPSMANTIK_CREDENTIALS_KEY is set,
 * every OPSMANTIK_ADS_UPLOAD_MINUTES minutes (default 60; 0 turns it off).
 */
export function adsUploadFromEnv(env: NodeJS.ProcessEnv = process.env): { keyring: Keyring; everyMs: number } & Pick<UploadJobOptions, 'tokenUrl' | 'adsBaseUrl'> | undefined {
  if (!env.OPSMANTIK_CREDENTIALS_KEY) return undefined;
  const minutes = Number(env.OPSMANTIK_ADS_UPLOAD_MINUTES ?? 60);
  if (!Number.isFinite(minutes) || minutes < 0) throw new Error('OPSMANTIK_ADS_UPLOAD_MINUTES must be a number of minutes (0 = off).');
  if (minutes === 0) return undefined;
  return { keyring: keyringFromEnv(env), everyMs: minutes * 60_000, ...googleEndpoints(env) };
}

class UsageError extends Error {}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === '') throw new UsageError(`${what} is required.`);
  return value;
}

function number(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}.`);
  return n;
}

const nameOrNone = (text: string): string | null => (text === 'none' ? null : text);

/** The settings after applying the flags given; refuses values the database would refuse. */
export function applySettingsFlags(current: AdsSettings, v: Values): AdsSettings {
  const s: AdsSettings = { ...current, conversionActions: { ...current.conversionActions } };
  if (v['time-zone'] !== undefined) {
    if (!isTimeZone(v['time-zone'])) throw new UsageError(`Unknown time zone ${v['time-zone']} (use an IANA name such as Europe/Istanbul).`);
    s.timeZone = v['time-zone'];
  }
  if (v.currency !== undefined) {
    if (!/^[A-Z]{3}$/.test(v.currency)) throw new UsageError('--currency must be an ISO 4217 code such as EUR.');
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
    if (at < 1) throw new UsageError('--event-action takes EA=NAME or EA=none.');
    s.conversionActions[pair.slice(0, at)] = nameOrNone(pair.slice(at + 1));
  }
  if (v['ad-user-data'] !== undefined) {
    if (!['from_tracker', 'granted', 'denied', 'unspecified'].includes(v['ad-user-data'])) throw new UsageError('--ad-user-data must be from_tracker, granted, denied or unspecified.');
    s.adUserData = v['ad-user-data'] as AdUserDataSetting;
  }
  if (v['customer-id'] !== undefined) s.customerId = need(normalizeCustomerId(v['customer-id']), '--customer-id (10 digits)');
  if (v['api-upload'] !== undefined) {
    if (v['api-upload'] !== 'true' && v['api-upload'] !== 'false') throw new UsageError('--api-upload must be true or false.');
    s.apiUpload = v['api-upload'] === 'true';
  }
  for (const name of [s.callAction, s.conversionAction, s.leadAction, ...Object.values(s.conversionActions)]) {
    if (name !== null && (name.length < 1 || name.length > 100)) throw new UsageError('Conversion action names have 1 to 100 characters.');
  }
  if ((s.leadAction === null) !== (s.leadThreshold === null)) throw new UsageError('A lead conversion needs both --lead-action and --lead-threshold (or none of them).');
  return s;
}

async function siteOf(db: Db, publicId: string): Promise<{ id: string; userId: string; email: string | null }> {
  const [row] = await db.query<{ id: string; user_id: string; email: string | null }>(
    'select s.id, s.user_id, u.email from public.sites s join auth.users u on u.id = s.user_id where s.public_id = $1',
    [publicId],
  );
  if (!row) throw new UsageError(`No site has the id ${publicId}.`);
  return { id: row.id, userId: row.user_id, email: row.email };
}

function credentialsFromEnv(v: Values, env: NodeJS.ProcessEnv): AdsCredentials {
  const missing = ['GOOGLE_ADS_REFRESH_TOKEN', 'GOOGLE_ADS_DEVELOPER_TOKEN', 'GOOGLE_ADS_CLIENT_SECRET'].filter((k) => !env[k]);
  const clientId = v['client-id'] ?? env.GOOGLE_ADS_CLIENT_ID;
  if (!clientId) missing.push('GOOGLE_ADS_CLIENT_ID (or --client-id)');
  if (missing.length) throw new UsageError(`Set ${missing.join(', ')}.`);
  const customerId = normalizeCustomerId(need(v['customer-id'], '--customer-id'));
  if (!customerId) throw new UsageError('--customer-id must be 10 digits (dashes allowed).');
  const login = v['login-customer-id'];
  const loginCustomerId = login === undefined ? undefined : normalizeCustomerId(login);
  if (login !== undefined && !loginCustomerId) throw new UsageError('--login-customer-id must be 10 digits.');
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

/** Runs `opsmantik ads <sub> ...`; resolves to the exit code. */
export async function runAdsCommand(argv: string[], dbTarget: DbTarget, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = (line: string) => console.log(line);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true });
  } catch (err) {
    console.error(`${(err as Error).message}\n${ADS_USAGE}`);
    return 1;
  }
  const { values: v, positionals } = parsed;
  const [sub] = positionals;
  if (!sub || !['connect', 'settings', 'upload', 'status'].includes(sub)) {
    console.error(`Usage:\n${ADS_USAGE}`);
    return 1;
  }
  let db: Db | undefined;
  try {
    // Checked before the database opens: a usage error costs nothing.
    const credentials = sub === 'connect' ? credentialsFromEnv(v, env) : undefined;
    const keyring = sub === 'connect' || sub === 'upload' ? keyringFromEnv(env) : undefined;
    if (sub !== 'upload') need(v.site, '--site');
    db = await openDb(dbTarget(v));
    await migrate(db);
    if (sub === 'connect') {
      const site = await siteOf(db, v.site!);
      if (!v['no-check']) {
        try {
          await (await accessTokens(credentials!, googleEndpoints(env).tokenUrl))();
        } catch (err) {
          if (err instanceof AdsAuthError) throw new UsageError(`${err.message} Nothing was stored.`);
          throw err;
        }
      }
      await saveAdsCredentials(db, keyring!, site.userId, credentials!);
      const settings = await loadAdsSettings(db, site.id);
      await saveAdsSettings(db, site.id, { ...settings, customerId: credentials!.customerId, apiUpload: true });
      out(`Google Ads account ${credentials!.customerId} connected for ${site.email ?? 'the site owner'} (credentials stored encrypted).`);
      out(`Site ${v.site} uploads its conversions through the API; run \`opsmantik ads upload --site ${v.site}\` to send them now.`);
      return 0;
    }
    if (sub === 'settings') {
      const site = await siteOf(db, v.site!);
      const next = applySettingsFlags(await loadAdsSettings(db, site.id), v);
      await saveAdsSettings(db, site.id, next);
      out(JSON.stringify(next, null, 2));
      return 0;
    }
    if (sub === 'upload') {
      const log: Logger = () => undefined; // the report below says it all, on stdout
      const reports = await runUploadJob({ db, keyring: keyring!, log, ...googleEndpoints(env) }, v.site);
      if (reports.length === 0) out(v.site ? `No site has the id ${v.site}.` : 'No site uploads through the API (opsmantik ads connect).');
      for (const r of reports) printReport(r, out);
      return reports.some((r) => r.status === 'auth' || r.status === 'failed' || r.status === 'not_connected') || (v.site && reports.length === 0) ? 2 : 0;
    }
    // status
    const site = await siteOf(db, v.site!);
    const run = await lastRun(db, site.id);
    const counts = await uploadCounts(db, site.id);
    out(`${v.site}: last run ${when(run?.at ?? null)} ${run?.status ?? 'never'}${run?.message ? ` (${run.message})` : ''}`);
    out(`  ${['uploaded', 'failed', 'rejected', 'sending'].map((s) => `${counts[s] ?? 0} ${s}`).join(', ')}`);
    for (const r of await uploadRows(db, site.id)) {
      const why = r.error_code ? ` ${r.error_code}${r.error_message ? `: ${r.error_message}` : ''}` : '';
      const next = r.status === 'failed' ? ` next try ${when(r.next_attempt_at)}` : '';
      out(`  ${r.status.padEnd(8)} ${r.order_id} ${r.kind} "${r.conversion_action}" ${r.click_id_kind} attempts ${r.attempts} last ${when(r.last_attempt_at)}${next}${why}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  } finally {
    await db?.close();
  }
}
