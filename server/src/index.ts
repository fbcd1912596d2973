/**
 * `opsmantik/server`: the Web-standard ingestion handler, its Node binding, the database factory
 * and the pure scoring and attribution functions.
 */
export { createHandler, clientAddress, type Handler, type HandlerOptions, type ConnInfo } from './http/handler.js';
export { createNodeServer, listen, type NodeServerOptions, type StaticDir, type WebHandler } from './node/binding.js';
export { serve, demoStaticDirs, type ServeOptions, type RunningServer } from './node/serve.js';
export { openDb, migrate } from './store/db/index.js';
export type { Db, Queryable } from './store/db/types.js';
export { createSite, normalizeOrigin, originAllowed, type CreatedSite, type CreateSiteInput } from './store/sites.js';
export { createDemoSite, DEMO_SITE } from './node/demo.js';
export { leadScore, isGoogleSearchReferrer, POINTS, type SessionSignals } from './rules/scoring.js';
export { attribute, clickIdsOf, type Attribution, type AttributionFacts, type ClickIds } from './rules/attribution.js';
export { DEFAULT_LIMITS, type RateLimits } from './http/ratelimit.js';
export { siteChannel } from './live/live.js';
export type { Logger, LogEntry } from './http/log.js';
