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

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * For a beforeAll: whether NATS (with JetStream) is reachable. Under CI a missing broker throws
 * (fails the run); elsewhere it answers false and each test skips, saying why.
 */
export async function natsForTests(): Promise<boolean> {
  const { connect } = await import('@nats-io/transport-node');
  let available = false;
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2000, reconnect: false });
    const { jetstreamManager } = await import('@nats-io/jetstream');
    await (await jetstreamManager(nc)).getAccountInfo();
    await nc.close();
    available = true;
  } catch {
    available = false;
  }
  if (!available && process.env.CI) throw new Error(`NATS with JetStream is required under CI and is not reachable at ${NATS_URL}`);
  return available;
}

/** Removes a test's stream (and its consumers) from the broker. */
export async function dropStream(stream: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: NATS_URL, timeout: 2000, reconnect: false });
  try {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}
