/**
 * Prometheus metrics for the Node server (prom-client, loaded only here): requests by route and
 * status, events stored and dropped by reason, database latency, pool waits and state, live
 * viewers, and the process's own metrics. The handler and the database adapter only call the
 * plain observer callbacks this module supplies.
 */
import type { Outcome } from '../http/outcome.js';
import type { MetricsSource, RequestObserver } from '../http/observe.js';
import type { DbObserver } from '../store/db/observe.js';

export interface ServerMetrics {
  requests: RequestObserver;
  db: DbObserver;
  /** Read at each scrape. */
  liveViewers(read: () => number): void;
  source: MetricsSource;
}

export async function createMetrics(): Promise<ServerMetrics> {
  const client = await import('prom-client');
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'opsmantik_' });
  const requests = new client.Counter({
    name: 'opsmantik_http_requests_total',
    help: 'Requests answered, by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'opsmantik_http_request_duration_seconds',
    help: 'Time to answer a request, by route.',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const stored = new client.Counter({
    name: 'opsmantik_events_stored_total',
    help: 'Events (and calls) stored, by route.',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  const dropped = new client.Counter({
    name: 'opsmantik_events_dropped_total',
    help: 'Events (and calls) received but not stored, by route and reason (bot, origin, duplicate, rate_limited, refused, unavailable, failed).',
    labelNames: ['route', 'reason'] as const,
    registers: [registry],
  });
  const dbLatency = new client.Histogram({
    name: 'opsmantik_db_query_duration_seconds',
    help: 'Database calls (statements and transactions), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const poolWaits = new client.Counter({
    name: 'opsmantik_db_pool_waits_total',
    help: 'Database calls that found every pooled connection busy.',
    registers: [registry],
  });
  const inUse = new client.Gauge({ name: 'opsmantik_db_connections_in_use', help: 'Database calls in progress.', registers: [registry] });
  const up = new client.Gauge({ name: 'opsmantik_db_up', help: '1 while the database answers, 0 while the circuit is open.', registers: [registry] });
  up.set(1);
  let viewers: () => number = () => 0;
  new client.Gauge({
    name: 'opsmantik_live_viewers',
    help: 'Open live streams.',
    registers: [registry],
    collect() {
      this.set(viewers());
    },
  });
  return {
    requests: {
      request(route, method, status, seconds) {
        requests.inc({ route, method, status: String(status) });
        duration.observe({ route }, seconds);
      },
      outcome(route, o: Outcome) {
        if (o.stored) stored.inc({ route }, o.stored);
        if (o.dropped && o.reason) dropped.inc({ route, reason: o.reason }, o.dropped);
      },
    },
    db: {
      query: (seconds, ok) => dbLatency.observe({ outcome: ok ? 'ok' : 'error' }, seconds),
      poolWait: () => poolWaits.inc(),
      inUse: (n) => inUse.set(n),
      state: (isUp) => up.set(isUp ? 1 : 0),
    },
    liveViewers(read) {
      viewers = read;
    },
    source: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
