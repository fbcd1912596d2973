/**
 * Redis for the shared-limit tests. Under CI a missing Redis fails the run; elsewhere the test
 * reports why it cannot run (never silently).
 */
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisAvailable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * For a beforeAll: whether the Redis tests can run. Under CI a missing Redis throws (fails the
 * run); elsewhere it answers false and each test skips, saying why.
 */
export async function redisForTests(): Promise<boolean> {
  const available = await redisAvailable();
  if (!available && process.env.CI) throw new Error(`Redis is required under CI and is not reachable at ${REDIS_URL}`);
  return available;
}
