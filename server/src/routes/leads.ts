/** GET /api/leads: the period's leads, newest first, a page of `limit` (default 100) after `before`. */
import { HttpError, json } from '../http/http.js';
import { parseCursor } from '../rules/dashboard-query.js';
import { leads as leadRows } from '../store/dashboard.js';
import type { RouteHandler } from './context.js';
import { ownerQuery, valid } from './owner-query.js';

export const PAGE = 100;

export const leads: RouteHandler = async (ctx, req) => {
  const { site, q } = await ownerQuery(ctx, req);
  const before = valid(parseCursor(req.url.searchParams.get('before')));
  const limit = Number(req.url.searchParams.get('limit') ?? PAGE);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'invalid_query', 'limit must be a whole number from 1 to 500.');
  return json(await leadRows(ctx.db, site.id, q, { limit, before }));
};
