/**
 * The demo site for `serve --demo`: a demo owner and a site with the public id `demo`, allowed on
 * the server's own origins. Each start issues a new secret; the live token is kept when the caller
 * passes the previous one (the CLI keeps it in a file), so a bookmarked live view keeps working.
 */
import type { Queryable } from '../store/db/types.js';
import { createSite, type CreatedSite } from '../store/sites.js';

export const DEMO_SITE = 'demo';
const DEMO_OWNER = 'demo@opsmantik.invalid';

export function demoOrigins(port: number, extra: readonly string[] = []): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`, ...extra];
}

export function createDemoSite(db: Queryable, port: number, extraOrigins: readonly string[] = [], liveToken?: string): Promise<CreatedSite> {
  return createSite(db, {
    ownerEmail: DEMO_OWNER,
    origins: demoOrigins(port, extraOrigins),
    name: 'OpsMantik demo',
    publicId: DEMO_SITE,
    ...(liveToken ? { liveToken } : {}),
  });
}
