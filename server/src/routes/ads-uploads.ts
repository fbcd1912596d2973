/**
 * GET /api/ads/uploads?site=ID: what the Google Ads upload sent for a site, what failed and why,
 * for the live view (the owner's live token, like /api/sessions): the last run, counts per status
 * and the latest rows of ad_uploads. Click ids are not in ad_uploads, so they are not here either.
 */
import type { Queryable } from '../store/db/types.js';
import { json } from '../http/http.js';
import type { RouteHandler } from './context.js';
import { lastRun, uploadCounts, uploadRows } from '../store/ad-uploads.js';

export const PATH_ADS_UPLOADS = '/api/ads/uploads';

const iso = (t: Date | string | null) => (t === null ? null : new Date(t).toISOString());

export async function adsUploadsSnapshot(db: Queryable, siteId: string, limit = 20) {
  const [run, counts, rows] = await Promise.all([lastRun(db, siteId), uploadCounts(db, siteId), uploadRows(db, siteId, limit)]);
  return {
    last_run: run && { at: iso(run.at), status: run.status, message: run.message },
    counts: { uploaded: counts.uploaded ?? 0, failed: counts.failed ?? 0, rejected: counts.rejected ?? 0, sending: counts.sending ?? 0 },
    uploads: rows.map((r) => ({
      order_id: r.order_id,
      kind: r.kind,
      conversion_action: r.conversion_action,
      click_id_kind: r.click_id_kind,
      status: r.status,
      attempts: Number(r.attempts),
      error_code: r.error_code,
      error_message: r.error_message,
      last_attempt_at: iso(r.last_attempt_at),
      next_attempt_at: iso(r.next_attempt_at),
      uploaded_at: iso(r.uploaded_at),
    })),
  };
}

export const adsUploads: RouteHandler = async (ctx, { request, url, state }) => {
  const s = await ctx.ownerSite(request, url);
  state.site = s.publicId;
  return json(await adsUploadsSnapshot(ctx.db, s.id));
};
