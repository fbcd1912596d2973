/**
 * Graceful shutdown, one logged step at a time: stop accepting connections, let keep-alive
 * connections close after their current response, end live streams with a retry hint, give
 * in-flight requests up to a deadline to finish, then cut what remains and close the rate
 * limiter and the database.
 */
import type { Server } from 'node:http';
import type { Handler } from '../http/handler.js';
import type { Logger } from '../http/log.js';
import { inFlight, startDraining } from './binding.js';

export interface GracefulCloseOptions {
  server: Server;
  handler: Handler;
  log: Logger;
  /** Longest wait for in-flight requests, ms. */
  drainMs: number;
  /** Closes the database, when the server owns it. */
  closeDb?: () => Promise<void>;
}

export async function gracefulClose({ server, handler, log, drainMs, closeDb }: GracefulCloseOptions): Promise<void> {
  const started = Date.now();
  const step = (name: string, extra: Record<string, unknown> = {}) =>
    log({ level: 'info', msg: 'shutdown', step: name, ms: Date.now() - started, ...extra });
  const closed = new Promise<void>((done) => server.close(() => done()));
  startDraining(server);
  server.closeIdleConnections?.();
  step('stopped_accepting', { in_flight: inFlight(server) });
  const streams = handler.liveViewers();
  handler.endStreams();
  step('live_streams_ended', { streams });
  const deadline = started + drainMs;
  while (inFlight(server) > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    // A keep-alive connection that went idle after its response is closed now.
    server.closeIdleConnections?.();
  }
  const left = inFlight(server);
  step(left ? 'drain_deadline_passed' : 'requests_finished', { in_flight: left, drain_ms: drainMs });
  server.closeAllConnections?.();
  await closed;
  await handler.close();
  step('rate_limiter_closed');
  if (closeDb) {
    await closeDb();
    step('database_closed');
  }
}
