/** GET /api/export?what=leads|<dimension>: the leads list or one breakdown of the period, as CSV. */
import { HttpError } from '../http/http.js';
import { DIMENSIONS, parseDimension, toCsv } from '../rules/dashboard-query.js';
import { breakdown, leads } from '../store/dashboard.js';
import type { RouteHandler } from './context.js';
import { ownerQuery, valid } from './owner-query.js';

/** The most rows one export holds; a longer period is exported in parts. */
export const MAX_EXPORT = 100_000;

const LEAD_COLUMNS = ['id', 'month', 'created_at', 'lead_score', 'attribution', 'campaign', 'keyword', 'source', 'landing', 'device', 'gclid', 'calls', 'call_time', 'phone_number'] as const;
const BREAKDOWN_COLUMNS = ['value', 'visitors', 'sessions', 'leads', 'conversions', 'calls'] as const;

export const exportCsv: RouteHandler = async (ctx, req) => {
  const { site, q } = await ownerQuery(ctx, req);
  const what = req.url.searchParams.get('what') ?? '';
  let csv: string;
  if (what === 'leads') {
    const { leads: rows } = await leads(ctx.db, site.id, q, { limit: MAX_EXPORT });
    csv = toCsv(LEAD_COLUMNS, rows.map((r) => LEAD_COLUMNS.map((c) => r[c])));
  } else if ((DIMENSIONS as readonly string[]).includes(what)) {
    const rows = await breakdown(ctx.db, site.id, q, valid(parseDimension(what)), MAX_EXPORT);
    csv = toCsv(BREAKDOWN_COLUMNS, rows.map((r) => BREAKDOWN_COLUMNS.map((c) => r[c])));
  } else {
    throw new HttpError(400, 'invalid_query', `what must be leads or one of ${DIMENSIONS.join(', ')}.`);
  }
  const name = `${site.publicId.replace(/[^A-Za-z0-9_-]/g, '_')}-${what}-${q.period.from}-${q.period.to}.csv`;
  return new Response(csv, {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
    },
  });
};
