/**
 * Why a request stored what it stored: every write request ends as stored events, or events
 * dropped for a named reason, so that discarded traffic shows in the logs and in /metrics.
 */
export type DropReason = 'bot' | 'origin' | 'duplicate' | 'rate_limited' | 'refused' | 'unavailable' | 'failed';

/** What a route records while it runs (the handler reads it for the log line). */
export interface WriteState {
  /** Events (or calls) the request carried, once its body was parsed. */
  events?: number;
  /** Of which stored by this request. */
  stored?: number;
  /** Why the rest was not stored, when the route knows. */
  drop?: DropReason;
}

export interface Outcome {
  stored: number;
  dropped: number;
  reason: DropReason | null;
}

const BY_CODE: Record<string, DropReason> = {
  origin_not_allowed: 'origin',
  rate_limited: 'rate_limited',
  storage_unavailable: 'unavailable',
  storage_error: 'failed',
};

/** The outcome of a write request from what its route recorded and how it was answered. */
export function outcomeOf(state: WriteState, status: number, errorCode: string | null): Outcome {
  const carried = state.events ?? 0;
  if (status >= 400) {
    return { stored: 0, dropped: carried, reason: errorCode ? (BY_CODE[errorCode] ?? 'refused') : 'refused' };
  }
  const stored = state.stored ?? 0;
  const dropped = Math.max(0, carried - stored);
  return { stored, dropped, reason: dropped > 0 ? (state.drop ?? 'duplicate') : null };
}
