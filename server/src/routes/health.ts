/**
 * GET /healthz: liveness, the process answers (no database call: a load balancer must not restart
 * a healthy process because its database is away). GET /readyz: readiness, the database answers a
 * query within the deadline (503 otherwise, with Retry-After), plus the rate limiter's Redis state
 * (reported, not required: limits fall back to memory when Redis is away).
 */
import { json } from '../http/http.js';
import type { RouteHandler } from './context.js';

export const health: RouteHandler = async () => json({ status: 'ok' });

export const ready: RouteHandler = async (ctx) => {
  const started = ctx.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${ctx.readyTimeoutMs} ms`), ctx.readyTimeoutMs);
  });
  const check = ctx.db.query('select 1 as ok').then(
    () => 'ok',
    () => 'unreachable',
  );
  const [database, redis] = await Promise.all([Promise.race([check, deadline]).finally(() => clearTimeout(timer)), ctx.redisState()]);
  const ok = database === 'ok';
  return json({ status: ok ? 'ready' : 'unavailable', database, redis, ms: ctx.now() - started }, ok ? 200 : 503, ok ? {} : { 'retry-after': '5' });
};
