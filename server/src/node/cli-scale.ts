/**
 * The CLI's scaling parts, wired into cli.ts with a few lines:
 *   serve --workers N      N handler processes on one port (node:cluster), sharing the rate limits in
 *                          Redis and a database connection budget (--db-connections, split evenly);
 *   serve --queue URL      queue mode: validated batches go to NATS JetStream, answered 202;
 *   worker --queue URL     writes queued batches to the database, acknowledging after commit.
 */
import cluster from 'node:cluster';
import type { Db } from '../store/db/types.js';
import { openDb } from '../store/db/index.js';
import { migrate } from '../store/db/migrate.js';
import { configureGroupCommit } from '../store/ingest.js';
import type { HandlerOptions } from '../http/handler.js';
import { openIngestQueue, type IngestQueue } from '../queue/ingest-queue.js';
import { runIngestWorker } from '../queue/ingest-worker.js';

export const scaleOptions = {
  workers: { type: 'string' },
  queue: { type: 'string' },
  'db-connections': { type: 'string' },
  batch: { type: 'string' },
} as const;

export const SCALE_USAGE = `  opsmantik serve ... [--workers N] [--db-connections N] [--queue nats://HOST:PORT]
  opsmantik worker --queue nats://HOST:PORT [--database-url URL] [--batch N] [--db-connections N]

--workers N runs N handler processes on one port (PostgreSQL and --redis-url required, so that rate
limits stay exact across them); --db-connections (default 10) is the connections all of them may
hold together. --queue stores validated batches in NATS JetStream and answers 202; run one or more
\`opsmantik worker\` to write them.`;

interface ScaleValues {
  workers?: string;
  queue?: string;
  'db-connections'?: string;
  batch?: string;
  'redis-url'?: string;
}

const count = (value: string | undefined, fallback: number, name: string): number => {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a whole number of at least 1, not ${value}`);
  return n;
};

/** A migrated PostgreSQL pool of `max` connections, its groups sized to the pool. */
async function openPool(url: string, max: number): Promise<Db> {
  const db = await openDb({ url, max });
  // The migration runner takes an advisory lock: processes starting together apply each file once.
  await migrate(db);
  // At most two groups in flight (larger groups cost less CPU per request); a connection stays free for site lookups and the live stream.
  configureGroupCommit(db, { concurrency: Math.max(1, Math.min(2, max - 1)) });
  return db;
}

export type PreparedServe =
  | { primary: true }
  | { primary: false; db?: Db; handler: Partial<HandlerOptions>; close(): Promise<void> };

/**
 * Before `serve` starts: in the primary of `--workers N` (N > 1), forks the handler processes and
 * answers `primary` (the caller then only waits); in a handler process, opens its share of the
 * connection budget and the queue connection.
 */
export async function prepareServe(values: ScaleValues, target: { url?: string }): Promise<PreparedServe> {
  const workers = count(values.workers, 1, 'workers');
  const budget = count(values['db-connections'], 10, 'db-connections');
  if (workers > 1) {
    if (!target.url) throw new Error('--workers needs PostgreSQL (--database-url): the embedded database belongs to one process.');
    if (!(values['redis-url'] ?? process.env.REDIS_URL)) throw new Error('--workers needs --redis-url: rate limits must be shared to stay exact.');
    if (cluster.isPrimary) {
      forkHandlers(workers);
      return { primary: true };
    }
  }
  const db = target.url ? await openPool(target.url, Math.max(2, Math.floor(budget / workers))) : undefined;
  let queue: IngestQueue | undefined;
  try {
    if (values.queue) queue = await openIngestQueue({ url: values.queue });
  } catch (err) {
    await db?.close();
    throw err;
  }
  return {
    primary: false,
    db,
    handler: queue ? { enqueue: queue.enqueue } : {},
    async close() {
      await queue?.close();
      await db?.close();
    },
  };
}

/** Forks the handler processes, replaces one that dies, and stops them all on SIGINT/SIGTERM. */
function forkHandlers(n: number): void {
  let stopping = false;
  for (let k = 0; k < n; k++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`handler process ${worker.process.pid} ended (${signal ?? code}); starting another`);
    cluster.fork();
  });
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    const wait = setInterval(() => {
      if (!Object.keys(cluster.workers ?? {}).length) {
        clearInterval(wait);
        process.exit(0);
      }
    }, 50);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `opsmantik worker`: runs until SIGINT/SIGTERM; returns -1 (keep running) like serve. */
export async function runWorkerCommand(values: ScaleValues, target: { url?: string; dataDir?: string }): Promise<number> {
  if (!values.queue) {
    console.error('worker needs --queue nats://HOST:PORT.');
    return 1;
  }
  const max = count(values['db-connections'], 4, 'db-connections');
  const db = target.url ? await openPool(target.url, max) : await openDb({ dataDir: target.dataDir });
  if (!target.url) await migrate(db);
  const worker = await runIngestWorker({ db, url: values.queue, batch: count(values.batch, 1000, 'batch') });
  console.log(`OpsMantik worker consuming ${values.queue} into ${target.url ? 'PostgreSQL' : `embedded database in ${target.dataDir}`}`);
  const stop = () => {
    void worker.stop().then(() => db.close()).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  worker.done.catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
  return -1;
}
