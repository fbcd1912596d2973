/**
 * What an operator does to sites besides creating them: list, change origins, issue a new secret
 * or live token (the old one stops working at once), delete (with everything the site stored).
 * Unknown public ids are reported as undefined/false; the CLI turns that into a message.
 */
import type { Queryable } from './db/types.js';
import { randomToken, sha256Hex } from '../http/tokens.js';
import { normalizeOrigin } from './sites.js';

export interface SiteSummary {
  publicId: string;
  name: string | null;
  owner: string;
  origins: string[];
  createdAt: string;
}

export async function listSites(db: Queryable): Promise<SiteSummary[]> {
  const rows = await db.query<{ public_id: string; name: string | null; email: string; allowed_origins: string[]; created_at: Date | string }>(
    `select s.public_id, s.name, u.email, s.allowed_origins, s.created_at
       from public.sites s join auth.users u on u.id = s.user_id
      order by s.created_at, s.public_id`,
  );
  return rows.map((r) => ({
    publicId: r.public_id,
    name: r.name,
    owner: r.email,
    origins: r.allowed_origins ?? [],
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

/** Origins normalised, or the first that is not an origin. */
export function normalizeOrigins(values: readonly string[]): { ok: true; origins: string[] } | { ok: false; bad: string } {
  const origins: string[] = [];
  for (const v of values) {
    const n = normalizeOrigin(v);
    if (!n) return { ok: false, bad: v };
    origins.push(n);
  }
  return { ok: true, origins };
}

/** Adds or removes origins; resolves to the site's origins after the change, undefined for an unknown site. */
export async function changeOrigins(db: Queryable, publicId: string, add: readonly string[], remove: readonly string[]): Promise<string[] | undefined> {
  // Origins travel as JSON text: array parameters are encoded differently by the two drivers.
  const rows = await db.query<{ allowed_origins: string[] }>(
    `update public.sites set allowed_origins = array(
        select distinct o from unnest(allowed_origins || array(select jsonb_array_elements_text($2::text::jsonb))) as o
         where o <> all (array(select jsonb_array_elements_text($3::text::jsonb))) order by o)
      where public_id = $1 returning allowed_origins`,
    [publicId, JSON.stringify(add), JSON.stringify(remove)],
  );
  return rows[0]?.allowed_origins;
}

/** A new server secret (`secret`) or live token (`live`); the old one stops working. Undefined for an unknown site. */
export async function rotateCredential(db: Queryable, publicId: string, which: 'secret' | 'live'): Promise<string | undefined> {
  const value = which === 'secret' ? `oms_${randomToken(24)}` : `oml_${randomToken(24)}`;
  const column = which === 'secret' ? 'secret_hash' : 'live_token_hash';
  const rows = await db.query(`update public.sites set ${column} = $2 where public_id = $1 returning id`, [publicId, await sha256Hex(value)]);
  return rows.length ? value : undefined;
}

/** Deletes a site and everything it stored (sessions, events, calls cascade); false for an unknown site. */
export async function deleteSite(db: Queryable, publicId: string): Promise<boolean> {
  const rows = await db.query('delete from public.sites where public_id = $1 returning id', [publicId]);
  return rows.length > 0;
}

/** Sites of this owner with exactly these origins: a second `site create` is most likely an accident. */
export async function sameSites(db: Queryable, ownerEmail: string, origins: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ public_id: string }>(
    `select s.public_id from public.sites s join auth.users u on u.id = s.user_id
      where u.email = $1
        and s.allowed_origins @> array(select jsonb_array_elements_text($2::text::jsonb))
        and s.allowed_origins <@ array(select jsonb_array_elements_text($2::text::jsonb))`,
    [ownerEmail.trim().toLowerCase(), JSON.stringify(origins)],
  );
  return rows.map((r) => r.public_id);
}
