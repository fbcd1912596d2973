/**
 * `@opsmantik/server`: the Web-standard part, for any runtime with `Request` and `Response` (Node,
 * Deno and Supabase Edge Functions, edge runtimes). Nothing here imports a Node built-in or a
 * database driver at module load: `openDb` loads its driver when a database is opened.
 * The Node binding, static files, migrations, the demo and the CLI are in `@opsmantik/server/node`.
 */
export { createHandler, clientAddress, type Handler, type HandlerOptions, type ConnInfo } from './http/handler.js';
export { openDb, type OpenDbOptions } from './store/db/index.js';
export type { Db, Queryable } from './store/db/types.js';
export { createSite, normalizeOrigin, originAllowed, type CreatedSite, type CreateSiteInput } from './store/sites.js';
export { leadScore, isGoogleSearchReferrer, POINTS, type SessionSignals } from './rules/scoring.js';
export { attribute, clickIdsOf, type Attribution, type AttributionFacts, type ClickIds } from './rules/attribution.js';
export { DEFAULT_LIMITS, type RateLimits } from './http/ratelimit.js';
export { siteChannel } from './live/live.js';
export type { Logger, LogEntry } from './http/log.js';
