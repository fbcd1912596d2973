/**
 * The Web-standard handler: `(request) => Promise<Response>`. It finds the route in the route table
 * (server/src/routes/table.ts), answers preflights and wrong methods, and is the one place where
 * every failure becomes a response and every request a log line.
 */
import type { IngestInput } from '../store/ingest.js';
import type { Db } from '../store/db/types.js';
import { HttpError, corsHeaders, errorResponse, preflight } from './http.js';
import { createRateLimiter, type RateLimiter, type RateLimits, type RedisLike } from './ratelimit.js';
import { clientAddress, ownOrigin, type ConnInfo } from './client.js';
import { defaultIsBot, type BotDetector } from '../rules/bots.js';
import { originAllowed, siteLookup, type Site } from '../store/sites.js';
import { bearer, tokenMatches, randomToken } from './tokens.js';
import { liveHub } from '../live/live.js';
import { jsonLogger, scrub, type Logger } from './log.js';
import { BAD_DATA, sqlState } from '../store/dberrors.js';
import { findRoute } from '../routes/table.js';
import type { RequestState, RouteContext } from '../routes/context.js';

export { clientAddress, type ConnInfo } from './client.js';

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
  /**
   * Queue mode: store each validated /api/sync batch here (durably) instead of writing it, and
   * answer 202 {"status":"queued","accepted"}; resolves to the events the batch adds.
   */
  enqueue?: (input: IngestInput) => Promise<number>;
  /** The clock, for tests. */
  now?: () => number;
}

export type Handler = ((request: Request, info?: ConnInfo) => Promise<Response>) & {
  /** Closes the rate limiter's Redis connection and live listeners (not the database). */
  close(): Promise<void>;
};

export function createHandler(options: HandlerOptions): Handler {
  const { db } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? jsonLogger;
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

  const site = async (publicId: string): Promise<Site> => {
    const found = await sites.get(publicId);
    if (!found) throw new HttpError(404, 'unknown_site', `No site has the id ${JSON.stringify(publicId.slice(0, 64))}.`);
    return found;
  };

  const ctx: RouteContext = {
    db,
    now,
    log,
    isBot: options.isBot ?? defaultIsBot,
    hub,
    clickIdCookie: options.clickIdCookie !== false,
    enqueue: options.enqueue,
    site,
    async limit(route, request, info, publicId) {
      const limiter = await limiterReady;
      const result = await limiter.consume(route, `${clientAddress(request, info, options.trustProxy)}|${publicId}`);
      if (!result.ok) {
        throw new HttpError(429, 'rate_limited', `Too many requests; try again in ${result.retryAfterSeconds} s.`, {
          'retry-after': String(result.retryAfterSeconds),
        });
      }
    },
    checkOrigin(request, s) {
      const origin = request.headers.get('origin');
      if (!originAllowed(origin, s.allowedOrigins)) {
        throw new HttpError(403, 'origin_not_allowed', origin ? `Origin ${origin.slice(0, 200)} is not allowed for this site.` : 'The request has no Origin header.');
      }
    },
    async ownerSite(request, url) {
      const publicId = url.searchParams.get('site');
      if (!publicId) throw new HttpError(400, 'invalid_body', 'The site query parameter is required.');
      const s = await site(publicId);
      // EventSource cannot set headers, so the token may also come in the query string.
      const token = bearer(request) ?? url.searchParams.get('token');
      if (!(await tokenMatches(token, s.liveTokenHash))) throw new HttpError(401, 'unauthorized', 'The live token is not valid for this site.');
      return s;
    },
    ownOrigin: (request) => ownOrigin(request, options.trustProxy),
  };

  async function route(request: Request, url: URL, info: ConnInfo | undefined, state: RequestState): Promise<Response> {
    const path = url.pathname;
    const entry = findRoute(path);
    if (!entry) throw new HttpError(404, 'not_found', `Nothing is served at ${path.slice(0, 200)}.`);
    if (entry.cors && request.method === 'OPTIONS') return preflight(request);
    if (!entry.methods.includes(request.method)) {
      const allow = [...entry.methods, ...(entry.cors ? ['OPTIONS'] : [])].join(', ');
      throw new HttpError(405, 'method_not_allowed', `${path} accepts ${entry.methods.join(' or ')} only.`, { allow });
    }
    return entry.handle(ctx, { request, url, info, state });
  }

  /** The one place where errors become responses. */
  async function respond(request: Request, info?: ConnInfo): Promise<Response> {
    const started = now();
    const state: RequestState = {};
    const url = new URL(request.url);
    let response: Response;
    let failure: unknown;
    try {
      response = await route(request, url, info, state);
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
    if (findRoute(url.pathname)?.cors) {
      for (const [k, v] of Object.entries(corsHeaders(request))) response.headers.set(k, v);
    }
    log({
      level: response.status >= 500 ? 'error' : response.status >= 400 ? 'warn' : 'info',
      msg: 'request',
      method: request.method,
      path: url.pathname,
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
