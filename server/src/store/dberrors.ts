/** SQLSTATE helpers: both drivers expose the server's code as `error.code`. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A row that fits no partition (or breaks a CHECK): 23514. */
export const CHECK_VIOLATION = '23514';
/**
 * Data the database cannot hold (a NUL or an unpaired surrogate in text or jsonb, a malformed value):
 * the client's fault, answered 400; the transaction was rolled back, so nothing was written.
 */
export const BAD_DATA = new Set(['22021', '22P05', '22P02', '22007', '22008', '22003', '2200N', '22030', '22032']);
/** Serialization failure and deadlock: safe to run the transaction again. */
export const RETRYABLE = new Set(['40001', '40P01']);

/** The constraint an error names, if any (postgres.js: `constraint_name`; PGlite: `constraint`). */
export function constraintOf(err: unknown): string | undefined {
  const e = err as { constraint_name?: unknown; constraint?: unknown } | null;
  const name = e?.constraint_name ?? e?.constraint;
  return typeof name === 'string' ? name : undefined;
}

/** A session id that belongs to another site (trigger sessions_one_site, sql/011_tenant_keys.sql). */
export const isForeignSession = (err: unknown): boolean =>
  sqlState(err) === '23505' && constraintOf(err) === 'sessions_one_site';
