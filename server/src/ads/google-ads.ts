/**
 * The few Google Ads API calls the upload needs, over its REST interface (JSON over HTTPS) with
 * fetch: ConversionUploadService.UploadClickConversions with partial failure on, and a
 * GoogleAdsService search that turns conversion action names into resource names.
 *
 * API version pinned: v25 (paths /v25/customers/{id}:uploadClickConversions and
 * /v25/customers/{id}/googleAds:search). Requests that fail as a whole with 429, 5xx or a network
 * error are retried with exponential backoff; an authentication or permission error is not.
 */
import type { AccessTokenSource } from './oauth.js';

export const ADS_API_VERSION = 'v25';
export const GOOGLE_ADS_URL = 'https://googleads.googleapis.com';
/** Google refuses more than 2000 conversions in one request (TOO_MANY_CONVERSIONS_IN_REQUEST). */
export const MAX_CONVERSIONS_PER_REQUEST = 2000;

export interface ClickConversion {
  gclid?: string;
  gbraid?: string;
  wbraid?: string;
  conversionAction: string;
  conversionDateTime: string;
  conversionValue: number;
  currencyCode: string;
  orderId: string;
  consent: { adUserData: 'GRANTED' | 'DENIED' | 'UNSPECIFIED' };
}

/** One conversion Google refused inside a partially failed request. */
export interface RowError {
  index: number;
  /** The error enum value, e.g. TOO_RECENT_EVENT, and its family, e.g. conversionUploadError. */
  code: string;
  family: string;
  message: string;
}

/** The whole request failed. `auth` means the token or developer token was refused. */
export class AdsApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'AdsApiError';
  }
  get auth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface AdsClientOptions {
  token: AccessTokenSource;
  developerToken: string;
  loginCustomerId?: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Waits between retries (tests pass one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per request, the first included (default 4). */
  attempts?: number;
  /** First backoff, doubled each retry (default 2000 ms). */
  backoffMs?: number;
}

export interface AdsClient {
  uploadClickConversions(customerId: string, conversions: ClickConversion[]): Promise<{ rowErrors: RowError[]; jobId?: string }>;
  /** Enabled conversion actions with these names -> their resource names. */
  conversionActions(customerId: string, names: string[]): Promise<Map<string, string>>;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const sleepFor = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ errors?: Array<{ errorCode?: Record<string, string>; message?: string }> }>;
  };
}

interface Failure {
  errors?: Array<{
    errorCode?: Record<string, string>;
    message?: string;
    location?: { fieldPathElements?: Array<{ fieldName?: string; index?: number }> };
  }>;
}

/** The first specific error code of a Google error body, else its status (UNAUTHENTICATED ...). */
function errorOf(status: number, body: GoogleErrorBody | undefined): AdsApiError {
  const first = body?.error?.details?.flatMap((d) => d.errors ?? [])[0];
  const specific = first?.errorCode ? Object.values(first.errorCode)[0] : undefined;
  const code = specific ?? body?.error?.status ?? `HTTP_${status}`;
  const message = (first?.message ?? body?.error?.message ?? `HTTP ${status}`).slice(0, 300);
  return new AdsApiError(status, code, message, RETRY_STATUS.has(status));
}

/** Row errors of a partial failure: each names the conversion by its index in the request. */
export function rowErrorsOf(partialFailureError: { details?: Failure[] } | undefined): RowError[] {
  const out: RowError[] = [];
  for (const detail of partialFailureError?.details ?? []) {
    for (const e of detail.errors ?? []) {
      const at = e.location?.fieldPathElements?.find((p) => p.fieldName === 'conversions');
      if (at?.index === undefined) continue;
      const [family = 'unknown', code = 'UNKNOWN'] = Object.entries(e.errorCode ?? {})[0] ?? [];
      out.push({ index: at.index, code, family, message: (e.message ?? '').slice(0, 300) });
    }
  }
  return out;
}

/** GAQL string literal. */
const gaqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function adsClient(options: AdsClientOptions): AdsClient {
  const base = (options.baseUrl ?? GOOGLE_ADS_URL).replace(/\/$/, '');
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? sleepFor;
  const attempts = options.attempts ?? 4;
  const backoff = options.backoffMs ?? 2000;

  async function post<T>(path: string, body: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let failure: AdsApiError;
      try {
        const headers: Record<string, string> = {
          authorization: `Bearer ${await options.token()}`,
          'developer-token': options.developerToken,
          'content-type': 'application/json',
        };
        if (options.loginCustomerId) headers['login-customer-id'] = options.loginCustomerId;
        const response = await doFetch(`${base}/${ADS_API_VERSION}/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
        const text = await response.text();
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : {};
        } catch {
          parsed = undefined;
        }
        if (response.ok && parsed !== undefined) return parsed as T;
        failure = response.ok ? new AdsApiError(response.status, 'INVALID_RESPONSE', 'The answer is not JSON.', true) : errorOf(response.status, parsed as GoogleErrorBody);
      } catch (err) {
        if (err instanceof AdsApiError || (err as Error)?.name === 'AdsAuthError') throw err;
        failure = new AdsApiError(0, 'NETWORK', `Google Ads could not be reached: ${(err as Error)?.message ?? err}`.slice(0, 300), true);
      }
      if (!failure.retryable || attempt >= attempts) throw failure;
      await sleep(backoff * 2 ** (attempt - 1));
    }
  }

  return {
    async uploadClickConversions(customerId, conversions) {
      const answer = await post<{ partialFailureError?: { details?: Failure[] }; jobId?: string | number }>(
        `customers/${customerId}:uploadClickConversions`,
        { conversions, partialFailure: true },
      );
      return { rowErrors: rowErrorsOf(answer.partialFailureError), jobId: answer.jobId === undefined ? undefined : String(answer.jobId) };
    },
    async conversionActions(customerId, names) {
      const found = new Map<string, string>();
      if (names.length === 0) return found;
      const query =
        'SELECT conversion_action.resource_name, conversion_action.name FROM conversion_action ' +
        `WHERE conversion_action.name IN (${names.map(gaqlString).join(', ')}) AND conversion_action.status = 'ENABLED'`;
      const answer = await post<{ results?: Array<{ conversionAction?: { resourceName?: string; name?: string } }> }>(
        `customers/${customerId}/googleAds:search`,
        { query },
      );
      for (const r of answer.results ?? []) {
        const a = r.conversionAction;
        if (a?.name && a.resourceName && !found.has(a.name)) found.set(a.name, a.resourceName);
      }
      return found;
    },
  };
}
