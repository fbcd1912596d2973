/**
 * POST /api/call-event: a phone call, from the tracker (checked by Origin, naming its own session)
 * or from the site's own systems (telephony, CRM: the site secret as a bearer token), stored once
 * and matched to a session.
 *
 * Only the site's own systems and a browser asking about its own session learn the match (session
 * id and lead score). Anyone can send an Origin header, so a call that names only a fingerprint
 * without the secret is stored and matched but answered `recorded`: otherwise anyone holding a
 * site's public id and a fingerprint (the same on every site that runs FingerprintJS) could ask
 * whether, when and how hot that browser visited.
 */
import { parseCallBody, type CallOk } from '../wire.js';
import { HttpError, json, readJson } from '../http/http.js';
import { bearer, tokenMatches } from '../http/tokens.js';
import { callTimeOf, recordCall, type StoredCall } from '../store/calls.js';
import { normalizePhone } from '../rules/phone.js';
import type { RouteHandler } from './context.js';

export const callEvent: RouteHandler = async (ctx, { request, info, state }) => {
  // Charged per address before the body is read or any site looked up.
  await ctx.limit('call', request, info);
  const parsed = parseCallBody(await readJson(request));
  if (!parsed.ok) throw new HttpError(400, parsed.error, parsed.message);
  const body = parsed.value;
  state.site = body.site_id;
  state.events = 1;
  const callTime = callTimeOf(body, ctx.now());
  const s = await ctx.site(body.site_id);
  const secret = bearer(request);
  const trusted = secret !== undefined;
  if (trusted) {
    if (!(await tokenMatches(secret, s.secretHash))) throw new HttpError(401, 'unauthorized', 'The site secret is not valid.');
  } else {
    ctx.checkOrigin(request, s);
  }
  const phone = normalizePhone(body.phone_number, s.phoneRegion);
  if (!phone.ok) throw new HttpError(400, 'invalid_phone_number', phone.reason);
  // What the caller may learn: everything with the secret, its own session's match from a browser.
  const disclose = trusted || body.sid !== undefined;
  if (!trusted && ctx.isBot(request.headers.get('user-agent') ?? '')) {
    // Answered like a real call but not stored: the id is fresh and unrelated to any row.
    state.drop = 'bot';
    return json(answer({ id: crypto.randomUUID(), matchedSessionId: null, leadScore: null }, disclose));
  }
  const call = await recordCall(ctx.db, s.id, {
    phoneNumber: phone.e164,
    sid: body.sid,
    sm: body.sm,
    fingerprint: body.fingerprint,
    callTime,
    source: trusted ? 'server' : 'tracker',
  });
  // A repeat of a stored call gets the first call's answer; recordCall does not tell the two apart, so both count as stored.
  state.stored = 1;
  return json(answer(call, disclose));
};

function answer(call: StoredCall, disclose: boolean): CallOk {
  if (!disclose) return { status: 'recorded', call_id: call.id };
  return call.matchedSessionId
    ? { status: 'matched', call_id: call.id, session_id: call.matchedSessionId, lead_score: call.leadScore ?? 0 }
    : { status: 'unmatched', call_id: call.id, session_id: null, lead_score: null };
}
