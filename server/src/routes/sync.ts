/**
 * POST /api/sync: a batch of tracker events, validated, stored once each, scored and attributed;
 * a phone_click event's call recorded with it.
 */
import { parseSyncBody, type SyncOk, type WireEvent } from '../wire.js';
import { HttpError, json, readJson } from '../http/http.js';
import { monthWindow } from '../rules/months.js';
import { clickIdCookie, isFirstParty, readClickIdCookie } from '../rules/clickid-cookie.js';
import { ingest, SessionConflictError, type IngestInput } from '../store/ingest.js';
import { bodyClickIds } from '../store/ingest-plan.js';
import { phoneCalls } from '../rules/phone.js';
import type { ClickIds } from '../rules/attribution.js';
import type { RouteHandler } from './context.js';

/** The answer in queue mode: the batch is stored durably; `accepted` counts its events (0 when it was queued before). */
export interface SyncQueued {
  status: 'queued';
  accepted: number;
}

export const sync: RouteHandler = async (ctx, { request, info, state }) => {
  // Charged per address before the body is read or any site looked up.
  await ctx.limit('sync', request, info);
  const parsed = parseSyncBody(await readJson(request));
  if (!parsed.ok) throw new HttpError(400, parsed.error, parsed.message);
  const events: WireEvent[] = parsed.value;
  state.site = events[0]!.s;
  state.events = events.length;
  const t = ctx.now();
  const months = monthWindow(t);
  for (const e of events) {
    if (!months.includes(e.sm)) {
      throw new HttpError(400, 'month_out_of_window', `Session month ${e.sm} is outside the previous, current and next month.`);
    }
  }
  const siteIds = new Map<string, string>();
  const regions = new Map<string, string | null>();
  for (const publicId of new Set(events.map((e) => e.s))) {
    const s = await ctx.site(publicId);
    ctx.checkOrigin(request, s);
    siteIds.set(publicId, s.id);
    regions.set(publicId, s.phoneRegion);
  }
  if (ctx.isBot(request.headers.get('user-agent') ?? '')) {
    state.drop = 'bot';
    return json({ status: 'synced', score: 0, accepted: 0 } satisfies SyncOk);
  }
  const firstParty = ctx.clickIdCookie && isFirstParty(request, ctx.ownOrigin(request));
  const cookieClickIds = firstParty ? readClickIdCookie(request.headers.get('cookie')) : {};
  // A tel: click is a phone_click event: its call is recorded in the write of the batch.
  const calls = phoneCalls(events, (publicId) => regions.get(publicId) ?? null);
  const input: IngestInput = { events, siteIds, now: t, userAgent: request.headers.get('user-agent'), cookieClickIds, calls };
  const cookieHeaders = (clickIds: ClickIds): Record<string, string> => {
    const cookie = firstParty ? clickIdCookie(clickIds) : undefined;
    // Set again only when it would change what the browser holds.
    if (cookie && JSON.stringify(cookieClickIds) !== JSON.stringify(readClickIdCookie(cookie.split(';')[0]!))) {
      return { 'set-cookie': cookie };
    }
    return {};
  };
  if (ctx.enqueue) {
    // Queue mode: stored durably, written by a worker; the score reaches owners through the change stream.
    const accepted = await ctx.enqueue(input);
    return json({ status: 'queued', accepted } satisfies SyncQueued, 202, cookieHeaders(bodyClickIds(events)));
  }
  let result;
  try {
    result = await ingest(ctx.db, input);
  } catch (err) {
    if (err instanceof SessionConflictError) throw new HttpError(400, 'session_unavailable', err.message);
    throw err;
  }
  state.stored = result.accepted;
  return json({ status: 'synced', score: result.score, accepted: result.accepted } satisfies SyncOk, 200, cookieHeaders(result.clickIds));
};
