/** GET /metrics: Prometheus text, when the Node side supplies it (404 otherwise). */
import { HttpError } from '../http/http.js';
import type { RouteHandler } from './context.js';

export const metrics: RouteHandler = async (ctx) => {
  if (!ctx.metrics) throw new HttpError(404, 'not_found', 'Metrics are not enabled on this server.');
  const { contentType, body } = await ctx.metrics();
  return new Response(body, { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
};
