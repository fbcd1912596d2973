/**
 * GET /api/ads/conversions.csv: a site's conversions as Google Ads' click-conversion import file,
 * for Google Ads' scheduled import over HTTPS, which signs in with HTTP Basic: the user name is the
 * site's public id, the password the site secret.
 *
 * Query: `days` (1-366, default 30: the period ending now) or `from` and `to` (ISO dates or date
 * times; `to` exclusive), and `ids=gclid` (default: only gclid rows, the template's columns) or
 * `ids=all` (GBRAID and WBRAID columns too).
 */
import { HttpError } from '../http/http.js';
import { tokenMatches } from '../http/tokens.js';
import type { Queryable } from '../store/db/types.js';
import type { SiteLookup } from '../store/sites.js';
import type { RouteHandler } from './context.js';
import { loadAdsSettings, siteConversions, type Period } from '../store/conversions.js';
import { conversionsCsv, type CsvIds } from '../rules/conversions.js';

export const PATH_ADS_CONVERSIONS = '/api/ads/conversions.csv';

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;

export interface AdsCsvDeps {
  db: Queryable;
  sites: SiteLookup;
  now: number;
}

const unauthorized = () =>
  new HttpError(401, 'unauthorized', 'Sign in with the site public id as user name and the site secret as password.', {
    'www-authenticate': 'Basic realm="OpsMantik conversions", charset="UTF-8"',
  });

/** User name and password of an `Authorization: Basic` header, if it is one. */
export function basicCredentials(request: Request): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  if (!m) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(m[1]!), (ch) => ch.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

function parseTime(value: string, name: string): number {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (!Number.isFinite(t)) throw new HttpError(400, 'invalid_query', `${name} is not an ISO date or date time.`);
  return t;
}

/** The period the query asks for. */
export function periodOf(url: URL, now: number): Period {
  const from = url.searchParams.get('from');
  const to = url.searchParams.get('to');
  const days = url.searchParams.get('days');
  if (from !== null || to !== null) {
    if (days !== null) throw new HttpError(400, 'invalid_query', 'Give either days or from and to, not both.');
    if (from === null) throw new HttpError(400, 'invalid_query', 'from is required with to.');
    const period = { from: parseTime(from, 'from'), to: to === null ? now : parseTime(to, 'to') };
    if (period.to <= period.from) throw new HttpError(400, 'invalid_query', 'to must be after from.');
    if (period.to - period.from > MAX_DAYS * DAY_MS) throw new HttpError(400, 'invalid_query', `The period is longer than ${MAX_DAYS} days.`);
    return period;
  }
  const n = days === null ? 30 : Number(days);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DAYS) throw new HttpError(400, 'invalid_query', `days must be a whole number from 1 to ${MAX_DAYS}.`);
  return { from: now - n * DAY_MS, to: now + 1 };
}

function idsOf(url: URL): CsvIds {
  const ids = url.searchParams.get('ids') ?? 'gclid';
  if (ids !== 'gclid' && ids !== 'all') throw new HttpError(400, 'invalid_query', 'ids must be gclid or all.');
  return ids;
}

/** Answers the CSV; `onSite` learns the site's public id (for the request log) once it is known. */
export async function adsConversionsCsv(request: Request, deps: AdsCsvDeps, onSite: (publicId: string) => void): Promise<Response> {
  const url = new URL(request.url);
  // The query is checked first: a bad one costs no secret comparison and no query.
  const period = periodOf(url, deps.now);
  const ids = idsOf(url);
  const credentials = basicCredentials(request);
  if (!credentials) throw unauthorized();
  const site = await deps.sites.get(credentials.user);
  // An unknown site and a wrong secret answer alike, so the endpoint does not reveal which ids exist.
  if (!site || !(await tokenMatches(credentials.password, site.secretHash))) throw unauthorized();
  onSite(site.publicId);
  const settings = await loadAdsSettings(deps.db, site.id);
  const conversions = await siteConversions(deps.db, site.id, settings, period, deps.now);
  const body = conversionsCsv(conversions, settings.timeZone, ids);
  return new Response(request.method === 'HEAD' ? null : body, {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'cache-control': 'no-store',
      'content-disposition': `attachment; filename="opsmantik-conversions-${site.publicId.replace(/[^A-Za-z0-9_-]/g, '')}.csv"`,
    },
  });
}

export const adsConversions: RouteHandler = (ctx, { request, state }) =>
  adsConversionsCsv(request, { db: ctx.db, sites: ctx.sites, now: ctx.now() }, (id) => (state.site = id));
