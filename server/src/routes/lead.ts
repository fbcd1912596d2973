/** GET /api/lead?id=&month=YYYY-MM: one session's whole timeline (every event, in order) and its calls. */
import { HttpError, json } from '../http/http.js';
import { leadDetail } from '../store/dashboard.js';
import type { RouteHandler } from './context.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const lead: RouteHandler = async (ctx, { request, url, state }) => {
  const site = await ctx.ownerSite(request, url);
  state.site = site.publicId;
  const id = url.searchParams.get('id') ?? '';
  const month = url.searchParams.get('month') ?? '';
  if (!UUID.test(id)) throw new HttpError(400, 'invalid_query', 'id must be a session id (UUID).');
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new HttpError(400, 'invalid_query', 'month must be YYYY-MM.');
  const detail = await leadDetail(ctx.db, site.id, id.toLowerCase(), `${month}-01`);
  if (!detail) throw new HttpError(404, 'not_found', 'This site has no such session.');
  return json(detail);
};
