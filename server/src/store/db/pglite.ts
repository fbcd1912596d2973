/**
 * Db on PGlite (PostgreSQL compiled to WASM, in process): the default store, and the one most
 * tests run on. A data directory keeps the database on disk; without one it lives in memory.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import type { Db, Queryable, Transaction } from './types.js';

/**
 * Same value shapes as the PostgreSQL adapter: `date` stays 'YYYY-MM-DD' (a Date would be midnight
 * in some time zone, and months are calendar values); int8 is a number when it fits (PGlite's own
 * default, matched in postgres.ts); timestamptz is a Date; jsonb is parsed.
 * Passed per query because PGlite#clone() does not carry creation options over.
 */
const options = { parsers: { 1082: (value: string) => value } };

/** Opens (creating if needed) a PGlite database; in memory when dataDir is undefined. */
export async function openPglite(dataDir?: string): Promise<Db> {
  // PGlite makes the data folder itself but not its parents (`.opsmantik/data` on a fresh clone).
  if (dataDir !== undefined) await mkdir(dirname(resolve(dataDir)), { recursive: true });
  const pg = dataDir === undefined ? await PGlite.create() : await PGlite.create(dataDir);
  return wrapPglite(pg);
}

/** Wraps an open PGlite instance (for example a clone() of a migrated template). */
export function wrapPglite(pg: PGliteInterface): Db {
  const queryable = (target: Pick<PGliteInterface, 'query'>): Queryable => ({
    async query<T>(text: string, params: readonly unknown[] = []) {
      const result = await target.query<T>(text, params as unknown[], options);
      return result.rows;
    },
  });
  return {
    kind: 'pglite',
    ...queryable(pg),
    transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
      return pg.transaction((tx) =>
        fn({
          ...queryable(tx),
          async exec(script: string) {
            await tx.exec(script);
          },
        }),
      );
    },
    async exec(script: string) {
      await pg.exec(script);
    },
    async listen(channel: string, onPayload: (payload: string) => void) {
      const unlisten = await pg.listen(channel, onPayload);
      return () => unlisten();
    },
    close: () => pg.close(),
  };
}
