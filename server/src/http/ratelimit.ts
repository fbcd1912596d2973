/**
 * Per client-address rate limits (rate-limiter-flexible): in memory by default, in Redis when a
 * URL or client is given so that several server processes share one limit. When Redis fails, an
 * in-memory limiter with the same rules takes over instead of failing the request.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { redactUrl } from '../store/db/url.js';

export interface RateLimits {
  /** Requests a window on /api/sync per client address (default 100). */
  sync: number;
  /** Requests a window on /api/call-event per client address (default 50). */
  call: number;
  /** Window length in seconds (default 60). */
  windowSeconds: number;
}

export const DEFAULT_LIMITS: RateLimits = { sync: 100, call: 50, windowSeconds: 60 };

export type Route = 'sync' | 'call';

/** Allowed, or refused with the seconds until the client may try again. */
export type LimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  consume(route: Route, key: string): Promise<LimitResult>;
  /** 'none' without Redis, else the client's status ('ready', 'connecting', 'reconnecting', 'end'). */
  redisState(): string;
  close(): Promise<void>;
}

/** The subset of an ioredis client that this module uses. */
export interface RedisLike {
  quit(): Promise<unknown>;
  status?: string;
}

export interface RateLimiterOptions {
  limits?: Partial<RateLimits>;
  redisUrl?: string;
  /** An ioredis client owned by the caller (not closed by `close()`). */
  redis?: RedisLike;
  /** Key prefix in Redis; instances with the same prefix share their counters. */
  keyPrefix?: string;
  /** Told about Redis connection errors (at most once a minute); the limiter keeps working in memory. */
  onRedisError?: (err: Error, where: string) => void;
}

export async function createRateLimiter(options: RateLimiterOptions = {}): Promise<RateLimiter> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  // Imported on first use: the package's index also loads its node:cluster limiter, which an edge
  // runtime should not pay for at module load.
  const { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } = await import('rate-limiter-flexible');
  const prefix = options.keyPrefix ?? 'opsmantik';
  let client: RedisLike | undefined = options.redis;
  let ownsClient = false;
  if (!client && options.redisUrl) {
    // Loaded only when asked for, so the embedded setup never pulls in a Redis client.
    const { Redis } = await import('ioredis');
    const redis = new Redis(options.redisUrl, {
      // Fail fast when Redis is away; the in-memory insurance limiter answers meanwhile.
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
      // Requests that arrive together send their counter updates in one write (each is still its own
      // atomic command, so the limit stays exact across processes).
      enableAutoPipelining: true,
    });
    let lastReport = 0;
    redis.on('error', (err: Error) => {
      if (Date.now() - lastReport < 60_000) return;
      lastReport = Date.now();
      // Name the host the operator has to look at; never the password.
      options.onRedisError?.(err, redactUrl(options.redisUrl!));
    });
    client = redis;
    ownsClient = true;
  }
  const make = (route: Route): RateLimiterAbstract => {
    const points = limits[route];
    const duration = limits.windowSeconds;
    const memory = new RateLimiterMemory({ points, duration, keyPrefix: `${prefix}:${route}` });
    if (!client) return memory;
    return new RateLimiterRedis({
      storeClient: client,
      points,
      duration,
      keyPrefix: `${prefix}:${route}`,
      insuranceLimiter: memory,
    });
  };
  const limiters: Record<Route, RateLimiterAbstract> = { sync: make('sync'), call: make('call') };

  return {
    async consume(route, key) {
      try {
        await limiters[route].consume(key, 1);
        return { ok: true };
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
        }
        throw err;
      }
    },
    redisState: () => (client ? (client.status ?? 'ready') : 'none'),
    async close() {
      if (ownsClient && client) await client.quit().catch(() => undefined);
    },
  };
}
