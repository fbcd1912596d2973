/**
 * The upload job: for each site that uploads through the API, send the conversions that are due
 * (never sent, or failed and due again) to Google Ads, and record each one's result in ad_uploads.
 * Run by `opsmantik ads upload` and periodically by the server (serve's adsUpload option).
 *
 * Order of a run, so that a failure loses nothing: gather the due conversions; get an access
 * token (a revoked refresh token stops here, before anything is claimed); look the conversion
 * action names up; claim the conversions; send them in requests of at most 2000 with partial
 * failure on; record every row's result. Rows Google refused for a passing reason are retried by
 * a later run after a backoff; only they are sent again.
 */
import type { Queryable } from '../store/db/types.js';
import type { Keyring } from '../store/credentials.js';
import type { Logger } from '../http/log.js';
import { adsDateTime, type Conversion } from '../rules/conversions.js';
import { outcomeOf } from '../rules/upload-outcome.js';
import { loadAdsSettings, siteConversions } from '../store/conversions.js';
import { claimUploads, dueConversions, recordOutcomes, recordRun, releaseClaims, type RecordedOutcome } from '../store/ad-uploads.js';
import { loadAdsCredentials } from './credentials.js';
import { AdsAuthError, accessTokens } from './oauth.js';
import { AdsApiError, MAX_CONVERSIONS_PER_REQUEST, adsClient, type ClickConversion } from './google-ads.js';

export interface UploadJobOptions {
  db: Queryable;
  keyring: Keyring;
  log?: Logger;
  now?: () => number;
  /** Google's endpoints; tests point them at a stand-in. */
  tokenUrl?: string;
  adsBaseUrl?: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per HTTP request, the first included. */
  requestAttempts?: number;
  backoffMs?: number;
  /** How far back conversions are gathered (Google accepts clicks up to 90 days old). */
  lookbackDays?: number;
  /** How long a claim holds if the run dies before recording results. */
  leaseMs?: number;
}

export interface ConversionReport {
  orderId: string;
  kind: Conversion['kind'];
  conversionAction: string;
  clickIdKind: Conversion['clickIdKind'];
  status: RecordedOutcome['status'];
  code: string | null;
  message: string | null;
}

export interface SiteUploadReport {
  site: string;
  /** ok: all sent rows accepted; partial: some failed or were rejected; nothing_due; not_connected;
   * auth: Google refused the credentials (nothing was claimed or lost); failed: Google could not be used. */
  status: 'ok' | 'partial' | 'nothing_due' | 'not_connected' | 'auth' | 'failed';
  message: string | null;
  conversions: ConversionReport[];
}

export interface UploadSite {
  id: string;
  publicId: string;
  userId: string;
}

const DAY_MS = 86_400_000;

function clickConversion(c: Conversion, resourceName: string, timeZone: string): ClickConversion {
  return {
    [c.clickIdKind]: c.clickId,
    conversionAction: resourceName,
    conversionDateTime: adsDateTime(c.at, timeZone),
    conversionValue: c.value,
    currencyCode: c.currency,
    orderId: c.orderId,
    consent: { adUserData: c.adUserData },
  } as ClickConversion;
}

/** Uploads one site's due conversions. Never throws for Google's answers; database errors do throw. */
export async function uploadSiteConversions(o: UploadJobOptions, site: UploadSite): Promise<SiteUploadReport> {
  const now = (o.now ?? Date.now)();
  const report = (status: SiteUploadReport['status'], message: string | null, conversions: ConversionReport[] = []): SiteUploadReport => {
    const r = { site: site.publicId, status, message, conversions };
    o.log?.({
      level: status === 'ok' || status === 'nothing_due' ? 'info' : 'warn',
      msg: 'ads_upload',
      site: site.publicId,
      status,
      uploaded: conversions.filter((c) => c.status === 'uploaded').length,
      failed: conversions.filter((c) => c.status === 'failed').length,
      rejected: conversions.filter((c) => c.status === 'rejected').length,
      message,
    });
    return r;
  };

  const settings = await loadAdsSettings(o.db, site.id);
  const credentials = await loadAdsCredentials(o.db, o.keyring, site.userId);
  if (!credentials) return report('not_connected', 'No Google Ads credentials: run `opsmantik ads connect`.');
  const customerId = settings.customerId ?? credentials.customerId;
  const period = { from: now - (o.lookbackDays ?? 90) * DAY_MS, to: now + 1 };
  const due = await dueConversions(o.db, site.id, await siteConversions(o.db, site.id, settings, period, now), now);
  if (due.length === 0) return report('nothing_due', null);

  const token = await accessTokens(credentials, o.tokenUrl);
  const client = adsClient({
    token,
    developerToken: credentials.developerToken,
    loginCustomerId: credentials.loginCustomerId,
    baseUrl: o.adsBaseUrl,
    fetch: o.fetch,
    sleep: o.sleep,
    attempts: o.requestAttempts,
    backoffMs: o.backoffMs,
  });
  const stopped = async (err: unknown): Promise<SiteUploadReport> => {
    if (err instanceof AdsAuthError || (err instanceof AdsApiError && err.auth)) {
      const message = err.message;
      await recordRun(o.db, site.id, 'auth', message, now);
      return report('auth', message);
    }
    if (err instanceof AdsApiError) {
      await recordRun(o.db, site.id, 'failed', err.message, now);
      return report('failed', err.message);
    }
    throw err;
  };

  let actions: Map<string, string>;
  try {
    await token(); // a revoked refresh token is found here, before anything is claimed
    actions = await client.conversionActions(customerId, [...new Set(due.map((c) => c.conversionAction))]);
  } catch (err) {
    return stopped(err);
  }

  const claimed = await claimUploads(o.db, site.id, due, now, now + (o.leaseMs ?? 10 * 60_000));
  const mine = due.filter((c) => claimed.has(c.orderId));
  const outcomes: Array<RecordedOutcome & { c: Conversion }> = [];
  const attemptsOf = await attemptCounts(o.db, site.id, mine);
  const settle = (c: Conversion, code: string | undefined, family: string | undefined, message: string | null) => {
    const outcome = outcomeOf(code, family, (attemptsOf.get(c.orderId) ?? 0) + 1, now);
    outcomes.push({ c, orderId: c.orderId, status: outcome.status, code: code ?? null, message, nextAttemptAt: outcome.nextAttemptAt });
  };

  const sendable: Array<{ c: Conversion; resource: string }> = [];
  for (const c of mine) {
    const resource = actions.get(c.conversionAction);
    if (resource) sendable.push({ c, resource });
    else settle(c, 'CONVERSION_ACTION_NOT_FOUND', 'opsmantik', `No enabled conversion action named "${c.conversionAction}" in account ${customerId}.`);
  }

  let stoppedBy: unknown;
  for (let i = 0; i < sendable.length && !stoppedBy; i += MAX_CONVERSIONS_PER_REQUEST) {
    const batch = sendable.slice(i, i + MAX_CONVERSIONS_PER_REQUEST);
    try {
      const { rowErrors } = await client.uploadClickConversions(
        customerId,
        batch.map((b) => clickConversion(b.c, b.resource, settings.timeZone)),
      );
      const byIndex = new Map(rowErrors.map((e) => [e.index, e]));
      batch.forEach((b, index) => {
        const e = byIndex.get(index);
        settle(b.c, e?.code, e?.family, e ? e.message : null);
      });
    } catch (err) {
      if (err instanceof AdsApiError && !err.auth) {
        // The whole request failed (after its own retries): every row of it is tried again later.
        for (const b of batch) settle(b.c, err.code, 'request', err.message);
      } else {
        stoppedBy = err;
      }
    }
  }

  await recordOutcomes(o.db, site.id, outcomes, now);
  // Claims the run could not use (the token or developer token was refused mid-run) go back untouched.
  const settled = new Set(outcomes.map((x) => x.orderId));
  await releaseClaims(o.db, site.id, mine.filter((c) => !settled.has(c.orderId)).map((c) => c.orderId));

  const conversions: ConversionReport[] = outcomes.map((x) => ({
    orderId: x.orderId,
    kind: x.c.kind,
    conversionAction: x.c.conversionAction,
    clickIdKind: x.c.clickIdKind,
    status: x.status,
    code: x.code,
    message: x.message,
  }));
  if (stoppedBy) {
    const r = await stopped(stoppedBy);
    return { ...r, conversions };
  }
  const allOk = conversions.every((c) => c.status === 'uploaded');
  await recordRun(o.db, site.id, allOk ? 'ok' : 'partial', null, now);
  return report(allOk ? 'ok' : 'partial', null, conversions);
}

async function attemptCounts(db: Queryable, siteId: string, conversions: readonly Conversion[]): Promise<Map<string, number>> {
  if (conversions.length === 0) return new Map();
  const rows = await db.query<{ order_id: string; attempts: number }>(
    `select order_id, attempts from public.ad_uploads
      where site_id = $1::uuid and order_id in (select jsonb_array_elements_text($2::text::jsonb))`,
    [siteId, JSON.stringify(conversions.map((c) => c.orderId))],
  );
  return new Map(rows.map((r) => [r.order_id, Number(r.attempts)]));
}

/** The sites whose settings turn API uploads on (or the one site asked for, whatever its setting). */
export async function uploadSites(db: Queryable, publicId?: string): Promise<UploadSite[]> {
  const rows = await db.query<{ id: string; public_id: string; user_id: string }>(
    publicId
      ? 'select s.id, s.public_id, s.user_id from public.sites s where s.public_id = $1'
      : `select s.id, s.public_id, s.user_id from public.sites s
           join public.site_ads_settings a on a.site_id = s.id where a.api_upload order by s.public_id`,
    publicId ? [publicId] : [],
  );
  return rows.map((r) => ({ id: r.id, publicId: r.public_id, userId: r.user_id }));
}

/** One run over every uploading site (or one); a site's failure does not stop the others. */
export async function runUploadJob(o: UploadJobOptions, publicId?: string): Promise<SiteUploadReport[]> {
  const reports: SiteUploadReport[] = [];
  for (const site of await uploadSites(o.db, publicId)) {
    try {
      reports.push(await uploadSiteConversions(o, site));
    } catch (err) {
      const message = `The upload stopped: ${(err as Error)?.message ?? err}`.slice(0, 300);
      o.log?.({ level: 'error', msg: 'ads_upload', site: site.publicId, status: 'failed', message });
      reports.push({ site: site.publicId, status: 'failed', message, conversions: [] });
    }
  }
  return reports;
}
