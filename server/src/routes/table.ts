/**
 * The route table: every path the handler serves, written once. Routing, the allowed methods,
 * CORS and which paths the Node binding hands to the handler all read it.
 * A new endpoint is a new file in this folder plus one row here.
 */
import { PATH_CALL, PATH_SYNC } from '../wire.js';
import type { RouteHandler } from './context.js';
import { adsConversions, PATH_ADS_CONVERSIONS } from './ads-conversions.js';
import { adsUploads, PATH_ADS_UPLOADS } from './ads-uploads.js';
import { breakdown } from './breakdown.js';
import { callEvent } from './call-event.js';
import { exportCsv } from './export.js';
import { lead } from './lead.js';
import { leads } from './leads.js';
import { health, ready } from './health.js';
import { metrics } from './metrics.js';
import { live } from './live.js';
import { sessions } from './sessions.js';
import { stats } from './stats.js';
import { sync } from './sync.js';

export interface RouteEntry {
  path: string;
  methods: readonly string[];
  /** Called by browsers from the sites' own origins: answers preflights and carries CORS headers. */
  cors?: boolean;
  /** Stores what clients send: its log line and metrics say what was stored and what dropped, and why. */
  writes?: boolean;
  handle: RouteHandler;
}

export const ROUTES: readonly RouteEntry[] = [
  { path: PATH_SYNC, methods: ['POST'], cors: true, writes: true, handle: sync },
  { path: PATH_CALL, methods: ['POST'], cors: true, writes: true, handle: callEvent },
  { path: '/api/sessions', methods: ['GET'], handle: sessions },
  { path: '/api/live', methods: ['GET'], handle: live },
  // The dashboard (server/dashboard/app/), all for the site's owner (live token).
  { path: '/api/stats', methods: ['GET'], handle: stats },
  { path: '/api/breakdown', methods: ['GET'], handle: breakdown },
  { path: '/api/leads', methods: ['GET'], handle: leads },
  { path: '/api/lead', methods: ['GET'], handle: lead },
  { path: '/api/export', methods: ['GET'], handle: exportCsv },
  { path: '/healthz', methods: ['GET', 'HEAD'], handle: health },
  { path: PATH_ADS_CONVERSIONS, methods: ['GET', 'HEAD'], handle: adsConversions },
  { path: PATH_ADS_UPLOADS, methods: ['GET'], handle: adsUploads },
  { path: '/readyz', methods: ['GET', 'HEAD'], handle: ready },
  { path: '/metrics', methods: ['GET'], handle: metrics },
];

const byPath = new Map(ROUTES.map((r) => [r.path, r]));

export const findRoute = (pathname: string): RouteEntry | undefined => byPath.get(pathname);

/** Paths that belong to the handler rather than to static files: the API and every route. */
export const isHandlerPath = (pathname: string): boolean => pathname.startsWith('/api/') || byPath.has(pathname);
