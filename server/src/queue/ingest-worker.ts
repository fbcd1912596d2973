/**
 * `opsmantik worker`: consumes queued /api/sync batches in large pulls, writes them through the
 * same group-commit path as the handler (store/group-commit.ts), and acknowledges each message
 * only after its group has committed. A worker that dies before the ack leaves its messages to be
 * redelivered (after ack_wait) to any worker; the database's `(sid, i)` uniqueness makes writing
 * them again harmless. Any number of workers share one durable consumer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { Db } from '../store/db/types.js';
import { commitGroup } from '../store/group-commit.js';
import { SessionConflictError, type IngestInput } from '../store/ingest.js';
import { BAD_DATA, sqlState } from '../store/dberrors.js';
import { decodeBatch, DEFAULT_STREAM, ensureStream } from './ingest-queue.js';
import { jsonLogger, type Logger } from '../http/log.js';

export interface WorkerOptions {
  db: Db;
  url: string;
  stream?: string;
  /** Durable consumer shared by all workers (default opsmantik-writers). */
  durable?: string;
  /** Messages pulled at once (default 1000). */
  batch?: number;
  /** Most events written in one group (default 5000). */
  maxEvents?: number;
  /** Groups written at once, each on its own connection (default 2): one group's commit and I/O overlap the next one's statements. */
  concurrency?: number;
  /** How long a message may stay unacknowledged before it is delivered again, ms (default 30 s). */
  ackWaitMs?: number;
  /** Delay before a batch the database could not take is offered again, ms (default 1000). */
  retryDelayMs?: number;
  log?: Logger;
  /** Tests: called after a group has committed and before its messages are acknowledged; false skips the acks. */
  beforeAck?: (messages: number) => boolean | Promise<boolean>;
}

export interface RunningWorker {
  /** Messages acknowledged so far. */
  readonly acked: number;
  /** Stops pulling, finishes the group in hand, and closes the connection. */
  stop(): Promise<void>;
  /** Settles when the loop ends (after stop(), or with the error that ended it). */
  done: Promise<void>;
}

/** Data the database refused for good (a request's own fault): retrying would fail again. */
const permanent = (err: Error) => err instanceof SessionConflictError || BAD_DATA.has(sqlState(err) ?? '') || /^23/.test(sqlState(err) ?? '');

/** Splits pulled messages into groups of at most maxEvents events (a batch is never split). */
function groups(items: Array<{ msg: JsMsg; input: IngestInput }>, maxEvents: number) {
  const out: Array<typeof items> = [];
  let current: typeof items = [];
  let events = 0;
  for (const item of items) {
    if (current.length && events + item.input.events.length > maxEvents) {
      out.push(current);
      current = [];
      events = 0;
    }
    current.push(item);
    events += item.input.events.length;
  }
  if (current.length) out.push(current);
  return out;
}

export async function runIngestWorker(options: WorkerOptions): Promise<RunningWorker> {
  const stream = options.stream ?? DEFAULT_STREAM;
  const durable = options.durable ?? 'opsmantik-writers';
  const log = options.log ?? jsonLogger;
  const nc: NatsConnection = await connect({ servers: options.url, maxReconnectAttempts: -1 });
  await ensureStream(nc, stream);
  const jsm = await jetstreamManager(nc);
  const batch = options.batch ?? 1000;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  try {
    await jsm.consumers.info(stream, durable);
  } catch {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(options.ackWaitMs ?? 30_000),
      max_ack_pending: Math.max(20_000, batch * 4),
    });
  }
  const consumer = await jetstream(nc).consumers.get(stream, durable);
  let stopping = false;
  let acked = 0;

  async function writeGroup(items: Array<{ msg: JsMsg; input: IngestInput }>): Promise<void> {
    const results = await commitGroup(options.db, items.map((i) => i.input));
    if (options.beforeAck && !(await options.beforeAck(items.length))) return;
    results.forEach((r, n) => {
      const { msg } = items[n]!;
      if (!(r instanceof Error)) {
        msg.ack();
        acked++;
      } else if (permanent(r)) {
        log({ level: 'warn', msg: 'queued_batch_refused', error: r.message, seq: msg.seq });
        msg.term(r.message.slice(0, 200));
      } else {
        // The database is down or overloaded: offer the batch again later, to any worker.
        msg.nak(retryDelayMs);
      }
    });
  }

  /** A pull split into groups written `concurrency` at a time (split evenly, so that a small pull still overlaps). */
  async function writeAll(pulled: Array<{ msg: JsMsg; input: IngestInput }>): Promise<void> {
    const parallel = Math.max(1, options.concurrency ?? 2);
    const events = pulled.reduce((n, item) => n + item.input.events.length, 0);
    const pending = groups(pulled, Math.min(options.maxEvents ?? 5000, Math.max(1, Math.ceil(events / parallel))));
    const lane = async () => {
      for (let g = pending.shift(); g; g = pending.shift()) await writeGroup(g);
    };
    await Promise.all(Array.from({ length: Math.min(parallel, pending.length) }, lane));
  }

  /**
   * One pull. A pull that fails ends with what it got, and the next one tries again: the client
   * ends a fetch when two of the broker's heartbeats come late, which happens whenever this process
   * is busy for a second (a large group, a slow database) and says nothing about the broker; a
   * broker that is gone reconnects on its own. Nothing is lost meanwhile: what was not
   * acknowledged is delivered again after ack_wait.
   */
  async function pull(): Promise<Array<{ msg: JsMsg; input: IngestInput }>> {
    const pulled: Array<{ msg: JsMsg; input: IngestInput }> = [];
    try {
      const messages = await consumer.fetch({ max_messages: batch, expires: 1000 });
      for await (const msg of messages) {
        const input = decodeBatch(msg.data);
        if (!input) {
          log({ level: 'warn', msg: 'queued_batch_unreadable', seq: msg.seq });
          msg.term('unreadable');
          continue;
        }
        pulled.push({ msg, input });
      }
    } catch (err) {
      log({ level: 'warn', msg: 'queue_pull_failed', error: err instanceof Error ? err.message : String(err) });
      // Not in a tight loop while the broker is away.
      if (!pulled.length) await sleep(retryDelayMs);
    }
    return pulled;
  }

  const done = (async () => {
    // The next pull runs while this one is written, so neither the broker nor the database waits
    // for the other. After stop() the pull in flight is still written: nothing is left in hand.
    // A pull that fails while a write runs is reported when it is awaited, not as unhandled.
    const start = () => {
      const p = pull();
      p.catch(() => undefined);
      return p;
    };
    let next = start();
    for (;;) {
      const pulled = await next;
      const last = stopping;
      if (!last) next = start();
      await writeAll(pulled);
      if (pulled.length) await nc.flush();
      if (last) break;
    }
  })();

  return {
    get acked() {
      return acked;
    },
    async stop() {
      stopping = true;
      await done.catch(() => undefined);
      await nc.drain();
    },
    done,
  };
}
