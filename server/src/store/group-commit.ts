/**
 * Group commit for the /api/sync write path: requests that arrive together are written together,
 * in one transaction of three set-based statements (ingest-write.ts), and each is answered after
 * that commit with its own score and `accepted`. A group closes when it is full (requests or
 * events) or when its first request has waited `waitMs`; while `concurrency` groups are being
 * written, new requests gather into the next one, so a busy server writes larger groups and a quiet
 * one answers a lone request after about a millisecond.
 */
import type { Db } from './db/types.js';
import { CHECK_VIOLATION, RETRYABLE, isForeignSession, sqlState } from './dberrors.js';
import { monthStart } from '../rules/months.js';
import { planGroup } from './ingest-plan.js';
import { RefusedRequests, writeGroup } from './ingest-write.js';
import { SessionConflictError, type IngestInput, type IngestResult } from './ingest.js';

export interface GroupCommitOptions {
  /** Most requests in one group (default 256). */
  maxRequests?: number;
  /** Most events in one group (default 5000; a request is never split). */
  maxEvents?: number;
  /** How long a group's first request waits for neighbours, ms (default 1). */
  waitMs?: number;
  /** Groups in flight at once, each on its own connection (default 2): more overlap round trips and commits, fewer make larger groups, which cost less CPU per request. */
  concurrency?: number;
}

/**
 * Writes `inputs` as one group and returns, for each, its result or its own error: a request whose
 * session belongs to another site gets SessionConflictError and its neighbours are written without
 * it; when the group fails for a reason that belongs to one request (data the database refuses),
 * each request is written alone so that only that one fails.
 */
export async function commitGroup(db: Db, inputs: readonly IngestInput[]): Promise<Array<IngestResult | Error>> {
  const results: Array<IngestResult | Error | undefined> = new Array(inputs.length);
  let active = inputs.map((_, n) => n);
  let partitionsMade = false;
  let retries = 0;
  while (active.length) {
    const plan = planGroup(active.map((n) => inputs[n]!));
    try {
      const outcomes = await db.transaction((tx) => writeGroup(tx, plan));
      active.forEach((n, r) => {
        results[n] = outcomes.get(r) ?? new SessionConflictError();
      });
      break;
    } catch (err) {
      if (err instanceof RefusedRequests) {
        for (const r of err.indices) results[active[r]!] = new SessionConflictError();
        active = active.filter((_, r) => !err.indices.has(r));
        continue;
      }
      const code = sqlState(err);
      // No partition for a month yet: PostgreSQL cannot create one inside the failing statement,
      // so make them in statements of their own and try once more.
      if (code === CHECK_VIOLATION && !partitionsMade) {
        partitionsMade = true;
        const months = new Set(active.flatMap((n) => inputs[n]!.events.map((e) => monthStart(e.sm))));
        for (const month of months) await db.query('select public.ensure_month_partitions($1::date)', [month]);
        continue;
      }
      if (code && RETRYABLE.has(code) && retries++ < 3) continue;
      if (active.length === 1) {
        // The database's own check (sessions_one_site) found the session id under another site.
        results[active[0]!] = isForeignSession(err) ? new SessionConflictError() : err instanceof Error ? err : new Error(String(err));
        break;
      }
      for (const n of active) results[n] = (await commitGroup(db, [inputs[n]!]))[0];
      break;
    }
  }
  return results as Array<IngestResult | Error>;
}

interface Waiting {
  input: IngestInput;
  resolve(result: IngestResult): void;
  reject(err: Error): void;
}

export interface GroupCommitter {
  submit(input: IngestInput): Promise<IngestResult>;
}

export function groupCommitter(db: Db, options: GroupCommitOptions = {}): GroupCommitter {
  const maxRequests = options.maxRequests ?? 256;
  const maxEvents = options.maxEvents ?? 5000;
  const waitMs = options.waitMs ?? 1;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  let queue: Waiting[] = [];
  let queuedEvents = 0;
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const full = () => queue.length >= maxRequests || queuedEvents >= maxEvents;

  function take(): Waiting[] {
    let events = 0;
    let n = 0;
    while (n < queue.length && n < maxRequests && (n === 0 || events + queue[n]!.input.events.length <= maxEvents)) {
      events += queue[n]!.input.events.length;
      n++;
    }
    const group = queue.slice(0, n);
    queue = queue.slice(n);
    queuedEvents -= events;
    return group;
  }

  function flush(): void {
    if (timer) timer = void clearTimeout(timer);
    while (inFlight < concurrency && queue.length) {
      const group = take();
      inFlight++;
      void commitGroup(db, group.map((w) => w.input))
        .then(
          (results) => results.forEach((r, n) => (r instanceof Error ? group[n]!.reject(r) : group[n]!.resolve(r))),
          (err: unknown) => group.forEach((w) => w.reject(err instanceof Error ? err : new Error(String(err)))),
        )
        .finally(() => {
          inFlight--;
          // Whoever queued meanwhile has already waited: write them now.
          if (queue.length) flush();
        });
    }
  }

  return {
    submit(input) {
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        queuedEvents += input.events.length;
        if (inFlight >= concurrency) return;
        if (full()) flush();
        else timer ??= setTimeout(flush, waitMs);
      });
    },
  };
}
