/**
 * Db on PostgreSQL through the `postgres` driver (porsager), for DATABASE_URL deployments,
 * Supabase included. Parameterised text goes through sql.unsafe (the SQL is ours, the values are
 * parameters); scripts use the simple protocol, which accepts several statements.
 *
 * Failing fast: connections open within a few seconds or fail, statements have a server-side
 * timeout, and a connection failure opens a circuit: the pool is destroyed (its queued calls are
 * rejected, so nothing queued runs after its client was answered), every call fails at once with
 * StorageUnavailableError, and a probe tries a fresh connection twice a second. When the probe
 * gets through, a new pool takes over: recovery needs no restart.
 */
import postgres from 'postgres';
import type { Db, QueryOptions, Transaction } from './types.js';
import type { DbObserver } from './observe.js';
import { hostOf } from './url.js';
import { StorageUnavailableError, isConnectionError } from '../unavailable.js';

export interface PostgresOptions {
  /** Pool size; keep it small in tests (several test databases share one server). */
  max?: number;
  /** Seconds a new connection may take to open (default 3). */
  connectTimeoutSeconds?: number;
  /** The server-side statement_timeout in ms (default 5000; 0 = none). Migrations lift it. */
  statementTimeoutMs?: number;
  /** Probe interval while the database is unreachable, ms (default 500). */
  probeMs?: number;
  observe?: DbObserver;
}

/** int8 as a number when it is exact, else a bigint: PGlite's behaviour, so both adapters agree. */
function parseInt8(value: string): number | bigint {
  const big = BigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

const describe = (err: unknown): string => {
  const e = err as { code?: unknown; message?: unknown } | null;
  return `${typeof e?.code === 'string' ? `${e.code}: ` : ''}${String(e?.message ?? err)}`.slice(0, 200);
};

export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const max = options.max ?? 10;
  const where = hostOf(url, 5432);
  const observe = options.observe ?? {};
  const driverOptions = {
    connect_timeout: options.connectTimeoutSeconds ?? 3,
    // Migrations raise harmless NOTICEs (e.g. "relation already exists, skipping").
    onnotice: () => {},
    connection: {
      application_name: 'opsmantik',
      statement_timeout: options.statementTimeoutMs ?? 5000,
      // A transaction left open by a vanished client must not hold locks for long.
      idle_in_transaction_session_timeout: 15_000,
    },
    types: {
      // 'YYYY-MM-DD' as text, like pglite.ts: months are calendar values, not instants.
      calendarDate: { to: 1082, from: [1082], serialize: (v: unknown) => String(v), parse: (v: string) => v },
      int8: { to: 20, from: [20], serialize: (v: unknown) => String(v), parse: parseInt8 },
    },
  };
  const makePool = () => postgres(url, { ...driverOptions, max });

  let pool: postgres.Sql | undefined = makePool();
  /** Why the circuit is open; undefined while the database answers. */
  let down: string | undefined;
  let probeTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let inUse = 0;
  // LISTEN gets its own client, which the circuit never destroys: postgres.js re-listens by itself
  // after a reconnect, so live streams resume when the database does.
  let listener: postgres.Sql | undefined;

  const unavailable = () =>
    new StorageUnavailableError(`PostgreSQL at ${where} is not reachable (${down ?? 'connection failed'}).`);

  function probe(): void {
    if (closed) return;
    probeTimer = setTimeout(async () => {
      const once = postgres(url, { ...driverOptions, max: 1, connect_timeout: 2 });
      try {
        await once`select 1`;
        if (closed) return;
        down = undefined;
        pool = makePool();
        observe.state?.(true, `PostgreSQL at ${where} answers again`);
      } catch {
        probe();
      } finally {
        void once.end({ timeout: 0 }).catch(() => undefined);
      }
    }, options.probeMs ?? 500);
    probeTimer.unref?.();
  }

  function trip(failed: postgres.Sql, err: unknown): void {
    if (pool !== failed || closed) return;
    down = describe(err);
    pool = undefined;
    // Destroy at once: queued calls are rejected now rather than run when the database returns.
    void failed.end({ timeout: 0 }).catch(() => undefined);
    observe.state?.(false, `PostgreSQL at ${where} is not reachable (${down})`);
    probe();
  }

  /** Runs `fn` on the current pool, failing at once while the circuit is open. */
  async function guarded<R>(fn: (sql: postgres.Sql) => Promise<R>): Promise<R> {
    const sql = pool;
    if (!sql) throw unavailable();
    if (inUse >= max) observe.poolWait?.();
    observe.inUse?.(++inUse);
    const started = performance.now();
    try {
      const result = await fn(sql);
      observe.query?.((performance.now() - started) / 1000, true);
      return result;
    } catch (err) {
      observe.query?.((performance.now() - started) / 1000, false);
      // A caller's own StorageUnavailableError (the deadline guard rolling back) says nothing about the connection.
      if (err instanceof StorageUnavailableError) throw err;
      if (isConnectionError(err)) {
        trip(sql, err);
        throw new StorageUnavailableError(`PostgreSQL at ${where} is not reachable (${describe(err)}).`);
      }
      throw err;
    } finally {
      observe.inUse?.(--inUse);
    }
  }

  // postgres.js rows are an Array subclass with extra fields; callers only need the rows.
  // postgres.js sends a query when its then() is first called. `await` calls it a microtask later,
  // so a statement awaited here went out after a COMMIT created in the same tick (the transaction's
  // `last` statement then ran after the commit, in a transaction of its own): then() right away.
  const run = <T>(target: postgres.Sql | postgres.TransactionSql, text: string, params: readonly unknown[], o?: QueryOptions): Promise<T[]> =>
    target.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: o?.prepare === true }).then((rows) => rows as unknown as T[]);
  return {
    kind: 'postgres',
    query: <T>(text: string, params: readonly unknown[] = [], o?: QueryOptions) => guarded((sql) => run<T>(sql, text, params, o)),
    transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
      return guarded(async (sql) => {
        const conn = await sql.reserve();
        // BEGIN goes out with the first statement and COMMIT with a statement marked `last`: two
        // round trips fewer than postgres.js's begin(), which waits for each (docs/server.md).
        const begin = conn.unsafe('begin');
        begin.catch(() => undefined);
        let committed = false;
        let open = true;
        let lost = false;
        try {
          const result = await fn({
            async query<T>(text: string, params: readonly unknown[] = [], o?: QueryOptions) {
              if (!open) throw new Error('a statement after the last one of the transaction');
              if (!o?.last) return run<T>(conn, text, params, o);
              open = false;
              const rows = run<T>(conn, text, params, o);
              const commit = conn.unsafe('commit');
              commit.catch(() => undefined);
              // When the statement fails the transaction is aborted and COMMIT only ends it (ROLLBACK).
              const [out] = await Promise.all([rows, commit, begin]);
              committed = true;
              return out;
            },
            async exec(script: string) {
              await conn.unsafe(script).simple();
            },
          });
          // A bare BEGIN fails only with its connection, which every later statement then shares.
          await begin;
          if (!committed) await conn.unsafe('commit');
          return result;
        } catch (err) {
          // A lost connection ends its transaction itself (and trips the circuit in guarded()).
          lost = isConnectionError(err);
          if (!committed && !lost) await conn.unsafe('rollback').catch(() => undefined);
          throw err;
        } finally {
          // A lost connection is not given back: the circuit destroys its pool.
          if (!lost) conn.release();
        }
      });
    },
    exec: (script: string) =>
      guarded(async (sql) => {
        await sql.unsafe(script).simple();
      }),
    async listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void) {
      listener ??= postgres(url, { ...driverOptions, max: 1 });
      // postgres.js calls onlisten each time LISTEN is in place: first now, then after every reconnect.
      let listening = false;
      const { unlisten } = await listener.listen(channel, onPayload, () => {
        if (listening) onReconnect?.();
        listening = true;
      });
      return unlisten;
    },
    async close() {
      closed = true;
      if (probeTimer) clearTimeout(probeTimer);
      await Promise.all([pool?.end({ timeout: 5 }), listener?.end({ timeout: 1 })]);
    },
  };
}
