/**
 * A queue worker in a process of its own, for the queue tests (a process can be killed with
 * SIGKILL; an in-process loop cannot). Configured by environment:
 *   QW_DATABASE_URL, QW_NATS_URL, QW_STREAM, QW_BATCH, QW_ACK_WAIT_MS,
 *   QW_STALL_AFTER: after this many committed groups, commit the next one and never acknowledge
 *   it (a worker dying between commit and ack); prints "stalled" when there.
 */
import { openDb } from '../../src/store/db/index.js';
import { runIngestWorker } from '../../src/queue/ingest-worker.js';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const db = await openDb({ url: env('QW_DATABASE_URL'), max: 2 });
const stallAfter = process.env.QW_STALL_AFTER ? Number(process.env.QW_STALL_AFTER) : Infinity;
let groups = 0;
await runIngestWorker({
  db,
  url: env('QW_NATS_URL'),
  stream: env('QW_STREAM'),
  batch: Number(process.env.QW_BATCH ?? 1000),
  ackWaitMs: Number(process.env.QW_ACK_WAIT_MS ?? 30_000),
  log: () => undefined,
  beforeAck: async () => {
    if (++groups <= stallAfter) return true;
    console.log('stalled');
    return new Promise<boolean>(() => undefined);
  },
});
console.log('ready');
