/**
 * Small seeding helpers for the database tests: users, sites, sessions, events, calls, written
 * as the owner (the server's role), which row-level security does not restrict.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/store/db/types.js';

/** 'YYYY-MM-01' of the UTC month `offset` months from now. */
export function monthOf(offset = 0, from = new Date()): string {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + offset, 1));
  return d.toISOString().slice(0, 10);
}

/** 'sessions' + month -> 'sessions_YYYY_MM'. */
export function partitionName(parent: 'sessions' | 'events', month: string): string {
  return `${parent}_${month.slice(0, 4)}_${month.slice(5, 7)}`;
}

export async function addUser(db: Queryable, email: string): Promise<string> {
  const id = randomUUID();
  await db.query('INSERT INTO auth.users (id, email) VALUES ($1, $2)', [id, email]);
  return id;
}

export async function addSite(db: Queryable, userId: string, publicId: string): Promise<string> {
  const rows = await db.query<{ id: string }>(
    'INSERT INTO public.sites (user_id, public_id, name) VALUES ($1, $2, $2) RETURNING id',
    [userId, publicId],
  );
  return rows[0]!.id;
}

export async function addSession(
  db: Queryable,
  siteId: string,
  month: string,
  extra: { fingerprint?: string; gclid?: string } = {},
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO public.sessions (id, created_month, site_id, fingerprint, gclid, attribution)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, month, siteId, extra.fingerprint ?? null, extra.gclid ?? null, extra.gclid ? 'paid' : 'organic'],
  );
  return id;
}

export async function addEvent(
  db: Queryable,
  siteId: string,
  sessionId: string,
  month: string,
  extra: { category?: string; createdAt?: string; clientId?: string } = {},
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO public.events (session_id, session_month, site_id, client_event_id, event_category,
       event_action, url, metadata, created_at)
     VALUES ($1, $2, $3, $4, $5, 'view', 'https://example.test/', '{"fp":"x"}', coalesce($6::timestamptz, now()))
     RETURNING id`,
    [sessionId, month, siteId, extra.clientId ?? null, extra.category ?? 'pageview', extra.createdAt ?? null],
  );
  return rows[0]!.id;
}

export async function addCall(db: Queryable, siteId: string, phone = '+15550100'): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO public.calls (site_id, phone_number, status) VALUES ($1, $2, 'unmatched') RETURNING id`,
    [siteId, phone],
  );
  return rows[0]!.id;
}

/** Rejects unless `promise` fails with SQLSTATE `code`; resolves to the error. */
export async function sqlState(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'no error';
}

export type Role = 'anon' | 'authenticated' | 'service_role';

/**
 * Runs `fn` in one transaction as `role`, with the JWT claims Supabase's gateway would set
 * (sub = userId for authenticated). SET LOCAL and set_config(..., true) end with the transaction.
 */
export async function asRole<T>(
  db: { transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> },
  role: Role,
  userId: string | null,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const claims = JSON.stringify(userId ? { sub: userId, role } : { role });
    await tx.query("SELECT set_config('request.jwt.claims', $1, true)", [claims]);
    await tx.query(`SET LOCAL ROLE ${role}`);
    return fn(tx);
  });
}

/** A syntactically valid credentials envelope (the real ones come from server/src/store/credentials.ts). */
export const FAKE_CIPHERTEXT = `gcm1.${'A'.repeat(16)}.QUJD.${'B'.repeat(22)}`;

export interface Tenant {
  user: string;
  sites: string[];
  sessions: string[];
  events: string[];
  calls: string[];
}

/** One user with two sites; each site has a session this month with two events, and a call. */
export async function addTenant(db: Queryable, name: string, month = monthOf(0)): Promise<Tenant> {
  const user = await addUser(db, `${name}@example.test`);
  const t: Tenant = { user, sites: [], sessions: [], events: [], calls: [] };
  for (const n of [1, 2]) {
    const site = await addSite(db, user, `${name}-site-${n}`);
    const session = await addSession(db, site, month, { fingerprint: `${name}-fp-${n}` });
    t.sites.push(site);
    t.sessions.push(session);
    t.events.push(await addEvent(db, site, session, month, { createdAt: `${month}T10:0${n}:00Z` }));
    t.events.push(await addEvent(db, site, session, month, { createdAt: `${month}T10:1${n}:00Z`, category: 'interaction' }));
    t.calls.push(await addCall(db, site));
  }
  await db.query(
    `INSERT INTO public.user_credentials (user_id, provider, ciphertext, key_id) VALUES ($1, 'google_ads', $2, 'k1')`,
    [user, FAKE_CIPHERTEXT],
  );
  return t;
}
