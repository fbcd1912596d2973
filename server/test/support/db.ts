/**
 * Fresh, migrated, empty databases for tests, on both backends.
 *
 * - PGlite: initdb and migrating cost seconds, so a migrated data directory is dumped once and cached
 *   in the OS temp folder (keyed by the migration files and the PGlite version, shared by all test
 *   processes); each test loads a copy of it (about 0.5 s, like clone()).
 * - PostgreSQL: a new database opsmantik_t_<random> on the server of DATABASE_URL (default
 *   postgres://postgres@127.0.0.1:5432/test), migrated, dropped WITH (FORCE) by drop().
 *
 * backends lists both. Set OPSMANTIK_TEST_BACKENDS=pglite to leave PostgreSQL out on a machine
 * without one; nothing is skipped silently: an unreachable server fails the tests that need it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { PGlite } from '@electric-sql/pglite';
import { migrate, migrationFiles } from '../../src/store/db/migrate.js';
import { wrapPglite } from '../../src/store/db/pglite.js';
import { openPostgres } from '../../src/store/db/postgres.js';
import type { Db } from '../../src/store/db/types.js';

export type Backend = 'pglite' | 'postgres';

export interface FreshDb {
  db: Db;
  /** Closes the connection(s) and removes the database. */
  drop(): Promise<void>;
}

export const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

function chooseBackends(): Backend[] {
  const wanted = process.env.OPSMANTIK_TEST_BACKENDS;
  if (!wanted) return ['pglite', 'postgres'];
  const list = wanted.split(',').map((s) => s.trim()) as Backend[];
  if (process.env.CI === 'true' && !list.includes('postgres')) {
    throw new Error('OPSMANTIK_TEST_BACKENDS must include postgres under CI=true');
  }
  return list.filter((b) => b === 'pglite' || b === 'postgres');
}

export const backends: Backend[] = chooseBackends();

let template: Promise<Blob> | undefined;

/** Where this set of migrations on this PGlite build is cached. */
function templatePath(): string {
  const require = createRequire(import.meta.url);
  const pkg = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const hash = createHash('sha256').update(readFileSync(pkg));
  for (const f of migrationFiles()) hash.update(f.name).update(f.sql);
  return join(tmpdir(), `opsmantik-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
}

/** The migrated PGlite data directory, as a tarball: from the cache, or made (and cached) now. */
function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const path = templatePath();
    if (existsSync(path)) return new Blob([readFileSync(path)]);
    const pg = await PGlite.create();
    await migrate(wrapPglite(pg));
    const dump = await pg.dumpDataDir('none');
    await pg.close();
    // Write then rename, so a parallel process never reads half a file.
    const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
    // Templates of earlier migration texts are dead weight (about 40 MB each).
    for (const name of readdirSync(tmpdir())) {
      if (/^opsmantik-pglite-[0-9a-f]{16}\.tar$/.test(name) && join(tmpdir(), name) !== path) {
        rmSync(join(tmpdir(), name), { force: true });
      }
    }
    return dump;
  })();
  return template;
}

/** A database URL for `name` on the server of DATABASE_URL. */
export function databaseUrl(name: string): string {
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** One short-lived admin connection to the DATABASE_URL database (CREATE/DROP DATABASE). */
export async function withAdmin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** An empty PostgreSQL database of its own, not migrated (for runner tests). */
export async function emptyPostgres(max = 4): Promise<FreshDb & { name: string; url: string }> {
  const name = `opsmantik_t_${randomBytes(6).toString('hex')}`;
  await withAdmin((sql) => sql.unsafe(`CREATE DATABASE ${name}`));
  const url = databaseUrl(name);
  const db = openPostgres(url, { max });
  return {
    db,
    name,
    url,
    async drop() {
      await db.close();
      await withAdmin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A new, migrated, empty database. */
export async function freshDb(kind: Backend): Promise<FreshDb> {
  if (kind === 'pglite') {
    const db = wrapPglite(await PGlite.create({ loadDataDir: await pgliteTemplate() }));
    return { db, drop: () => db.close() };
  }
  const fresh = await emptyPostgres();
  try {
    await migrate(fresh.db);
  } catch (error) {
    await fresh.drop();
    throw error;
  }
  return { db: fresh.db, drop: fresh.drop };
}
