/**
 * What a thrown error means for the client: the one mapping from domain and driver errors to
 * HTTP, used by the handler's single catch. A client that went away mid-request is its own
 * business (499, a warning), a database that cannot be reached is a 503 with Retry-After, and
 * only what remains is a storage failure (500, an error log line with a reference).
 */
import { HttpError } from './http.js';
import { BAD_DATA, sqlState } from '../store/dberrors.js';
import { StorageUnavailableError, isConnectionError } from '../store/unavailable.js';

/** nginx's code for "the client closed the request"; never seen by the client, only in logs and metrics. */
export const CLIENT_CLOSED = 499;

export interface Failure {
  error: HttpError;
  /** Internal detail for the log line (never sent to the client), when there is any. */
  detail?: string;
}

/** The driver's message with its SQLSTATE or socket code in front, for the log line. */
const detailOf = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code;
  return `${typeof code === 'string' ? `${code}: ` : ''}${String((err as Error)?.message ?? err)}`;
};

export function classify(err: unknown, request: Request): Failure {
  if (err instanceof HttpError) return { error: err };
  const code = sqlState(err);
  if (code && BAD_DATA.has(code)) {
    return { error: new HttpError(400, 'invalid_body', 'A value in the body cannot be stored (invalid text or number).') };
  }
  if (request.signal.aborted) {
    return { error: new HttpError(CLIENT_CLOSED, 'client_closed', 'The client closed the connection before the request was complete.') };
  }
  if (isConnectionError(err)) {
    const retry = err instanceof StorageUnavailableError ? err.retryAfterSeconds : 5;
    return {
      error: new HttpError(503, 'storage_unavailable', `The event store is unavailable; try again in ${retry} s.`, { 'retry-after': String(retry) }),
      detail: detailOf(err),
    };
  }
  return { error: new HttpError(500, 'storage_error', 'The event store failed; try again later.'), detail: detailOf(err) };
}
