/**
 * The Web-standard handler: `(request) => Promise<Response>`. It finds the route in the route table
 * (server/src/routes/table.ts), answers preflights and wrong methods, and is the one place where
 * every failure becomes a response and every request a log line.
 */
import type { IngestInput } from '../store/ingest.js';
import type { Db } from '../store/db/types.js';
import { HttpError, corsHeaders, errorResponse, preflight } from './http.js';
import { classify } from './failures.js';
import { outcomeOf } from './outcome.js';
import type { MetricsSource, RequestObserver } from './observe.js';
import { createRateLimiter, type RateLimiter, type RateLimits, type RedisLike } from './ratelimit.js';
import { clientAddress, ownOrigin, type ConnInfo } from './client.js';
import { defaultIsBot, type BotDetector } from '../rules/bots.js';
import { originAllowed, siteLookup, type Site } from '../store/sites.js';
import { bearer, tokenMatches, randomToken } from './tokens.js';
import { liveHub } from '../live/live.js';
import { jsonLogger, scrub, type Logger } from './log.js';
import { findRoute, type RouteEntry } from '../routes/table.js';
import type { RequestState, RouteContext } from '../routes/context.js';

export { clientAddress, type ConnInfo } from './client.js';

export interface HandlerOptions {
  db: Db;
  /** Requests a minute per client address; the contract's 100 (sync) and 50 (call-event) by default. */
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
  /** Told about every request and what each write stored or dropped (the Node side's metrics). */
  observer?: RequestObserver;
  /** Serves GET /metrics when given (the Node side supplies Prometheus text). */
  metrics?: MetricsSource;
  /** Live streams allowed per site and per client address (defaults 50 and 10). */
  liveLimits?: { perSite?: number; perAddress?: number; bufferBytes?: number };
  /** Deadline for /readyz's database check, ms (default 2000). */
  readyTimeoutMs?: number;
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
  /** Open live streams. */
  liveViewers(): number;
  /** Ends every live stream with a retry hint (graceful shutdown). */
  endStreams(): void;
};

export function createHandler(options: HandlerOptions): Handler {
  const { db } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? jsonLogger;
  const sites = siteLookup(db, { ttlMs: options.siteCacheMs ?? 5000, now });
  const hub = liveHub(db, { ...options.liveLimits, log });
  const limiterReady: Promise<RateLimiter> = createRateLimiter({
    limits: options.limits,
    redisUrl: options.redisUrl,
    redis: options.redis,
    keyPrefix: options.rateLimitPrefix,
    onRedisError: (err, where) =>
      log({ level: 'warn', msg: 'redis_unavailable', redis: where, error: scrub(err.message), hint: 'rate limits are kept in memory (per process) until Redis answers' }),
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
    sites,
    enqueue: options.enqueue,
    site,
    async limit(route, request, info) {
      const limiter = await limiterReady;
      const result = await limiter.consume(route, clientAddress(request, info, options.trustProxy));
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
    clientAddress: (request, info) => clientAddress(request, info, options.trustProxy),
    redisState: async () => (await limiterReady.catch(() => undefined))?.redisState() ?? 'unavailable',
    metrics: options.metrics,
    readyTimeoutMs: options.readyTimeoutMs ?? 2000,
  };

  async function route(request: Request, url: URL, entry: RouteEntry | undefined, info: ConnInfo | undefined, state: RequestState): Promise<Response> {
    const path = url.pathname;
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
    const entry = findRoute(url.pathname);
    let response: Response;
    let failure: HttpError | undefined;
    let ref: string | undefined;
    try {
      response = await route(request, url, entry, info, state);
    } catch (err) {
      const classified = classify(err, request);
      failure = classified.error;
      if (failure.status >= 500 && classified.detail !== undefined) {
        ref = randomToken(6);
        log({ level: failure.status === 503 ? 'warn' : 'error', msg: failure.code, ref, error: scrub(classified.detail) });
        if (failure.status === 500) failure = new HttpError(500, failure.code, `${failure.message.replace(/\.$/, '')} (ref ${ref}).`);
      }
      response = errorResponse(failure);
    }
    if (entry?.cors) {
      for (const [k, v] of Object.entries(corsHeaders(request))) response.headers.set(k, v);
    }
    const ms = now() - started;
    const errorCode = failure?.code ?? null;
    const outcome = entry?.writes && request.method === 'POST' ? outcomeOf(state, response.status, errorCode) : undefined;
    log({
      // 503 is the database's absence, already announced once; 499 is the client's own doing.
      level: response.status >= 500 && response.status !== 503 ? 'error' : response.status >= 400 ? 'warn' : 'info',
      msg: 'request',
      method: request.method,
      path: url.pathname,
      status: response.status,
      ms,
      site: state.site?.slice(0, 64) ?? null,
      error: errorCode,
      ...(ref ? { ref } : {}),
      ...(outcome ? { stored: outcome.stored, dropped: outcome.dropped, reason: outcome.reason } : {}),
    });
    const label = entry?.path ?? 'other';
    options.observer?.request(label, request.method, response.status, ms / 1000);
    if (outcome) options.observer?.outcome(label, outcome);
    return response;
  }

  const handler = respond as Handler;
  handler.liveViewers = () => hub.viewers();
  handler.endStreams = () => hub.shutdown();
  handler.close = async () => {
    await hub.close();
    await (await limiterReady.catch(() => undefined))?.close();
  };
  return handler;
}
