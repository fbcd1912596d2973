/**
 * A local stand-in for the two Google services the upload talks to, checking every request the way
 * Google's reference describes it (Google itself cannot be reached from here):
 * - the OAuth 2.0 token endpoint (POST, form-encoded, grant_type=refresh_token, client id and
 *   secret, refresh token; a revoked token answers 400 {"error":"invalid_grant"});
 * - Google Ads API v25 REST: POST /v25/customers/{id}/googleAds:search (the GAQL query for
 *   conversion actions) and POST /v25/customers/{id}:uploadClickConversions (headers
 *   authorization, developer-token, login-customer-id; body fields in the REST JSON names,
 *   partialFailure true, at most 2000 conversions; per conversion exactly one click id, a
 *   conversion action resource name, "yyyy-mm-dd hh:mm:ss+|-hh:mm", a value, an ISO 4217 code,
 *   an order id, consent.adUserData), answering row problems as a partial failure
 *   (GoogleAdsFailure errors located by conversions[index]) and keeping every accepted order id.
 * Anything outside the reference is recorded in `problems`, which the tests expect to stay empty.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export const VERSION = 'v25';

export interface StandInAccount {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  developerToken: string;
  customerId: string;
  /** Enabled conversion actions: name -> id. */
  conversionActions: Record<string, string>;
}

export interface UploadRequest {
  customerId: string;
  conversions: Array<Record<string, unknown>>;
}

export interface StandIn {
  url: string;
  tokenUrl: string;
  /** Token requests, upload requests and searches, in order. */
  tokenRequests: number;
  searches: string[];
  uploads: UploadRequest[];
  /** Accepted conversions by order id (how many times each was accepted: must stay 1). */
  accepted: Map<string, number>;
  problems: string[];
  /** Access tokens handed out (to check they never reach a log). */
  issued: string[];
  /** Refuse this refresh token from now on (a revoked grant). */
  revoke(refreshToken: string): void;
  /** Let this refresh token in as well (a new grant after `ads connect`). */
  allowRefreshToken(refreshToken: string): void;
  /** The next `times` conversions with this click id fail with `code` (a row error). */
  failRow(clickId: string, code: string, times?: number, family?: string): void;
  /** The next upload requests answer this HTTP status as a whole. */
  failRequests(status: number, times?: number): void;
  close(): Promise<void>;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})([+-])(\d{2}):(\d{2})$/;
const CONVERSION_FIELDS = new Set([
  'gclid', 'gbraid', 'wbraid', 'conversionAction', 'conversionDateTime', 'conversionValue', 'currencyCode', 'orderId',
  'externalAttributionData', 'customVariables', 'cartData', 'userIdentifiers', 'conversionEnvironment', 'consent',
  'customerType', 'userIpAddress', 'sessionAttributesEncoded', 'sessionAttributesKeyValuePairs',
]);
const CONSENT = new Set(['GRANTED', 'DENIED', 'UNSPECIFIED']);

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(payload));
}

/** Google's RPC-level error body, with a GoogleAdsFailure detail. */
function rpcError(status: number, grpcStatus: string, family: string, code: string, message: string) {
  return {
    error: {
      code: status,
      message: 'Request contains an invalid argument.',
      status: grpcStatus,
      details: [
        {
          '@type': `type.googleapis.com/google.ads.googleads.${VERSION}.errors.GoogleAdsFailure`,
          errors: [{ errorCode: { [family]: code }, message }],
          requestId: randomBytes(8).toString('hex'),
        },
      ],
    },
  };
}

/** GAQL string literals of an IN list. */
function gaqlNames(list: string): string[] | undefined {
  const names: string[] = [];
  const re = /\s*'((?:[^'\\]|\\.)*)'\s*(,|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < list.length && (m = re.exec(list))) names.push(m[1]!.replace(/\\(.)/g, '$1'));
  return re.lastIndex === list.length || names.length > 0 ? names : undefined;
}

export async function startStandIn(account: StandInAccount): Promise<StandIn> {
  const refreshTokens = new Set([account.refreshToken]);
  const revoked = new Set<string>();
  const rowFailures = new Map<string, { code: string; family: string; times: number }>();
  let requestFailures: { status: number; times: number } | undefined;
  const state = {
    tokenRequests: 0,
    searches: [] as string[],
    uploads: [] as UploadRequest[],
    accepted: new Map<string, number>(),
    problems: [] as string[],
    issued: [] as string[],
  };
  const actionIds = new Map(Object.entries(account.conversionActions).map(([name, id]) => [id, name]));

  function token(req: IncomingMessage, text: string, res: ServerResponse) {
    state.tokenRequests += 1;
    if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
      state.problems.push(`token: content-type ${req.headers['content-type']}`);
    }
    const form = new URLSearchParams(text);
    if (form.get('grant_type') !== 'refresh_token') state.problems.push(`token: grant_type ${form.get('grant_type')}`);
    // The client id and secret may come in the body or as HTTP Basic (RFC 6749 2.3.1).
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) [clientId, clientSecret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') as [string, string];
    if (clientId !== account.clientId || clientSecret !== account.clientSecret) {
      return send(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
    }
    const refresh = form.get('refresh_token') ?? '';
    if (!refreshTokens.has(refresh) || revoked.has(refresh)) {
      return send(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    }
    const access = `ya29.standin-${randomBytes(12).toString('hex')}`;
    state.issued.push(access);
    send(res, 200, { access_token: access, expires_in: 3599, scope: 'https://www.googleapis.com/auth/adwords', token_type: 'Bearer' });
  }

  /** Headers every Google Ads API call needs; answers and returns false when one is wrong. */
  function authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !state.issued.includes(bearer)) {
      send(res, 401, rpcError(401, 'UNAUTHENTICATED', 'authenticationError', 'AUTHENTICATION_ERROR', 'Authentication of the request failed.'));
      return false;
    }
    if (req.headers['developer-token'] !== account.developerToken) {
      send(res, 401, rpcError(401, 'UNAUTHENTICATED', 'authenticationError', 'DEVELOPER_TOKEN_INVALID', 'The developer token is not valid.'));
      return false;
    }
    if (!/^application\/json/.test(req.headers['content-type'] ?? '')) state.problems.push(`ads: content-type ${req.headers['content-type']}`);
    const login = req.headers['login-customer-id'];
    if (login !== undefined && !/^\d{10}$/.test(String(login))) state.problems.push(`ads: login-customer-id ${login}`);
    return true;
  }

  function search(customerId: string, text: string, res: ServerResponse) {
    const parsed = JSON.parse(text) as { query?: unknown };
    const keys = Object.keys(parsed);
    if (keys.some((k) => !['query', 'pageToken', 'pageSize', 'validateOnly', 'returnTotalResultsCount', 'summaryRowSetting', 'searchSettings'].includes(k))) {
      state.problems.push(`search: unknown fields ${keys.join(',')}`);
    }
    const query = String(parsed.query ?? '');
    state.searches.push(query);
    const m = /^SELECT conversion_action\.resource_name, conversion_action\.name FROM conversion_action WHERE conversion_action\.name IN \((.*)\) AND conversion_action\.status = 'ENABLED'$/.exec(query);
    const names = m ? gaqlNames(m[1]!) : undefined;
    if (!names) {
      state.problems.push(`search: query not understood: ${query}`);
      return send(res, 400, rpcError(400, 'INVALID_ARGUMENT', 'queryError', 'UNEXPECTED_INPUT', 'Error in query.'));
    }
    const results = names
      .filter((n) => account.conversionActions[n] !== undefined)
      .map((n) => ({ conversionAction: { resourceName: `customers/${customerId}/conversionActions/${account.conversionActions[n]}`, name: n } }));
    send(res, 200, { results, fieldMask: 'conversionAction.resourceName,conversionAction.name', queryResourceConsumption: '10' });
  }

  function upload(customerId: string, text: string, res: ServerResponse) {
    if (requestFailures && requestFailures.times > 0) {
      requestFailures.times -= 1;
      const status = requestFailures.status;
      return send(res, status, rpcError(status, status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE', 'internalError', 'TRANSIENT_ERROR', 'Try again.'));
    }
    const parsed = JSON.parse(text) as { conversions?: unknown; partialFailure?: unknown };
    for (const k of Object.keys(parsed)) {
      if (!['conversions', 'partialFailure', 'validateOnly', 'jobId'].includes(k)) {
        state.problems.push(`upload: unknown field ${k}`);
        return send(res, 400, rpcError(400, 'INVALID_ARGUMENT', 'requestError', 'UNKNOWN', `Invalid JSON payload received. Unknown name "${k}".`));
      }
    }
    if (parsed.partialFailure !== true) {
      state.problems.push('upload: partialFailure is not true');
      return send(res, 400, rpcError(400, 'INVALID_ARGUMENT', 'partialFailureError', 'PARTIAL_FAILURE_MODE_REQUIRED', 'partial_failure must be true.'));
    }
    const conversions = parsed.conversions;
    if (!Array.isArray(conversions) || conversions.length === 0 || conversions.length > 2000) {
      state.problems.push(`upload: ${Array.isArray(conversions) ? conversions.length : 'no'} conversions`);
      return send(res, 400, rpcError(400, 'INVALID_ARGUMENT', 'conversionUploadError', 'TOO_MANY_CONVERSIONS_IN_REQUEST', 'Upload 1 to 2000 events.'));
    }
    state.uploads.push({ customerId, conversions: conversions as Array<Record<string, unknown>> });
    const errors: Array<{ errorCode: Record<string, string>; message: string; location: unknown }> = [];
    const results: unknown[] = [];
    const inRequest = new Set<string>();
    conversions.forEach((raw, index) => {
      const c = raw as Record<string, unknown>;
      const fail = (family: string, code: string, message: string) => {
        errors.push({
          errorCode: { [family]: code },
          message,
          location: { fieldPathElements: [{ fieldName: 'conversions', index }] },
        });
        results.push({});
      };
      const unknown = Object.keys(c).filter((k) => !CONVERSION_FIELDS.has(k));
      if (unknown.length) {
        state.problems.push(`conversion ${index}: unknown fields ${unknown.join(',')}`);
        return fail('requestError', 'UNKNOWN', `Unknown fields ${unknown.join(',')}`);
      }
      const ids = (['gclid', 'gbraid', 'wbraid'] as const).filter((k) => c[k] !== undefined);
      if (c.gbraid !== undefined && c.wbraid !== undefined) return fail('conversionUploadError', 'GBRAID_WBRAID_BOTH_SET', 'Both gbraid and wbraid.');
      if (ids.length !== 1 || typeof c[ids[0]!] !== 'string' || (c[ids[0]!] as string).length === 0) {
        state.problems.push(`conversion ${index}: click ids ${ids.join(',') || 'none'}`);
        return fail('fieldError', ids.length > 1 ? 'VALUE_MUST_BE_UNSET' : 'REQUIRED', 'Exactly one click id is required.');
      }
      const clickId = c[ids[0]!] as string;
      const action = /^customers\/(\d{10})\/conversionActions\/(\d+)$/.exec(String(c.conversionAction ?? ''));
      if (!action) {
        state.problems.push(`conversion ${index}: conversionAction ${c.conversionAction}`);
        return fail('fieldError', 'INVALID_VALUE', 'conversionAction is not a resource name.');
      }
      if (!actionIds.has(action[2]!)) return fail('conversionUploadError', 'NO_CONVERSION_ACTION_FOUND', 'No such conversion action.');
      const dt = DATE_TIME.exec(String(c.conversionDateTime ?? ''));
      if (!dt || Number(dt[2]) > 12 || Number(dt[3]) > 31 || Number(dt[4]) > 23 || Number(dt[5]) > 59 || Number(dt[6]) > 59 || Number(dt[8]) > 14) {
        state.problems.push(`conversion ${index}: conversionDateTime ${c.conversionDateTime}`);
        return fail('dateError', 'INVALID_FIELD_VALUES_IN_DATE_TIME', 'conversionDateTime is not yyyy-mm-dd hh:mm:ss+|-hh:mm.');
      }
      if (typeof c.conversionValue !== 'number' || !Number.isFinite(c.conversionValue) || c.conversionValue < 0) {
        state.problems.push(`conversion ${index}: conversionValue ${c.conversionValue}`);
      }
      if (typeof c.currencyCode !== 'string' || !/^[A-Z]{3}$/.test(c.currencyCode)) state.problems.push(`conversion ${index}: currencyCode ${c.currencyCode}`);
      if (typeof c.orderId !== 'string' || c.orderId.length === 0 || c.orderId.length > 64) state.problems.push(`conversion ${index}: orderId ${c.orderId}`);
      const consent = c.consent as Record<string, unknown> | undefined;
      if (consent !== undefined) {
        const extra = Object.keys(consent).filter((k) => k !== 'adUserData');
        // ad_personalization "can only be set for OfflineUserDataJobService and UserDataService".
        if (extra.length) state.problems.push(`conversion ${index}: consent fields ${extra.join(',')}`);
        if (!CONSENT.has(String(consent.adUserData))) state.problems.push(`conversion ${index}: adUserData ${consent.adUserData}`);
      }
      const orderKey = `${action[2]}|${c.orderId}`;
      if (inRequest.has(orderKey)) return fail('conversionUploadError', 'DUPLICATE_ORDER_ID', 'Duplicate order id in request.');
      inRequest.add(orderKey);
      const planned = rowFailures.get(clickId);
      if (planned && planned.times > 0) {
        planned.times -= 1;
        return fail(planned.family, planned.code, `Planned failure ${planned.code}.`);
      }
      if (acceptedAction.get(c.orderId as string) === action[2]) return fail('conversionUploadError', 'ORDER_ID_ALREADY_IN_USE', 'Order id already recorded.');
      state.accepted.set(c.orderId as string, (state.accepted.get(c.orderId as string) ?? 0) + 1);
      acceptedAction.set(c.orderId as string, action[2]!);
      results.push({ [ids[0]!]: clickId, conversionAction: c.conversionAction, conversionDateTime: c.conversionDateTime });
    });
    const answer: Record<string, unknown> = { results, jobId: String(1_000_000 + state.uploads.length) };
    if (errors.length) {
      answer.partialFailureError = {
        code: 3,
        message: errors.map((e) => e.message).join(', '),
        details: [
          {
            '@type': `type.googleapis.com/google.ads.googleads.${VERSION}.errors.GoogleAdsFailure`,
            errors,
            requestId: randomBytes(8).toString('hex'),
          },
        ],
      };
    }
    send(res, 200, answer);
  }
  const acceptedAction = new Map<string, string>();

  const server = createServer((req, res) => {
    void (async () => {
      const text = await body(req);
      const url = new URL(req.url ?? '/', 'http://standin');
      if (req.method !== 'POST') {
        state.problems.push(`${req.method} ${url.pathname}`);
        return send(res, 405, { error: { code: 405, status: 'METHOD_NOT_ALLOWED' } });
      }
      if (url.pathname === '/token') return token(req, text, res);
      const m = new RegExp(`^/${VERSION}/customers/([^/:]+)(/googleAds:search|:uploadClickConversions)$`).exec(url.pathname);
      if (!m) {
        state.problems.push(`unknown path ${url.pathname}`);
        return send(res, 404, { error: { code: 404, status: 'NOT_FOUND' } });
      }
      if (!authorized(req, res)) return;
      if (m[1] !== account.customerId) {
        state.problems.push(`customer id ${m[1]}`);
        return send(res, 403, rpcError(403, 'PERMISSION_DENIED', 'authorizationError', 'USER_PERMISSION_DENIED', 'No access to that customer.'));
      }
      try {
        JSON.parse(text);
      } catch {
        state.problems.push(`body is not JSON: ${text.slice(0, 80)}`);
        return send(res, 400, rpcError(400, 'INVALID_ARGUMENT', 'requestError', 'UNKNOWN', 'Invalid JSON payload received.'));
      }
      return m[2] === ':uploadClickConversions' ? upload(m[1]!, text, res) : search(m[1]!, text, res);
    })().catch((err) => {
      state.problems.push(`stand-in crashed: ${err}`);
      if (!res.headersSent) send(res, 500, { error: { code: 500, status: 'INTERNAL' } });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    tokenUrl: `${url}/token`,
    revoke: (t: string) => void revoked.add(t),
    allowRefreshToken: (t: string) => {
      refreshTokens.add(t);
      revoked.delete(t);
    },
    failRow: (clickId: string, code: string, times = 1, family = 'conversionUploadError') => void rowFailures.set(clickId, { code, family, times }),
    failRequests: (status: number, times = 1) => void (requestFailures = { status, times }),
    close: () => new Promise<void>((done) => server.close(() => done())),
  });
}
