/**
 * Queue mode on NATS JetStream: handlers store each validated /api/sync batch durably in a stream
 * and answer 202; workers (ingest-worker.ts) write the batches through the group-commit path.
 * A message's id (Nats-Msg-Id) is derived from the batch's `(site, sid, month, i)` set, so a batch
 * sent again within the stream's duplicate window (a tracker retry, a handler retried by a proxy)
 * is stored once; past the window, or when a worker dies between commit and ack, `(sid, i)`
 * uniqueness in the database keeps every event once.
 */
import { createHash } from 'node:crypto';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType, type JetStreamClient } from '@nats-io/jetstream';
import type { WireEvent } from '../wire.js';
import type { IngestInput } from '../store/ingest.js';

export interface QueueOptions {
  /** nats://host:port */
  url: string;
  /** Stream name (default OPSMANTIK_INGEST); its one subject is `<stream lower-cased>.batches`. */
  stream?: string;
}

export const DEFAULT_STREAM = 'OPSMANTIK_INGEST';
/** How long JetStream remembers message ids for de-duplication. */
const DUPLICATE_WINDOW_MS = 10 * 60_000;

export const subjectOf = (stream: string) => `${stream.toLowerCase()}.batches`;

/** What travels in one message: the validated batch and what the write path needs besides. */
interface QueuedBatch {
  v: 1;
  events: WireEvent[];
  siteIds: Array<[string, string]>;
  now: number;
  userAgent: string | null;
  cookieClickIds: IngestInput['cookieClickIds'];
  /** The batch's phone calls (IngestInput.calls); absent when it has none, and in messages from before. */
  calls?: ReadonlyArray<readonly [number, string]>;
}

export function encodeBatch(input: IngestInput): Uint8Array {
  const body: QueuedBatch = {
    v: 1,
    events: input.events,
    siteIds: [...input.siteIds],
    now: input.now,
    userAgent: input.userAgent,
    cookieClickIds: input.cookieClickIds,
    ...(input.calls?.length && { calls: input.calls }),
  };
  return new TextEncoder().encode(JSON.stringify(body));
}

/** The batch in a message, or undefined when the message is not one of ours. */
export function decodeBatch(data: Uint8Array): IngestInput | undefined {
  try {
    const b = JSON.parse(new TextDecoder().decode(data)) as Partial<QueuedBatch>;
    if (b.v !== 1 || !Array.isArray(b.events) || !b.events.length || !Array.isArray(b.siteIds) || typeof b.now !== 'number') return undefined;
    return {
      events: b.events,
      siteIds: new Map(b.siteIds),
      now: b.now,
      userAgent: typeof b.userAgent === 'string' ? b.userAgent : null,
      cookieClickIds: b.cookieClickIds ?? {},
      calls: callsOf(b.calls, b.events.length),
    };
  } catch {
    return undefined;
  }
}

/** The calls a message carries, each naming one of its events; anything else in their place is none. */
function callsOf(calls: unknown, events: number): Array<[number, string]> {
  if (!Array.isArray(calls)) return [];
  return calls.filter(
    (c): c is [number, string] =>
      Array.isArray(c) && Number.isInteger(c[0]) && c[0] >= 0 && c[0] < events && typeof c[1] === 'string',
  );
}

/**
 * The message id of a batch: a digest of its events' identities, in a canonical order. An event
 * without a client id `i` has no identity but its content, which then stands in for it.
 */
export function batchMessageId(input: IngestInput): string {
  const keys = input.events.map((e) =>
    e.i !== undefined
      ? `${input.siteIds.get(e.s)}|${e.sid.toLowerCase()}|${e.sm}|${e.i}`
      : `${input.siteIds.get(e.s)}|${e.sid.toLowerCase()}|${e.sm}|~${JSON.stringify(e)}`,
  );
  return createHash('sha256').update([...new Set(keys)].sort().join('\n')).digest('base64url');
}

/** Events of a batch counted once per `(sid, i)`, as the write path would. */
export function distinctEvents(events: readonly WireEvent[]): number {
  const seen = new Set<string>();
  let n = 0;
  for (const e of events) {
    if (e.i === undefined) n++;
    else if (!seen.has(`${e.sid.toLowerCase()}|${e.sm}|${e.i}`)) {
      seen.add(`${e.sid.toLowerCase()}|${e.sm}|${e.i}`);
      n++;
    }
  }
  return n;
}

/** Creates the stream where it is missing (file storage, so a broker restart keeps it). */
export async function ensureStream(nc: NatsConnection, stream: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(stream);
  } catch {
    await jsm.streams.add({
      name: stream,
      subjects: [subjectOf(stream)],
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    });
  }
}

export interface IngestQueue {
  /** Stores the batch durably; resolves to the events it adds (0 for a batch already queued). */
  enqueue(input: IngestInput): Promise<number>;
  close(): Promise<void>;
}

export async function openIngestQueue(options: QueueOptions): Promise<IngestQueue> {
  const stream = options.stream ?? DEFAULT_STREAM;
  // noAsyncTraces: otherwise every publish builds two Error objects (stack traces for a timeout
  // that rarely comes), about 13% of a queue-mode handler's CPU per request; errors still arrive.
  const nc = await connect({ servers: options.url, maxReconnectAttempts: -1, noAsyncTraces: true });
  await ensureStream(nc, stream);
  const js: JetStreamClient = jetstream(nc);
  const subject = subjectOf(stream);
  return {
    async enqueue(input) {
      // Resolves once the stream has stored the message (JetStream's publish acknowledgement).
      const ack = await js.publish(subject, encodeBatch(input), { msgID: batchMessageId(input) });
      return ack.duplicate ? 0 : distinctEvents(input.events);
    },
    async close() {
      await nc.drain();
    },
  };
}
