import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRateLimiter, type RateLimiter } from '../../src/http/ratelimit.js';
import { REDIS_URL, redisForTests } from '../support/services.js';

const open: RateLimiter[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function limiter(...args: Parameters<typeof createRateLimiter>): Promise<RateLimiter> {
  const l = await createRateLimiter(...args);
  open.push(l);
  return l;
}

async function consumeN(l: RateLimiter, route: 'sync' | 'call', key: string, n: number) {
  const results = [];
  for (let i = 0; i < n; i++) results.push(await l.consume(route, key));
  return results;
}

describe('rate limits in memory', () => {
  it('allows 100 syncs a minute per key and refuses the 101st with a retry time', async () => {
    const l = await limiter();
    const results = await consumeN(l, 'sync', 'ip|site', 101);
    expect(results.slice(0, 100).every((r) => r.ok)).toBe(true);
    const last = results[100]!;
    expect(last.ok).toBe(false);
    if (!last.ok) {
      expect(last.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(last.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
  });

  it('allows 50 call-events a minute', async () => {
    const l = await limiter();
    const results = await consumeN(l, 'call', 'ip|site', 51);
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    expect(results[50]!.ok).toBe(false);
  });

  it('counts each client and site on its own', async () => {
    const l = await limiter({ limits: { sync: 2 } });
    await consumeN(l, 'sync', 'a|site', 2);
    expect((await l.consume('sync', 'a|site')).ok).toBe(false);
    expect((await l.consume('sync', 'b|site')).ok).toBe(true);
    expect((await l.consume('sync', 'a|other')).ok).toBe(true);
  });

  it('allows again after the window', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-20T12:00:00Z') });
    const l = await limiter({ limits: { sync: 1, windowSeconds: 60 } });
    expect((await l.consume('sync', 'k')).ok).toBe(true);
    expect((await l.consume('sync', 'k')).ok).toBe(false);
    vi.advanceTimersByTime(61_000);
    expect((await l.consume('sync', 'k')).ok).toBe(true);
  });

  it('takes raised limits (the benchmark does)', async () => {
    const l = await limiter({ limits: { sync: 1000 } });
    const results = await consumeN(l, 'sync', 'k', 150);
    expect(results.every((r) => r.ok)).toBe(true);
  });
});

describe('rate limits in Redis', () => {
  let available = false;
  beforeAll(async () => {
    available = await redisForTests();
  });

  it('two limiters sharing Redis share one limit', async (ctx) => {
    if (!available) return ctx.skip(`Redis not reachable at ${REDIS_URL}`);
    const prefix = `om_test_${Math.random().toString(36).slice(2)}`;
    const a = await limiter({ redisUrl: REDIS_URL, keyPrefix: prefix, limits: { sync: 10 } });
    const b = await limiter({ redisUrl: REDIS_URL, keyPrefix: prefix, limits: { sync: 10 } });
    const first = await consumeN(a, 'sync', 'ip|site', 6);
    const second = await consumeN(b, 'sync', 'ip|site', 5);
    expect([...first, ...second].filter((r) => r.ok)).toHaveLength(10);
    expect(second[4]!.ok).toBe(false);
    // A limiter with another prefix has its own counters.
    const c = await limiter({ redisUrl: REDIS_URL, keyPrefix: `${prefix}_other`, limits: { sync: 10 } });
    expect((await c.consume('sync', 'ip|site')).ok).toBe(true);
  });

  it('keeps limiting in memory when Redis is unreachable, and says which Redis (never its password)', async () => {
    const warnings: string[] = [];
    const l = await limiter({ redisUrl: 'redis://:hunter2@127.0.0.1:1', limits: { sync: 2 }, onRedisError: (_err, where) => warnings.push(where) });
    const results = await consumeN(l, 'sync', 'k', 3);
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(warnings[0]).toBe('redis://:***@127.0.0.1:1');
    expect(l.redisState()).not.toBe('ready');
  });
});
