/** GET /api/live: the server-sent change stream of a site, for its owner. */
import { liveResponse } from '../live/live.js';
import type { RouteHandler } from './context.js';

export const live: RouteHandler = async (ctx, { request, url, state }) => {
  const s = await ctx.ownerSite(request, url);
  state.site = s.publicId;
  return liveResponse(ctx.hub, s.id, request.signal);
};
