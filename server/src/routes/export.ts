/** GET /api/export?what=leads|<dimension>: the leads list or one breakdown of the period, as CSV. */
import { HttpError } from '../http/http.js';
import { DIMENSIONS, csvLines, parseCursor, parseDimension, toCsv, type DashboardQuery } from '../rules/dashboard-query.js';
import { breakdown, leads, type LeadRow } from '../store/dashboard.js';
import type { Queryable } from '../store/db/types.js';
import type { RouteHandler } from './context.js';
import { ownerQuery, valid } from './owner-query.js';

/** The most rows one export holds; a longer period is exported in parts. */
export const MAX_EXPORT = 100_000;

/** Leads read per query of a leads export: each query stops early on the index, whatever the period. */
const LEADS_PAGE = 2000;

const LEAD_COLUMNS = ['id', 'month', 'created_at', 'lead_score', 'attribution', 'campaign', 'keyword', 'source', 'landing', 'device', 'gclid', 'calls', 'call_time', 'phone_number'] as const;
const BREAKDOWN_COLUMNS = ['value', 'visitors', 'sessions', 'leads', 'conversions', 'calls'] as const;

export const exportCsv: RouteHandler = async (ctx, req) => {
  const { site, q } = await ownerQuery(ctx, req);
  const what = req.url.searchParams.get('what') ?? '';
  let csv: string | ReadableStream<Uint8Array>;
  if (what === 'leads') {
    csv = await leadsCsv(ctx.db, site.id, q);
  } else if ((DIMENSIONS as readonly string[]).includes(what)) {
    const rows = await breakdown(ctx.db, site.id, q, valid(parseDimension(what)), MAX_EXPORT, ctx.now());
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

const leadCells = (rows: LeadRow[]) => rows.map((r) => LEAD_COLUMNS.map((c) => r[c]));

/**
 * The leads of the period as a CSV stream, page by page along the leads cursor, so the first
 * bytes leave after one page however long the period. The first page is read before answering:
 * if the database fails then, the request fails with its status rather than a cut-off file.
 */
export async function leadsCsv(db: Queryable, siteId: string, q: DashboardQuery, pageSize = LEADS_PAGE): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  let page = await leads(db, siteId, q, { limit: pageSize });
  let sent = 0;
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = page.leads.slice(0, MAX_EXPORT - sent);
      controller.enqueue(encoder.encode(first ? toCsv(LEAD_COLUMNS, leadCells(rows)) : csvLines(leadCells(rows))));
      first = false;
      sent += rows.length;
      const cursor = page.next ? parseCursor(page.next) : undefined;
      if (sent >= MAX_EXPORT || !cursor?.ok || !cursor.value) {
        controller.close();
        return;
      }
      page = await leads(db, siteId, q, { limit: Math.min(pageSize, MAX_EXPORT - sent), before: cursor.value });
    },
  });
}
