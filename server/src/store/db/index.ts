/**
 * Opening the store: PostgreSQL when a URL is given (DATABASE_URL), else PGlite on disk or in memory.
 */
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Db } from './types.js';

export type { Db, Queryable, Transaction } from './types.js';
export { migrate, migrationFiles, migrationsDir } from './migrate.js';
export { openPglite, wrapPglite } from './pglite.js';
export { openPostgres } from './postgres.js';

export interface OpenDbOptions {
  /** postgres://... ; when set, PostgreSQL through the `postgres` driver. */
  url?: string;
  /** PGlite data directory; in memory when neither url nor dataDir is given. */
  dataDir?: string;
  /** PostgreSQL pool size. */
  max?: number;
}

export async function openDb(options: OpenDbOptions = {}): Promise<Db> {
  if (options.url) return openPostgres(options.url, options.max === undefined ? {} : { max: options.max });
  return openPglite(options.dataDir);
}
