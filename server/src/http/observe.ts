/**
 * What the handler tells whoever watches it: each request's route and status, and what each write
 * stored or dropped. Plain callbacks, so the Web-standard entry loads no metrics library; the Node
 * side turns them into Prometheus metrics (server/src/node/metrics.ts).
 */
import type { Outcome } from './outcome.js';

export interface RequestObserver {
  /** One finished request: the route's path (or "other"), method and status, and its duration. */
  request(route: string, method: string, status: number, seconds: number): void;
  /** What a write request stored and dropped. */
  outcome(route: string, outcome: Outcome): void;
}

/** The /metrics exposition, supplied by the Node side when metrics are on. */
export type MetricsSource = () => Promise<{ contentType: string; body: string }>;
