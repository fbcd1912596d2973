/**
 * "The database cannot be reached right now": a domain error the edge answers with 503 and a
 * Retry-After, distinct from a storage failure (500). Raised by the PostgreSQL adapter while its
 * circuit is open, by the deadline guard when a database call takes too long, and recognised on
 * driver errors that mean the connection, not the statement, failed.
 */
export class StorageUnavailableError extends Error {
  constructor(
    message: string,
    /** Seconds after which a retry makes sense. */
    readonly retryAfterSeconds = 5,
  ) {
    super(message);
    this.name = 'StorageUnavailableError';
  }
}

/** Node socket errors and postgres.js connection codes: the server went away or never answered. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
  // SQLSTATE class 08 (connection exception) and 57P0x (the server is shutting down or starting).
  '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03',
]);

/** True when `err` says the database connection failed (as opposed to the statement). */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof StorageUnavailableError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  // AggregateError from net.connect with several addresses (IPv4 and IPv6 localhost).
  const errors = (err as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.some(isConnectionError);
}
