/**
 * What an upload attempt's answer means for one conversion: uploaded (never sent again), failed
 * (sent again after a backoff) or rejected (never sent again by the job). Pure; the codes are
 * Google Ads API error enum values (ConversionUploadError and the request-level families).
 */
export type UploadStatus = 'uploaded' | 'failed' | 'rejected';

/** Google already has this conversion: counted once, which is what an upload wants. */
const ALREADY_THERE = new Set(['ORDER_ID_ALREADY_IN_USE', 'CLICK_CONVERSION_ALREADY_EXISTS']);

/**
 * Worth another try later: Google says to retry after hours (a click or action that is too new),
 * a click Google has not processed yet, and our own "no such conversion action yet" (the owner may
 * still create it). Request-level failures (network, 5xx, quota) are retried too.
 */
const RETRY_LATER = new Set([
  'TOO_RECENT_EVENT',
  'TOO_RECENT_CONVERSION_ACTION',
  'TOO_RECENT_CALL',
  'EVENT_NOT_FOUND',
  'CONVERSION_ACTION_NOT_FOUND',
  'NETWORK',
  'INTERNAL_ERROR',
  'TRANSIENT_ERROR',
  'RESOURCE_EXHAUSTED',
  'RESOURCE_TEMPORARILY_EXHAUSTED',
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'INVALID_RESPONSE',
]);
// 'request': the whole request failed (after the client's own retries), not this row.
const RETRY_FAMILIES = new Set(['internalError', 'quotaError', 'request']);

/** After this many attempts a still failing conversion is rejected. */
export const MAX_ATTEMPTS = 8;
export const FIRST_BACKOFF_MS = 15 * 60 * 1000;
export const MAX_BACKOFF_MS = 24 * 60 * 60 * 1000;

/** Wait before attempt `attempts + 1`: 15 min, 30 min, 1 h, ... at most a day. */
export function backoffMs(attempts: number): number {
  return Math.min(FIRST_BACKOFF_MS * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

export interface Outcome {
  status: UploadStatus;
  /** When to try again (failed only), epoch ms. */
  nextAttemptAt: number | null;
}

/**
 * The outcome of an attempt that ended with `code` (undefined: accepted), given how many attempts
 * were made including this one.
 */
export function outcomeOf(code: string | undefined, family: string | undefined, attempts: number, now: number): Outcome {
  if (code === undefined || ALREADY_THERE.has(code)) return { status: 'uploaded', nextAttemptAt: null };
  const retry = RETRY_LATER.has(code) || (family !== undefined && RETRY_FAMILIES.has(family));
  if (!retry || attempts >= MAX_ATTEMPTS) return { status: 'rejected', nextAttemptAt: null };
  return { status: 'failed', nextAttemptAt: now + backoffMs(attempts) };
}
