/**
 * The CLI's database: which one the settings name (and which setting named it), opened for one
 * command, with failures explained in terms of that setting and what to try.
 */
import { resolve } from 'node:path';
import { openDb } from '../../store/db/index.js';
import type { Db } from '../../store/db/types.js';
import { hostOf, redactUrl } from '../../store/db/url.js';
import { sqlState } from '../../store/dberrors.js';
import { isConnectionError } from '../../store/unavailable.js';
import { CliError, setting, type Parsed } from './spec.js';

export type DbTarget = { url: string; from: string } | { dataDir: string; from: string };

/** Flags beat the environment: an explicit --data-dir wins over a DATABASE_URL left in the shell. */
export function dbTarget(parsed: Parsed): DbTarget {
  const url = setting(parsed, 'database-url');
  const dir = setting(parsed, 'data-dir');
  if (url && !(dir && dir.from.startsWith('--') && !url.from.startsWith('--'))) return { url: url.value, from: url.from };
  return dir ? { dataDir: dir.value, from: dir.from } : { dataDir: '.opsmantik/data', from: 'the default' };
}

/** "PostgreSQL at db.internal:5432 (DATABASE_URL)" or "the embedded database in /abs/dir (--data-dir)". */
export function describeTarget(target: DbTarget): string {
  return 'url' in target
    ? `PostgreSQL at ${hostOf(target.url, 5432)} (${target.from}: ${redactUrl(target.url)})`
    : `the embedded database in ${resolve(target.dataDir)} (${target.from})`;
}

const HINTS: Record<string, string> = {
  '28P01': 'the password was refused: check the user and password in the URL',
  '28000': 'the server refused this user or address: check pg_hba.conf and the user in the URL',
  '3D000': 'the database does not exist: create it (createdb) or fix its name in the URL',
};

/** A database failure as an operator's message: which setting, which host, what to try. */
export function explainDbError(err: unknown, target: DbTarget): CliError {
  const message = String((err as Error)?.message ?? err).replace(/postgres(ql)?:\/\/[^\s)]+/g, (u) => redactUrl(u));
  const where = describeTarget(target);
  if ('url' in target) {
    const code = sqlState(err);
    if (code && HINTS[code]) return new CliError(`Could not use ${where}: ${message}\nTry: ${HINTS[code]}.`);
    if (isConnectionError(err)) {
      return new CliError(
        `Could not connect to ${where}: ${message}\n` +
          `Try: check that PostgreSQL runs at ${hostOf(target.url, 5432)} and accepts connections from here, ` +
          `or leave out ${target.from} to use the embedded database.`,
      );
    }
  }
  return new CliError(`${where}: ${message}`);
}

/** Opens the database the settings name, runs `fn`, closes it; failures explained. */
export async function withDb<T>(parsed: Parsed, fn: (db: Db, target: DbTarget) => Promise<T>): Promise<T> {
  const target = dbTarget(parsed);
  let db: Db | undefined;
  try {
    db = await openDb('url' in target ? { url: target.url, max: 2 } : { dataDir: target.dataDir });
    return await fn(db, target);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw explainDbError(err, target);
  } finally {
    await db?.close().catch(() => undefined);
  }
}
