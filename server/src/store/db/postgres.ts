/**
 * Db on PostgreSQL through the `postgres` driver (porsager), for DATABASE_URL deployments,
 * Supabase included. Parameterised text goes through sql.unsafe (the SQL is ours, the values are
 * parameters); scripts use the simple protocol, which accepts several statements.
 */
import postgres from 'postgres';
import type { Db, QueryOptions, Transaction } from './types.js';

export interface PostgresOptions {
  /** Pool size; keep it small in tests (several test databases share one server). */
  max?: number;
}

/** int8 as a number when it is exact, else a bigint: PGlite's behaviour, so both adapters agree. */
function parseInt8(value: string): number | bigint {
  const big = BigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const sql = postgres(url, {
    max: options.max ?? 10,
    // Migrations raise harmless NOTICEs (e.g. "relation already exists, skipping").
    onnotice: () => {},
    types: {
      // 'YYYY-MM-DD' as text, like pglite.ts: months are calendar values, not instants.
      calendarDate: { to: 1082, from: [1082], serialize: (v: unknown) => String(v), parse: (v: string) => v },
      int8: { to: 20, from: [20], serialize: (v: unknown) => String(v), parse: parseInt8 },
    },
  });
  // postgres.js rows are an Array subclass with extra fields; callers only need the rows.
  const run = async <T>(target: postgres.Sql | postgres.TransactionSql, text: string, params: readonly unknown[], o?: QueryOptions) =>
    (await target.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: o?.prepare === true })) as unknown as T[];
  return {
    kind: 'postgres',
    query: <T>(text: string, params: readonly unknown[] = [], o?: QueryOptions) => run<T>(sql, text, params, o),
    async transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
      const result = await sql.begin((tx) =>
        fn({
          query: <T>(text: string, params: readonly unknown[] = [], o?: QueryOptions) => run<T>(tx, text, params, o),
          async exec(script: string) {
            await tx.unsafe(script).simple();
          },
        }),
      );
      return result as R;
    },
    async exec(script: string) {
      await sql.unsafe(script).simple();
    },
    async listen(channel: string, onPayload: (payload: string) => void) {
      const { unlisten } = await sql.listen(channel, onPayload);
      return unlisten;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
