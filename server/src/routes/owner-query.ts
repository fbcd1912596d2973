/**
 * The start of every dashboard route: the site whose live token the request presents, and what
 * it asks for (period, filters, threshold), or a 400 that says what is wrong.
 */
import { HttpError } from '../http/http.js';
import { parseDashboardQuery, type DashboardQuery, type Parsed } from '../rules/dashboard-query.js';
import type { Site } from '../store/sites.js';
import type { RouteContext, RouteRequest } from './context.js';

export async function ownerQuery(ctx: RouteContext, { request, url, state }: RouteRequest): Promise<{ site: Site; q: DashboardQuery }> {
  const site = await ctx.ownerSite(request, url);
  state.site = site.publicId;
  return { site, q: valid(parseDashboardQuery(url.searchParams, ctx.now())) };
}

/** The value of a parse, or the 400 that explains it. */
export function valid<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new HttpError(400, parsed.error, parsed.message);
  return parsed.value;
}
