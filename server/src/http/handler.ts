/**
 * The Web-standard handler: `(request) => Promise<Response>`, routing the ingestion API, the
 * health check and the live stream. Every failure becomes a response in one place (`respond`).
 */
import { PATH_CALL, PATH_SYNC, parseCallBody, parseSyncBody, type CallOk, type SyncOk, type WireEvent } from '../wire.js';
import type { Db } from '../store/db/types.js';
import { HttpError, checkContentType, corsHeaders, errorResponse, json, parseJsonBytes, preflight, readBodyCapped } from './http.js';
import { createRateLimiter, type RateLimiter, type RateLimits, type RedisLike, type Route } from './ratelimit.js';
import { defaultIsBot, type BotDetector } from '../rules/bots.js';
import { originAllowed, siteLookup, type Site } from '../store/sites.js';
import { monthWindow } from '../rules/months.js';
import { ingest, SessionConflictError } from '../store/ingest.js';
import { callTimeOf, recordCall } from '../store/calls.js';
import { clickIdCookie, isFirstParty, readClickIdCookie } from '../rules/clickid-cookie.js';
import { bearer, tokenMatches, randomToken } from './tokens.js';
import { liveHub, liveResponse, sessionsSnapshot } from '../live/live.js';
import { jsonLogger, scrub, type Logger } from './log.js';
import { BAD_DATA, sqlState } from '../store/dberrors.js';
import { PATH_ADS_CONVERSIONS, adsConversionsCsv } from '../routes/ads-conversions.js';
import { PATH_ADS_UPLOADS, adsUploadsSnapshot } from '../routes/ads-uploads.js';

export interface HandlerOptions {
  db: Db;
  /** Requests a minute per client and site; the contract's 100 (sync) and 50 (call-event) by default. */
  limits?: Partial<RateLimits>;
  /** Share rate limits between processes through Redis (`REDIS_URL`). */
  redisUrl?: string;
  /** Or an ioredis client owned by the caller. */
  redis?: RedisLike;
  /** Redis key prefix; handlers with the same prefix share limits. */
  rateLimitPrefix?: string;
  /**
   * Take the client address from `X-Forwarded-For` as set by this many trusted proxies in front
   * (true = 1). Off by default: the socket address is used, since anyone can write the header.
   */
  trustProxy?: boolean | number;
  /** Answer known bots without storing anything (default: isbot's list). */
  isBot?: BotDetector;
  /** Remember click ids in a first-party cookie when serving the site's own origin (default true). */
  clickIdCookie?: boolean;
  /** How long a site lookup is cached, ms (default 5000). */
  siteCacheMs?: number;
  log?: Logger;
  /** The clock, for tests. */
  now?: () => number;
}

/** What the transport knows about the connection (the Node binding passes the socket address). */
export interface ConnInfo {
  remoteAddress?: string;
}

export type Handler = ((request: Request, info?: ConnInfo) => Promise<Response>) & {
  /** Closes the rate limiter's Redis connection and live listeners (not the database). */
  close(): Promise<void>;
};

export function clientAddress(request: Request, info: ConnInfo | undefined, trustProxy: boolean | number | undefined): string {
  const hops = trustProxy === true ? 1 : typeof trustProxy === 'number' ? trustProxy : 0;
  if (hops > 0) {
    const chain = (request.headers.get('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    // Each trusted proxy appends the address it saw; the one `hops` from the end is the client.
    const candidate = chain[chain.length - hops];
    if (candidate) return candidate;
  }
  return info?.remoteAddress ?? 'unknown';
}

async function readJson(request: Request): Promise<unknown> {
  checkContentType(request);
  // Unsafe keys and strings are refused by parseSyncBody / parseCallBody, on the raw body.
  return parseJsonBytes(await readBodyCapped(request));
}

export function createHandler(options: HandlerOptions): Handler {
  const { db } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? jsonLogger;
  const isBot = options.isBot ?? defaultIsBot;
  const sites = siteLookup(db, { ttlMs: options.siteCacheMs ?? 5000, now });
  const hub = liveHub(db);
  const limiterReady: Promise<RateLimiter> = createRateLimiter({
    limits: options.limits,
    redisUrl: options.redisUrl,
    redis: options.redis,
    keyPrefix: options.rateLimitPrefix,
    onRedisError: (err) => log({ level: 'warn', msg: 'redis_unavailable', error: scrub(err.message) }),
  });
  // Surfaces as a 500 on first use rather than an unhandled rejection at start.
  limiterReady.catch(() => undefined);

  async function limit(route: Route, request: Request, info: ConnInfo | undefined, publicId: string): Promise<void> {
    const limiter = await limiterReady;
    const result = await limiter.consume(route, `${clientAddress(request, info, options.trustProxy)}|${publicId}`);
    if (!result.ok) {
      throw new HttpError(429, 'rate_limited', `Too many requests; try again in ${result.retryAfterSeconds} s.`, {
        'retry-after': String(result.retryAfterSeconds),
      });
    }
  }

  async function site(publicId: string): Promise<Site> {
    const found = await sites.get(publicId);
    if (!found) throw new HttpError(404, 'unknown_site', `No site has the id ${JSON.stringify(publicId.slice(0, 64))}.`);
    return found;
  }

  function checkOrigin(request: Request, s: Site): void {
    const origin = request.headers.get('origin');
    if (!originAllowed(origin, s.allowedOrigins)) {
      throw new HttpError(403, 'origin_not_allowed', origin ? `Origin ${origin.slice(0, 200)} is not allowed for this site.` : 'The request has no Origin header.');
    }
  }

  /** The origin this handler answers on, as the browser sees it (proxy headers only when trusted). */
  function ownOrigin(request: Request): string {
    const url = new URL(request.url);
    if (options.trustProxy) {
      const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
      const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
      if (host) return `${proto ?? url.protocol.replace(':', '')}://${host}`;
    }
    return url.origin;
  }

  async function sync(request: Request, info: ConnInfo | undefined, state: { site?: string }): Promise<Response> {
    const parsed = parseSyncBody(await readJson(request));
    if (!parsed.ok) throw new HttpError(400, parsed.error, parsed.message);
    const events: WireEvent[] = parsed.value;
    state.site = events[0]!.s;
    await limit('sync', request, info, events[0]!.s);
    const t = now();
    const months = monthWindow(t);
    for (const e of events) {
      if (!months.includes(e.sm)) {
        throw new HttpError(400, 'month_out_of_window', `Session month ${e.sm} is outside the previous, current and next month.`);
      }
    }
    const siteIds = new Map<string, string>();
    for (const publicId of new Set(events.map((e) => e.s))) {
      const s = await site(publicId);
      checkOrigin(request, s);
      siteIds.set(publicId, s.id);
    }
    if (isBot(request.headers.get('user-agent') ?? '')) {
      return json({ status: 'synced', score: 0, accepted: 0 } satisfies SyncOk);
    }
    const firstParty = options.clickIdCookie !== false && isFirstParty(request, ownOrigin(request));
    const cookieClickIds = firstParty ? readClickIdCookie(request.headers.get('cookie')) : {};
    let result;
    try {
      result = await ingest(db, { events, siteIds, now: t, userAgent: request.headers.get('user-agent'), cookieClickIds });
    } catch (err) {
      if (err instanceof SessionConflictError) throw new HttpError(400, 'invalid_body', err.message);
      throw err;
    }
    const headers: Record<string, string> = {};
    if (firstParty) {
      const cookie = clickIdCookie(result.clickIds);
      // Set again only when it would change what the browser holds.
      if (cookie && JSON.stringify(cookieClickIds) !== JSON.stringify(readClickIdCookie(cookie.split(';')[0]!))) {
        headers['set-cookie'] = cookie;
      }
    }
    return json({ status: 'synced', score: result.score, accepted: result.accepted } satisfies SyncOk, 200, headers);
  }

  async function callEvent(request: Request, info: ConnInfo | undefined, state: { site?: string }): Promise<Response> {
    const parsed = parseCallBody(await readJson(request));
    if (!parsed.ok) throw new HttpError(400, parsed.error, parsed.message);
    const body = parsed.value;
    state.site = body.site_id;
    await limit('call', request, info, body.site_id);
    const callTime = callTimeOf(body, now());
    const s = await site(body.site_id);
    // Server-to-server callers (telephony, CRM) prove themselves with the site secret instead of an Origin.
    const secret = bearer(request);
    let source: 'tracker' | 'server' = 'tracker';
    if (secret !== undefined) {
      if (!(await tokenMatches(secret, s.secretHash))) throw new HttpError(401, 'unauthorized', 'The site secret is not valid.');
      source = 'server';
    } else {
      checkOrigin(request, s);
      if (isBot(request.headers.get('user-agent') ?? '')) {
        // Answered like a real call but not stored: the id is fresh and unrelated to any row.
        return json({ status: 'unmatched', call_id: crypto.randomUUID(), session_id: null, lead_score: null } satisfies CallOk);
      }
    }
    return json(await recordCall(db, s.id, body, callTime, source));
  }

  async function ownerSite(request: Request, url: URL): Promise<Site> {
    const publicId = url.searchParams.get('site');
    if (!publicId) throw new HttpError(400, 'invalid_body', 'The site query parameter is required.');
    const s = await site(publicId);
    // EventSource cannot set headers, so the token may also come in the query string.
    const token = bearer(request) ?? url.searchParams.get('token');
    if (!(await tokenMatches(token, s.liveTokenHash))) throw new HttpError(401, 'unauthorized', 'The live token is not valid for this site.');
    return s;
  }

  async function route(request: Request, info: ConnInfo | undefined, state: { site?: string }): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const method = request.method;
    if (path === PATH_SYNC || path === PATH_CALL) {
      if (method === 'OPTIONS') return preflight(request);
      if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', `${path} accepts POST only.`, { allow: 'POST, OPTIONS' });
      return path === PATH_SYNC ? sync(request, info, state) : callEvent(request, info, state);
    }
    if (path === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'method_not_allowed', '/healthz accepts GET only.', { allow: 'GET, HEAD' });
      try {
        await db.query('select 1 as ok');
      } catch {
        throw new HttpError(503, 'storage_error', 'The database is not reachable.');
      }
      return json({ status: 'ok' });
    }
    if (path === '/api/live' || path === '/api/sessions') {
      if (method !== 'GET') throw new HttpError(405, 'method_not_allowed', `${path} accepts GET only.`, { allow: 'GET' });
      const s = await ownerSite(request, url);
      state.site = s.publicId;
      if (path === '/api/live') return liveResponse(hub, s.id, request.signal);
      const limitParam = Number(url.searchParams.get('limit') ?? 50);
      const n = Number.isInteger(limitParam) ? Math.min(Math.max(limitParam, 1), 200) : 50;
      return json(await sessionsSnapshot(db, s.id, n));
    }
    if (path === PATH_ADS_UPLOADS) {
      if (method !== 'GET') throw new HttpError(405, 'method_not_allowed', `${path} accepts GET only.`, { allow: 'GET' });
      const s = await ownerSite(request, url);
      state.site = s.publicId;
      return json(await adsUploadsSnapshot(db, s.id));
    }
    if (path === PATH_ADS_CONVERSIONS) {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'method_not_allowed', `${path} accepts GET only.`, { allow: 'GET, HEAD' });
      return adsConversionsCsv(request, { db, sites, now: now() }, (id) => (state.site = id));
    }
    throw new HttpError(404, 'not_found', `Nothing is served at ${path.slice(0, 200)}.`);
  }

  /** The one place where errors become responses. */
  async function respond(request: Request, info?: ConnInfo): Promise<Response> {
    const started = now();
    const state: { site?: string } = {};
    let response: Response;
    let failure: unknown;
    try {
      response = await route(request, info, state);
    } catch (err) {
      const code = sqlState(err);
      if (err instanceof HttpError) {
        response = errorResponse(err);
        failure = err;
      } else if (code && BAD_DATA.has(code)) {
        failure = new HttpError(400, 'invalid_body', 'A value in the body cannot be stored (invalid text or number).');
        response = errorResponse(failure as HttpError);
      } else {
        failure = err;
        const id = randomToken(6);
        log({ level: 'error', msg: 'storage_error', ref: id, code: sqlState(err) ?? null, error: scrub(String((err as Error)?.message ?? err)) });
        response = errorResponse(new HttpError(500, 'storage_error', `The event store failed; try again later (ref ${id}).`));
      }
    }
    const path = new URL(request.url).pathname;
    if (path === PATH_SYNC || path === PATH_CALL) {
      for (const [k, v] of Object.entries(corsHeaders(request))) response.headers.set(k, v);
    }
    log({
      level: response.status >= 500 ? 'error' : response.status >= 400 ? 'warn' : 'info',
      msg: 'request',
      method: request.method,
      path,
      status: response.status,
      ms: now() - started,
      site: state.site?.slice(0, 64) ?? null,
      error: failure instanceof HttpError ? failure.code : failure ? 'storage_error' : null,
    });
    return response;
  }

  const handler = respond as Handler;
  handler.close = async () => {
    await hub.close();
    await (await limiterReady.catch(() => undefined))?.close();
  };
  return handler;
}
