/**
 * Opening the store: PostgreSQL when a URL is given (DATABASE_URL), else PGlite on disk or in memory.
 * Each driver is imported when a database of its kind is opened, so loading the Web-standard entry
 * (an edge runtime, a Supabase Edge Function) loads neither PGlite nor node:fs.
 */
import type { Db } from './types.js';
import type { PostgresOptions } from './postgres.js';

export type { Db, Queryable, Transaction } from './types.js';

export interface OpenDbOptions {
  /** postgres://... ; when set, PostgreSQL through the `postgres` driver. */
  url?: string;
  /** PGlite data directory; in memory when neither url nor dataDir is given. */
  dataDir?: string;
  /** PostgreSQL pool size. */
  max?: number;
  /** PostgreSQL timeouts and the observer (see postgres.ts). */
  postgres?: Omit<PostgresOptions, 'max'>;
}

export async function openDb(options: OpenDbOptions = {}): Promise<Db> {
  if (options.url) {
    const { openPostgres } = await import('./postgres.js');
    return openPostgres(options.url, { ...options.postgres, ...(options.max === undefined ? {} : { max: options.max }) });
  }
  const { openPglite } = await import('./pglite.js');
  return openPglite(options.dataDir);
}
