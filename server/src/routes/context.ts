/**
 * What every route gets from the handler: the database, the clock, the log, and the checks that
 * several routes share (rate limit, site lookup, Origin, owner token). Built once per handler.
 */
import type { Db } from '../store/db/types.js';
import type { IngestInput } from '../store/ingest.js';
import type { BotDetector } from '../rules/bots.js';
import type { LiveHub } from '../live/live.js';
import type { Logger } from '../http/log.js';
import type { Route as LimitRoute } from '../http/ratelimit.js';
import type { Site, SiteLookup } from '../store/sites.js';
import type { ConnInfo } from '../http/client.js';
import type { WriteState } from '../http/outcome.js';
import type { MetricsSource } from '../http/observe.js';

export interface RouteContext {
  db: Db;
  now: () => number;
  log: Logger;
  isBot: BotDetector;
  hub: LiveHub;
  /** Remember click ids in a first-party cookie when serving the site's own origin. */
  clickIdCookie: boolean;
  /** Queue mode (HandlerOptions.enqueue): where validated sync batches go instead of the database. */
  enqueue?: (input: IngestInput) => Promise<number>;
  /**
   * Charges one request of `route` to the client address; throws 429 when over the limit. Keyed by
   * the address alone (nothing from the body), so call it before reading the body or looking
   * anything up: then made-up site ids cost a client its budget, not the database a query each.
   */
  limit(route: LimitRoute, request: Request, info: ConnInfo | undefined): Promise<void>;
  /** The cached site lookup (for routes that authenticate by site themselves). */
  sites: SiteLookup;
  /** The site with this public id; throws 404 unknown_site. */
  site(publicId: string): Promise<Site>;
  /** Throws 403 unless the request's Origin is one of the site's. */
  checkOrigin(request: Request, site: Site): void;
  /** The site named by `?site=` whose live token the request presents; throws 400/401. */
  ownerSite(request: Request, url: URL): Promise<Site>;
  /** The origin this handler answers on, as the browser sees it. */
  ownOrigin(request: Request): string;
  /** The client's address (proxy headers only when trusted). */
  clientAddress(request: Request, info: ConnInfo | undefined): string;
  /** The rate limiter's Redis connection: 'none' without Redis, else the client's status ('ready', 'reconnecting', ...). */
  redisState(): Promise<string>;
  /** The Prometheus exposition, when the Node side supplies one. */
  metrics: MetricsSource | undefined;
  /** Deadline of the readiness check's database call, ms. */
  readyTimeoutMs: number;
}

/** Filled in by a route so that the request's log line names the site. */
export interface RequestState extends WriteState {
  site?: string;
}

export interface RouteRequest {
  request: Request;
  url: URL;
  info: ConnInfo | undefined;
  state: RequestState;
}

export type RouteHandler = (ctx: RouteContext, req: RouteRequest) => Promise<Response>;
