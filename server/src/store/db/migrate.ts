/**
 * The migration runner: applies sql/NNN_*.sql in name order, each file once, each in its own
 * transaction together with its row in public.opsmantik_migrations, so a file is either applied
 * and recorded or neither. Every transaction first takes a transaction-scoped advisory lock, so
 * two runners on one PostgreSQL database (two servers starting at once) apply each file once;
 * running it again changes nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { serverDir } from '../../node/locate.js';
import type { Db, Transaction } from './types.js';

/** Any fixed 64-bit key works; this one is "opsmantik" in ASCII, truncated. */
const LOCK_KEY = '8039447658457441633';

const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS public.opsmantik_migrations (
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT opsmantik_migrations_pkey PRIMARY KEY (name)
)`;

export interface MigrateOptions {
  /** Folder holding the NNN_*.sql files; defaults to the package's own sql/ folder. */
  dir?: string;
}

/** The package's sql/ folder (found like the other package folders; its first migration marks it as ours). */
export function migrationsDir(): string {
  const dir = serverDir('sql');
  if (!dir || !existsSync(join(dir, '001_auth_shim.sql'))) throw new Error(`migrations folder not found (looked for sql/001_auth_shim.sql, found ${dir ?? 'no sql/ folder'})`);
  return dir;
}

/** The migration files in the order they apply. */
export function migrationFiles(dir: string = migrationsDir()): Array<{ name: string; sql: string }> {
  return readdirSync(dir)
    .filter((name) => /^\d{3}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
}

async function lock(tx: Transaction): Promise<void> {
  // A migration on a large table may take longer than the request path's statement timeout.
  await tx.query('SET LOCAL statement_timeout = 0');
  await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
}

/** Applies every migration not yet recorded; resolves to the names it applied now. */
export async function migrate(db: Db, options: MigrateOptions = {}): Promise<string[]> {
  const files = migrationFiles(options.dir);
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(MIGRATIONS_TABLE);
    // The bookkeeping table is nobody's business but the runner's (Supabase would expose it).
    await tx.exec(`ALTER TABLE public.opsmantik_migrations ENABLE ROW LEVEL SECURITY;
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
          REVOKE ALL ON TABLE public.opsmantik_migrations FROM PUBLIC, anon;
        END IF;
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
          REVOKE ALL ON TABLE public.opsmantik_migrations FROM authenticated;
        END IF;
      END $$;`);
  });
  const applied: string[] = [];
  for (const file of files) {
    const done = await db.transaction(async (tx) => {
      await lock(tx);
      const seen = await tx.query('SELECT 1 FROM public.opsmantik_migrations WHERE name = $1', [file.name]);
      if (seen.length > 0) return false;
      await tx.exec(file.sql);
      const checksum = createHash('sha256').update(file.sql).digest('hex');
      await tx.query('INSERT INTO public.opsmantik_migrations (name, checksum) VALUES ($1, $2)', [file.name, checksum]);
      return true;
    });
    if (done) applied.push(file.name);
  }
  return applied;
}
