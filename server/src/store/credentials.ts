/**
 * OAuth tokens at rest: AES-256-GCM in the server, with keys from the environment; the database
 * only ever sees the envelope `gcm1.<iv>.<ciphertext>.<tag>` (base64url) and the key's id.
 *
 * Keys: OPSMANTIK_CREDENTIALS_KEY (32 bytes, base64 or hex) with id OPSMANTIK_CREDENTIALS_KEY_ID
 * (default "k1"); retired keys stay readable through OPSMANTIK_CREDENTIALS_OLD_KEYS
 * ("id:key,id:key") until rotateCredentials() has re-encrypted every row under the current key.
 * The additional authenticated data binds each envelope to its (user_id, provider), so an envelope
 * copied onto another user's row does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Db } from './db/types.js';

export interface Keyring {
  current: { id: string; key: Buffer };
  /** Every key that may still be found in the database, current included, by id. */
  all: ReadonlyMap<string, Buffer>;
}

const PREFIX = 'gcm1';
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

function parseKey(text: string, name: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error(`${name}: expected 32 bytes (base64 or hex), got ${key.length}`);
  return key;
}

/** Builds a keyring from explicit keys (tests) or, by default, from the environment. */
export function keyringFromEnv(env: NodeJS.ProcessEnv = process.env): Keyring {
  const raw = env.OPSMANTIK_CREDENTIALS_KEY;
  if (!raw) throw new Error('OPSMANTIK_CREDENTIALS_KEY is not set (32 bytes, base64 or hex)');
  const id = env.OPSMANTIK_CREDENTIALS_KEY_ID || 'k1';
  const old = (env.OPSMANTIK_CREDENTIALS_OLD_KEYS || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry): [string, string] => {
      const at = entry.indexOf(':');
      if (at < 1) throw new Error('OPSMANTIK_CREDENTIALS_OLD_KEYS: expected "id:key,id:key"');
      return [entry.slice(0, at), entry.slice(at + 1)];
    });
  return makeKeyring({ id, key: raw }, old);
}

/** A keyring with `current` for writing and `old` keys for reading. */
export function makeKeyring(current: { id: string; key: string | Buffer }, old: Array<[string, string | Buffer]> = []): Keyring {
  const asKey = (k: string | Buffer, name: string) => (typeof k === 'string' ? parseKey(k, name) : k);
  const all = new Map<string, Buffer>();
  for (const [id, key] of old) all.set(id, asKey(key, `key ${id}`));
  const cur = { id: current.id, key: asKey(current.key, `key ${current.id}`) };
  for (const [id, key] of [...all, [cur.id, cur.key] as const]) {
    if (!KEY_ID.test(id)) throw new Error(`credential key id "${id}" must match ${KEY_ID}`);
    if (key.length !== 32) throw new Error(`credential key ${id} must be 32 bytes`);
  }
  all.set(cur.id, cur.key);
  return { current: cur, all };
}

const b64 = (b: Buffer) => b.toString('base64url');

/** Encrypts `plain` for the row (userId, provider) under the current key. */
export function encryptToken(keyring: Keyring, userId: string, provider: string, plain: string): { ciphertext: string; keyId: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv);
  cipher.setAAD(Buffer.from(`${userId}\u0000${provider}`));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { ciphertext: [PREFIX, b64(iv), b64(body), b64(cipher.getAuthTag())].join('.'), keyId: keyring.current.id };
}

/** Decrypts an envelope; throws when the key is unknown or the envelope was altered or moved. */
export function decryptToken(keyring: Keyring, userId: string, provider: string, ciphertext: string, keyId: string): string {
  const key = keyring.all.get(keyId);
  if (!key) throw new Error(`credential key "${keyId}" is not configured`);
  const parts = ciphertext.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) throw new Error('not a gcm1 credential envelope');
  const [, iv, body, tag] = parts as [string, string, string, string];
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(`${userId}\u0000${provider}`));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

type Store = Pick<Db, 'query'>;

/** Stores (or replaces) a user's token for a provider, encrypted. */
export async function saveCredential(db: Store, keyring: Keyring, userId: string, provider: string, token: string): Promise<void> {
  const { ciphertext, keyId } = encryptToken(keyring, userId, provider, token);
  await db.query(
    `INSERT INTO public.user_credentials (user_id, provider, ciphertext, key_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT ON CONSTRAINT user_credentials_user_provider_key
     DO UPDATE SET ciphertext = EXCLUDED.ciphertext, key_id = EXCLUDED.key_id, updated_at = now()`,
    [userId, provider, ciphertext, keyId],
  );
}

/** A user's token for a provider, or null when none is stored. */
export async function loadCredential(db: Store, keyring: Keyring, userId: string, provider: string): Promise<string | null> {
  const [row] = await db.query<{ ciphertext: string; key_id: string }>(
    'SELECT ciphertext, key_id FROM public.user_credentials WHERE user_id = $1 AND provider = $2',
    [userId, provider],
  );
  return row ? decryptToken(keyring, userId, provider, row.ciphertext, row.key_id) : null;
}

/**
 * Re-encrypts every row not under the current key, in one transaction; resolves to how many
 * rows changed. Afterwards the old keys can be removed from the environment.
 */
export async function rotateCredentials(db: Pick<Db, 'transaction'>, keyring: Keyring): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; user_id: string; provider: string; ciphertext: string; key_id: string }>(
      'SELECT id, user_id, provider, ciphertext, key_id FROM public.user_credentials WHERE key_id <> $1 FOR UPDATE',
      [keyring.current.id],
    );
    for (const row of rows) {
      const plain = decryptToken(keyring, row.user_id, row.provider, row.ciphertext, row.key_id);
      const next = encryptToken(keyring, row.user_id, row.provider, plain);
      await tx.query('UPDATE public.user_credentials SET ciphertext = $2, key_id = $3, updated_at = now() WHERE id = $1', [
        row.id,
        next.ciphertext,
        next.keyId,
      ]);
    }
    return rows.length;
  });
}
