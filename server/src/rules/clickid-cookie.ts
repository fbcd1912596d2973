/**
 * A first-party click-id cookie that outlives Safari's limits on script-written storage (7 days,
 * 1 day when written on an ad landing): a Google Ads click stays creditable for 90 days, so when
 * the handler answers on the site's own origin it keeps the click id in an HttpOnly cookie set
 * by the server, which ITP does not shorten. Later sessions use it for attribution.
 */
import { CLICK_ID_KEYS, cleanClickId, type ClickIdKey, type ClickIds } from './attribution.js';

export const CLICK_COOKIE = 'om_click';
/** Google Ads' click-through conversion window. */
const CLICK_COOKIE_MAX_AGE_S = 90 * 24 * 3600;

/** `Set-Cookie` value remembering the first click id of `ids` (gclid before gbraid before wbraid). */
export function clickIdCookie(ids: ClickIds): string | undefined {
  const key = CLICK_ID_KEYS.find((k) => ids[k] !== undefined);
  if (!key) return undefined;
  const value = encodeURIComponent(`${key}:${ids[key]}`);
  return `${CLICK_COOKIE}=${value}; Max-Age=${CLICK_COOKIE_MAX_AGE_S}; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

/** Reads the click id back from a `Cookie` header; anything malformed is ignored. */
export function readClickIdCookie(cookieHeader: string | null): ClickIds {
  if (!cookieHeader) return {};
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== CLICK_COOKIE) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return {};
    }
    const colon = decoded.indexOf(':');
    const key = decoded.slice(0, colon) as ClickIdKey;
    // The same rules as a click id from a URL or meta.
    const value = cleanClickId(decoded.slice(colon + 1));
    if (colon > 0 && CLICK_ID_KEYS.includes(key) && value) {
      return { [key]: value };
    }
    return {};
  }
  return {};
}

/**
 * True when the request comes from a page on the origin the handler itself answers on: the
 * site's own `/api/sync` route, where a cookie set here is first-party.
 */
export function isFirstParty(request: Request, ownOrigin: string): boolean {
  const origin = request.headers.get('origin');
  if (origin) return origin === ownOrigin;
  return request.headers.get('sec-fetch-site') === 'same-origin';
}
