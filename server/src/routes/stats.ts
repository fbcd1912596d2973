/** GET /api/stats: a period's tiles, the previous period's, the chart series and the visitors now. */
import { json } from '../http/http.js';
import { dashboardStats } from '../store/dashboard.js';
import type { RouteHandler } from './context.js';
import { ownerQuery } from './owner-query.js';

export const stats: RouteHandler = async (ctx, req) => {
  const { site, q } = await ownerQuery(ctx, req);
  const body = await dashboardStats(ctx.db, site.id, q, ctx.now());
  return json({
    period: { preset: q.preset, from: q.period.from, to: q.period.to, bucket: q.bucket },
    previous_period: { from: q.previous.from, to: q.previous.to },
    threshold: q.threshold,
    filters: q.filters,
    ...body,
  });
};
