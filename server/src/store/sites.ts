/**
 * Sites: lookup by public id (with a short cache, since every request needs it), the Origin check,
 * and creation for the CLI and the demo.
 */
import type { Queryable } from './db/types.js';
import { randomToken, sha256Hex } from '../http/tokens.js';
import { lru } from './lru.js';
import { isPhoneRegion } from '../rules/phone.js';

export interface Site {
  id: string;
  publicId: string;
  allowedOrigins: string[];
  secretHash: string | null;
  liveTokenHash: string | null;
  /** Region for phone numbers written without a country code; null: international numbers only. */
  phoneRegion: string | null;
}

interface SiteRow {
  id: string;
  public_id: string;
  allowed_origins: string[] | null;
  secret_hash: string | null;
  live_token_hash: string | null;
  phone_region: string | null;
}

export interface SiteLookup {
  get(publicId: string): Promise<Site | undefined>;
}

/**
 * Looks sites up with a small time-bounded cache: a bounded LRU of known sites, and a separate,
 * smaller one of ids that named no site, so that a flood of made-up ids (each a lookup once) can
 * evict neither the real sites nor each other's answers for long. Unknown ids are cached for a
 * shorter time so a site created while the server runs answers soon after.
 */
export function siteLookup(
  db: Queryable,
  options: { ttlMs?: number; now?: () => number; maxSites?: number; maxUnknown?: number } = {},
): SiteLookup {
  const ttl = options.ttlMs ?? 5000;
  const now = options.now ?? Date.now;
  const known = lru<Site>(options.maxSites ?? 10_000);
  const unknown = lru<true>(options.maxUnknown ?? 1_000);
  return {
    async get(publicId) {
      const t = now();
      const hit = known.get(publicId, t);
      if (hit) return hit;
      if (unknown.has(publicId, t)) return undefined;
      const rows = await db.query<SiteRow>(
        'select id, public_id, allowed_origins, secret_hash, live_token_hash, phone_region from public.sites where public_id = $1',
        [publicId],
      );
      const row = rows[0];
      const site = row && {
        id: row.id,
        publicId: row.public_id,
        allowedOrigins: row.allowed_origins ?? [],
        secretHash: row.secret_hash,
        liveTokenHash: row.live_token_hash,
        phoneRegion: row.phone_region,
      };
      if (ttl > 0) {
        if (site) known.set(publicId, site, t + ttl);
        else unknown.set(publicId, true, t + Math.min(ttl, 1000));
      }
      return site;
    },
  };
}

/** Normalises an origin (`https://Example.com:443/` -> `https://example.com`); undefined if not one. */
export function normalizeOrigin(value: string): string | undefined {
  if (value === '*') return '*';
  // `https://*.example.com` allows every subdomain; URL() refuses the `*`, so check its shape by hand.
  const wildcard = /^(https?):\/\/\*\.([a-z0-9.-]+)(:\d+)?\/?$/i.exec(value);
  if (wildcard) return `${wildcard[1]!.toLowerCase()}://*.${wildcard[2]!.toLowerCase()}${wildcard[3] ?? ''}`;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/** True when `origin` (the request's Origin header) is one the site allows. */
export function originAllowed(origin: string | null, allowed: readonly string[]): boolean {
  if (!origin) return false;
  const o = normalizeOrigin(origin);
  if (!o || o === '*') return false;
  for (const entry of allowed) {
    if (entry === '*' || entry === o) return true;
    const star = entry.indexOf('://*.');
    if (star > 0) {
      const scheme = entry.slice(0, star);
      const suffix = entry.slice(star + 4); // ".example.com[:port]"
      if (o.startsWith(`${scheme}://`) && o.endsWith(suffix) && o.length > scheme.length + 3 + suffix.length) return true;
    }
  }
  return false;
}

export interface CreatedSite {
  id: string;
  publicId: string;
  userId: string;
  /** Server-to-server secret for /api/call-event; shown once, stored hashed. */
  secret: string;
  /** Read token for the live stream and the sessions snapshot; shown once, stored hashed. */
  liveToken: string;
}

export interface CreateSiteInput {
  ownerEmail: string;
  origins: string[];
  name?: string;
  /** A chosen public id (the demo uses `demo`); random when absent. */
  publicId?: string;
  /** A live token to keep (the demo's survives restarts); a new random one when absent. */
  liveToken?: string;
  /** Region for phone numbers written without a country code (ISO 3166-1 alpha-2, e.g. `TR`). */
  phoneRegion?: string;
}

/** A chosen public id that exists and belongs to another owner: nothing was changed. */
export class PublicIdTakenError extends Error {
  constructor(publicId: string) {
    super(`The public id ${JSON.stringify(publicId)} belongs to another owner; nothing was changed.`);
  }
}

/** A public id: short, URL-safe, not guessable enough to matter (it is public anyway). */
function newPublicId(): string {
  return `om_${randomToken(9).replace(/[-_]/g, 'x')}`;
}

/**
 * Creates the owner in auth.users where needed, then the site. With a chosen public id that
 * already exists under the same owner, the site keeps its id and gets the new origins, secret and
 * token; under another owner nothing changes and PublicIdTakenError is thrown (the demo must
 * never re-key a tenant's site).
 */
export async function createSite(db: Queryable, input: CreateSiteInput): Promise<CreatedSite> {
  const origins = input.origins.map((o) => {
    const n = normalizeOrigin(o);
    if (!n) throw new Error(`Not an origin: ${o}`);
    return n;
  });
  const region = input.phoneRegion?.trim().toUpperCase() || null;
  if (region !== null && !isPhoneRegion(region)) throw new Error(`Not a phone region (ISO 3166-1 alpha-2): ${input.phoneRegion}`);
  const email = input.ownerEmail.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error(`Not an email address: ${input.ownerEmail}`);
  await db.query('insert into auth.users (id, email) values (gen_random_uuid(), $1) on conflict (email) do nothing', [email]);
  const users = await db.query<{ id: string }>('select id from auth.users where email = $1', [email]);
  const userId = users[0]!.id;
  const secret = `oms_${randomToken(24)}`;
  const liveToken = input.liveToken ?? `oml_${randomToken(24)}`;
  const publicId = input.publicId ?? newPublicId();
  // Origins travel as JSON text: array parameters are encoded differently by the two drivers.
  const rows = await db.query<{ id: string; public_id: string; user_id: string }>(
    `insert into public.sites (user_id, public_id, name, allowed_origins, secret_hash, live_token_hash, phone_region)
     values ($1, $2, $3, array(select jsonb_array_elements_text($4::text::jsonb)), $5, $6, $7)
     on conflict (public_id) do update set
       allowed_origins = (select array(select distinct unnest(public.sites.allowed_origins || excluded.allowed_origins))),
       secret_hash = excluded.secret_hash, live_token_hash = excluded.live_token_hash,
       phone_region = coalesce(excluded.phone_region, public.sites.phone_region)
     where public.sites.user_id = excluded.user_id
     returning id, public_id, user_id`,
    [userId, publicId, input.name ?? null, JSON.stringify(origins), await sha256Hex(secret), await sha256Hex(liveToken), region],
  );
  if (!rows[0]) throw new PublicIdTakenError(publicId);
  return { id: rows[0]!.id, publicId: rows[0]!.public_id, userId: rows[0]!.user_id, secret, liveToken };
}
