import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { openHarness, sync, wireEvent, type Harness } from '../support/harness.js';
import { REDIS_URL, redisForTests } from '../support/services.js';

// The limit lives in Redis, not in the database: one backend is enough.
const kind = backends[0]!;

describe(`rate limits shared through Redis (on ${kind})`, () => {
  let h: Harness;
  let available = false;
  beforeAll(async () => {
    available = await redisForTests();
    h = await openHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('two handler instances sharing Redis share the 100-a-minute limit', async (ctx) => {
    if (!available) return ctx.skip(`Redis not reachable at ${REDIS_URL}`);
    const prefix = `om_test_${randomUUID()}`;
    const a = h.newHandler({ redisUrl: REDIS_URL, rateLimitPrefix: prefix, limits: { sync: 100, call: 50 } });
    const b = h.newHandler({ redisUrl: REDIS_URL, rateLimitPrefix: prefix, limits: { sync: 100, call: 50 } });
    const sid = randomUUID();
    const statuses: number[] = [];
    for (let n = 0; n < 100; n++) {
      const res = await sync(n % 2 ? a : b, wireEvent(h.site.publicId, { sid, i: `x${n}` }), { ip: '192.0.2.10' });
      statuses.push(res.status);
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    for (const handler of [a, b]) {
      const res = await sync(handler, wireEvent(h.site.publicId, { sid }), { ip: '192.0.2.10' });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // A third instance with its own in-memory limiter has not seen those requests.
    const lone = h.newHandler({ limits: { sync: 100, call: 50 } });
    expect((await sync(lone, wireEvent(h.site.publicId), { ip: '192.0.2.10' })).status).toBe(200);
  });
});
