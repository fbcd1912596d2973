/**
 * OAuth tokens at rest: AES-256-GCM in the server, with keys from the environment; the database
 * only ever sees the envelope `gcm1.<iv>.<ciphertext>.<tag>` (base64url) and the key's id.
 *
 * Keys: OPSMANTIK_CREDENTIALS_KEY (32 random bytes, hex or base64: see parseCredentialsKey) with id OPSMANTIK_CREDENTIALS_KEY_ID
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

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;
const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}$/;

/**
 * A credentials key from its text form: exactly 32 bytes as 64 hex digits, as padded base64 (44
 * characters, `openssl rand -base64 32`) or as unpadded base64url (43). Strict on purpose: Node's
 * base64 decoder skips what it does not understand, so a passphrase or a mistyped key would
 * otherwise become some 32 bytes. Refused too: a key whose text is not the canonical encoding of
 * its bytes, the all-zero key, and keys of too few distinct bytes or characters (a pattern or a
 * word repeated, not random bytes: a random key has about 30 distinct bytes of 32, and fewer than
 * 16 happens with a probability far below 1e-12).
 */
export function parseCredentialsKey(text: string, name = 'credentials key'): Buffer {
  const t = text.trim();
  const hint = `${name}: expected 32 bytes (random) as 64 hex digits or base64 (e.g. \`opsmantik credentials new-key\`)`;
  let key: Buffer;
  if (HEX_KEY.test(t)) key = Buffer.from(t, 'hex');
  else if (BASE64_KEY.test(t)) key = Buffer.from(t, 'base64');
  else if (BASE64URL_KEY.test(t)) key = Buffer.from(t, 'base64url');
  else throw new Error(`${hint}; got ${t.length} characters that are neither`);
  const canonical = HEX_KEY.test(t) ? key.toString('hex') === t.toLowerCase() : key.toString(BASE64_KEY.test(t) ? 'base64' : 'base64url') === t;
  if (key.length !== 32 || !canonical) throw new Error(`${hint}; this text is not a canonical encoding of 32 bytes`);
  checkKeyBytes(key, name);
  // Random text of this length uses most of its alphabet; a word or a pattern uses a few letters.
  const distinctChars = new Set(t.toLowerCase()).size;
  if (distinctChars < (HEX_KEY.test(t) ? 8 : 16)) throw new Error(`${name}: the key text repeats a few characters; use random bytes`);
  return key;
}

function checkKeyBytes(key: Buffer, name: string): void {
  if (key.length !== 32) throw new Error(`${name}: must be 32 bytes, got ${key.length}`);
  if (key.every((b) => b === 0)) throw new Error(`${name}: the all-zero key is refused`);
  if (new Set(key).size < 16) throw new Error(`${name}: too few distinct bytes for a random key; use random bytes`);
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
  const asKey = (k: string | Buffer, name: string) => {
    if (typeof k === 'string') return parseCredentialsKey(k, name);
    checkKeyBytes(k, name);
    return k;
  };
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
