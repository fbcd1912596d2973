/** GET /api/live: the server-sent change stream of a site, for its owner; capped per site and per address. */
import { HttpError } from '../http/http.js';
import { liveResponse } from '../live/live.js';
import type { RouteHandler } from './context.js';

export const live: RouteHandler = async (ctx, { request, url, info, state }) => {
  const s = await ctx.ownerSite(request, url);
  state.site = s.publicId;
  const admitted = ctx.hub.admit(s.id, ctx.clientAddress(request, info));
  if (!admitted.ok) {
    const who = admitted.reason === 'site' ? 'this site' : 'this address';
    throw new HttpError(429, 'too_many_streams', `At most ${admitted.limit} live streams are open at once for ${who}; close one and try again.`, { 'retry-after': '10' });
  }
  try {
    return await liveResponse(ctx.hub, s.id, request.signal, admitted.slot);
  } catch (err) {
    admitted.slot.release();
    throw err;
  }
};
