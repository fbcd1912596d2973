/**
 * Queue mode against the machine's NATS JetStream: handlers answer 202 and store batches in a
 * stream; workers write them through the group-commit path and acknowledge after commit. A worker
 * killed between commit and ack, a message delivered again, a database that fails for a while:
 * every event is stored exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyPostgres, freshDb, type FreshDb } from '../support/db.js';
import { wireEvent, sync, ORIGIN } from '../support/harness.js';
import { NATS_URL, dropStream, natsForTests } from '../support/services.js';
import { createHandler, type Handler } from '../../src/http/handler.js';
import { createSite, type CreatedSite } from '../../src/store/sites.js';
import { migrate } from '../../src/store/db/migrate.js';
import { openIngestQueue, type IngestQueue } from '../../src/queue/ingest-queue.js';
import { runIngestWorker } from '../../src/queue/ingest-worker.js';
import type { Db } from '../../src/store/db/types.js';
import type { WireEvent } from '../../../src/wire.js';

/** Polls `check` every 100 ms, for at most `rounds` rounds (a bound on the test, not an assertion on time). */
async function until(check: () => Promise<boolean>, rounds = 600): Promise<void> {
  for (let n = 0; n < rounds; n++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

async function stored(db: Db): Promise<{ events: number; distinct: number }> {
  const [row] = await db.query<{ events: number; distinct: number }>(
    `select count(*)::int as events, count(distinct (session_id, client_event_id))::int as distinct from public.events`,
  );
  return row!;
}

/** 40 sessions, 5 requests each of 1-3 events; every fourth request is sent a second time (a retry). */
function traffic(site: string): { bodies: WireEvent[][]; distinct: number } {
  const bodies: WireEvent[][] = [];
  let distinct = 0;
  for (let s = 0; s < 40; s++) {
    const sid = randomUUID();
    for (let r = 0; r < 5; r++) {
      const body = Array.from({ length: 1 + ((s + r) % 3) }, (_, k) =>
        wireEvent(site, { sid, i: `r${r}e${k}`, ...(k === 1 ? { ec: 'interaction', ea: 'click' } : {}) }),
      );
      distinct += body.length;
      bodies.push(body);
      if ((s * 5 + r) % 4 === 0) bodies.push(body);
    }
  }
  return { bodies, distinct };
}

let available = false;
beforeAll(async () => {
  available = await natsForTests();
});

describe('queue mode on NATS JetStream, workers in their own processes (PostgreSQL)', () => {
  let pg: FreshDb & { url: string };
  let site: CreatedSite;
  let queue: IngestQueue;
  let handler: Handler;
  const stream = `OM_TEST_${randomBytes(5).toString('hex').toUpperCase()}`;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!available) return;
    pg = await emptyPostgres(4);
    await migrate(pg.db);
    site = await createSite(pg.db, { ownerEmail: 'queue@example.com', origins: [ORIGIN] });
    queue = await openIngestQueue({ url: NATS_URL, stream });
    handler = createHandler({ db: pg.db, enqueue: queue.enqueue, log: () => undefined, siteCacheMs: 0, limits: { sync: 1e6, call: 1e6 } });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await handler?.close();
    await queue?.close();
    if (available) await dropStream(stream);
    await pg?.drop();
  });

  function startWorker(env: Record<string, string>): { child: ChildProcess; said: (line: string) => Promise<void> } {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/test/support/queue-worker.ts'], {
      env: { ...process.env, QW_DATABASE_URL: pg.url, QW_NATS_URL: NATS_URL, QW_STREAM: stream, QW_ACK_WAIT_MS: '2000', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    const waiters: Array<{ line: string; resolve: () => void }> = [];
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const w of waiters) if (out.includes(w.line)) w.resolve();
    });
    const said = (line: string) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(line)) return resolve();
        waiters.push({ line, resolve });
        child.once('exit', (code) => reject(new Error(`worker exited (${code}) before saying ${line}`)));
      });
    return { child, said };
  }

  it('answers 202 queued, and stores every event once though a worker dies between commit and ack', async (ctx) => {
    if (!available) return ctx.skip(`NATS not reachable at ${NATS_URL}`);
    const { bodies, distinct } = traffic(site.publicId);
    const answers = [];
    for (const body of bodies) answers.push(await sync(handler, body));
    for (const a of answers) expect(a.status).toBe(202);
    // A batch sent again is recognised by its message id: nothing new accepted.
    expect(answers.reduce((n, a) => n + a.json.accepted, 0)).toBe(distinct);
    expect(answers[1]!.json).toEqual({ status: 'queued', accepted: 0 });
    expect(answers[0]!.json).toEqual({ status: 'queued', accepted: answers[0]!.json.accepted });
    expect((await stored(pg.db)).events).toBe(0);

    // The first worker commits three groups of 20 batches, commits a fourth and never acknowledges it.
    const first = startWorker({ QW_BATCH: '20', QW_STALL_AFTER: '3' });
    await first.said('stalled');
    const midway = await stored(pg.db);
    expect(midway.events).toBeGreaterThan(0);
    expect(midway.events).toBeLessThan(distinct);
    first.child.kill('SIGKILL');

    // The second worker gets everything left, including the fourth group again once its ack wait ends.
    const second = startWorker({ QW_BATCH: '500' });
    await second.said('ready');
    await until(async () => (await stored(pg.db)).events >= distinct);
    // One more round of the worker's loop: nothing further arrives.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await stored(pg.db)).toEqual({ events: distinct, distinct });
    const [sessions] = await pg.db.query<{ n: number; events: number; wrong: number }>(
      `select count(*)::int as n, sum(event_count)::int as events,
              count(*) filter (where lead_score <> 10)::int as wrong from public.sessions`,
    );
    // Every session got an interaction (10 points) and counts each of its events once.
    expect(sessions).toEqual({ n: 40, events: distinct, wrong: 0 });
    second.child.kill('SIGTERM');
  });
});

describe('queue worker when the database fails for a while (PGlite, in process)', () => {
  it('leaves the batches in the stream, is offered them again, and writes each event once', async (ctx) => {
    if (!available) return ctx.skip(`NATS not reachable at ${NATS_URL}`);
    const stream = `OM_TEST_${randomBytes(5).toString('hex').toUpperCase()}`;
    const fresh = await freshDb('pglite');
    const queue = await openIngestQueue({ url: NATS_URL, stream });
    try {
      const site = await createSite(fresh.db, { ownerEmail: 'q2@example.com', origins: [ORIGIN] });
      const handler = createHandler({ db: fresh.db, enqueue: queue.enqueue, log: () => undefined, siteCacheMs: 0, limits: { sync: 1e6, call: 1e6 } });
      const { bodies, distinct } = traffic(site.publicId);
      for (const body of bodies) expect((await sync(handler, body)).status).toBe(202);
      await handler.close();
      // The first three transactions fail as a lost connection would.
      let failures = 3;
      const flaky: Db = {
        ...fresh.db,
        transaction(fn) {
          if (failures-- > 0) return Promise.reject(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }));
          return fresh.db.transaction(fn);
        },
      };
      const worker = await runIngestWorker({ db: flaky, url: NATS_URL, stream, batch: 50, retryDelayMs: 100, log: () => undefined });
      try {
        await until(async () => (await stored(fresh.db)).events >= distinct);
        // 200 distinct batches (the repeats were never queued): each acknowledged once.
        await until(async () => worker.acked >= 200);
      } finally {
        await worker.stop();
      }
      expect(failures).toBeLessThan(0);
      expect(worker.acked).toBe(200);
      expect(await stored(fresh.db)).toEqual({ events: distinct, distinct });
    } finally {
      await queue.close();
      await dropStream(stream);
      await fresh.drop();
    }
  });
});
