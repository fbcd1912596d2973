/**
 * POST /api/call-event: a phone call, from the tracker (checked by Origin) or from the site's own
 * systems (telephony, CRM: the site secret as a bearer token), stored once and matched to a session.
 */
import { parseCallBody, type CallOk } from '../wire.js';
import { HttpError, json, readJson } from '../http/http.js';
import { bearer, tokenMatches } from '../http/tokens.js';
import { callTimeOf, recordCall } from '../store/calls.js';
import type { RouteHandler } from './context.js';

export const callEvent: RouteHandler = async (ctx, { request, info, state }) => {
  const parsed = parseCallBody(await readJson(request));
  if (!parsed.ok) throw new HttpError(400, parsed.error, parsed.message);
  const body = parsed.value;
  state.site = body.site_id;
  state.events = 1;
  await ctx.limit('call', request, info, body.site_id);
  const callTime = callTimeOf(body, ctx.now());
  const s = await ctx.site(body.site_id);
  const secret = bearer(request);
  let source: 'tracker' | 'server' = 'tracker';
  if (secret !== undefined) {
    if (!(await tokenMatches(secret, s.secretHash))) throw new HttpError(401, 'unauthorized', 'The site secret is not valid.');
    source = 'server';
  } else {
    ctx.checkOrigin(request, s);
    if (ctx.isBot(request.headers.get('user-agent') ?? '')) {
      // Answered like a real call but not stored: the id is fresh and unrelated to any row.
      state.drop = 'bot';
      return json({ status: 'unmatched', call_id: crypto.randomUUID(), session_id: null, lead_score: null } satisfies CallOk);
    }
  }
  const answer = await recordCall(ctx.db, s.id, body, callTime, source);
  // A repeat of a stored call gets the first call's answer; recordCall does not tell the two apart, so both count as stored.
  state.stored = 1;
  return json(answer);
};
