/** GET /api/breakdown?dim=: one dimension's values in the period with their counts. */
import { json } from '../http/http.js';
import { parseDimension } from '../rules/dashboard-query.js';
import { breakdown as breakdownRows } from '../store/dashboard.js';
import type { RouteHandler } from './context.js';
import { ownerQuery, valid } from './owner-query.js';

export const breakdown: RouteHandler = async (ctx, req) => {
  const { site, q } = await ownerQuery(ctx, req);
  const dim = valid(parseDimension(req.url.searchParams.get('dim')));
  return json({ dim, rows: await breakdownRows(ctx.db, site.id, q, dim, 100, ctx.now()) });
};
