/** GET /healthz: the process answers and the database does. */
import { HttpError, json } from '../http/http.js';
import type { RouteHandler } from './context.js';

export const health: RouteHandler = async (ctx) => {
  try {
    await ctx.db.query('select 1 as ok');
  } catch {
    throw new HttpError(503, 'storage_error', 'The database is not reachable.');
  }
  return json({ status: 'ok' });
};
