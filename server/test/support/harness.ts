/**
 * A handler on a fresh database with one site, and helpers that speak the wire format.
 * Requests go straight to the Web-standard handler (no HTTP server), as a browser would send them.
 */
import { randomUUID } from 'node:crypto';
import { freshDb, type Backend } from './db.js';
import { createHandler, type Handler, type HandlerOptions } from '../../src/http/handler.js';
import { createSite, type CreatedSite } from '../../src/store/sites.js';
import type { Db } from '../../src/store/db/types.js';
import type { LogEntry } from '../../src/http/log.js';
import { monthOf, type WireEvent } from '../../../src/wire.js';

export const ORIGIN = 'https://shop.example';
export const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export interface Harness {
  db: Db;
  site: CreatedSite;
  handler: Handler;
  logs: LogEntry[];
  /** Another handler on the same database (own limiter unless options say otherwise). */
  newHandler(options?: Partial<HandlerOptions>): Handler;
  newSite(origins?: string[]): Promise<CreatedSite>;
  close(): Promise<void>;
}

export async function openHarness(kind: Backend, options: Partial<HandlerOptions> = {}): Promise<Harness> {
  const fresh = await freshDb(kind);
  const db = fresh.db;
  const logs: LogEntry[] = [];
  const handlers: Handler[] = [];
  const newHandler = (o: Partial<HandlerOptions> = {}) => {
    const h = createHandler({ db, log: (e) => logs.push(e), siteCacheMs: 0, limits: { sync: 10_000, call: 10_000 }, ...options, ...o });
    handlers.push(h);
    return h;
  };
  const newSite = (origins = [ORIGIN]) =>
    createSite(db, { ownerEmail: `owner-${randomUUID().slice(0, 8)}@example.com`, origins });
  const site = await newSite();
  return {
    db,
    site,
    handler: newHandler(),
    logs,
    newHandler,
    newSite,
    async close() {
      await Promise.all(handlers.map((h) => h.close()));
      await fresh.drop();
    },
  };
}

/** A valid event of a new session in the current month; override anything. */
export function wireEvent(site: string, overrides: Partial<WireEvent> = {}): WireEvent {
  return {
    s: site,
    u: 'https://shop.example/',
    sid: randomUUID(),
    sm: monthOf(Date.now()),
    ec: 'pageview',
    ea: 'view',
    ...overrides,
  };
}

export interface SendOptions {
  origin?: string | null;
  contentType?: string | null;
  headers?: Record<string, string>;
  ip?: string;
  url?: string;
}

export function request(path: string, body: BodyInit | null, o: SendOptions = {}): Request {
  const headers = new Headers(o.headers);
  if (o.origin !== null) headers.set('origin', o.origin ?? ORIGIN);
  if (o.contentType !== null) headers.set('content-type', o.contentType ?? 'text/plain;charset=UTF-8');
  if (!headers.has('user-agent')) headers.set('user-agent', BROWSER_UA);
  return new Request(o.url ?? `https://api.opsmantik.test${path}`, { method: 'POST', body, headers });
}

export async function send(handler: Handler, path: string, body: unknown, o: SendOptions = {}) {
  const raw = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const response = await handler(request(path, raw as BodyInit, o), { remoteAddress: o.ip ?? '203.0.113.7' });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

export const sync = (handler: Handler, body: unknown, o?: SendOptions) => send(handler, '/api/sync', body, o);
export const callEvent = (handler: Handler, body: unknown, o?: SendOptions) => send(handler, '/api/call-event', body, o);

/** Row counts of the ingest tables, to prove that a refused request wrote nothing. */
export async function counts(db: Db): Promise<{ sessions: number; events: number; calls: number }> {
  const [row] = await db.query<{ sessions: number; events: number; calls: number }>(
    `select (select count(*) from public.sessions)::int as sessions,
            (select count(*) from public.events)::int as events,
            (select count(*) from public.calls)::int as calls`,
  );
  return row!;
}
