/** GET /api/sessions: the newest sessions of a site with their events and calls, for its owner. */
import { json } from '../http/http.js';
import { sessionsSnapshot } from '../live/live.js';
import type { RouteHandler } from './context.js';

export const sessions: RouteHandler = async (ctx, { request, url, state }) => {
  const s = await ctx.ownerSite(request, url);
  state.site = s.publicId;
  const limitParam = Number(url.searchParams.get('limit') ?? 50);
  const n = Number.isInteger(limitParam) ? Math.min(Math.max(limitParam, 1), 200) : 50;
  return json(await sessionsSnapshot(ctx.db, s.id, n));
};
