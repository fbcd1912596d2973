/** Longest wait between two retries. */
export const MAX_BACKOFF_MS = 5 * 60 * 1000;

/**
 * Exponential backoff with jitter: 1 s, 2 s, 4 s ... up to 5 minutes, each scaled by a random factor in
 * [0.5, 1) so that many visitors' retries after an outage do not arrive in step.
 */
export const backoff = (attempt: number): number =>
  Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);

/**
 * Milliseconds a `Retry-After` header asks for, in its delay-seconds form (what rate limiters send;
 * the HTTP-date form is not read, to save bytes); 0 when absent or not a number.
 */
export const retryAfter = (header: string | null | undefined): number => +header! * 1000 || 0;
