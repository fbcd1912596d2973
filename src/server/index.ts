/**
 * `opsmantik/server`: the Web-standard ingestion handler, its Node binding, the database factory
 * and the pure scoring and attribution functions.
 */
export { createHandler, clientAddress, type Handler, type HandlerOptions, type ConnInfo } from './handler.js';
export { createNodeServer, listen, type NodeServerOptions, type StaticDir, type WebHandler } from './node.js';
export { serve, demoStaticDirs, type ServeOptions, type RunningServer } from './serve.js';
export { openDb, migrate } from './db/index.js';
export type { Db, Queryable } from './db/types.js';
export { createSite, normalizeOrigin, originAllowed, type CreatedSite, type CreateSiteInput } from './sites.js';
export { createDemoSite, DEMO_SITE } from './demo.js';
export { leadScore, isGoogleSearchReferrer, POINTS, type SessionSignals } from './scoring.js';
export { attribute, clickIdsOf, type Attribution, type AttributionFacts, type ClickIds } from './attribution.js';
export { DEFAULT_LIMITS, type RateLimits } from './ratelimit.js';
export { siteChannel } from './live.js';
export type { Logger, LogEntry } from './log.js';
