import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decryptToken,
  encryptToken,
  keyringFromEnv,
  loadCredential,
  makeKeyring,
  parseCredentialsKey,
  rotateCredentials,
  saveCredential,
} from '../../src/store/credentials.js';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { addTenant, addUser, sqlState } from './fixtures.js';

const TOKEN = 'ya29.a0AfH6SMBx-plain-oauth-token-' + randomBytes(8).toString('hex');
const k1 = makeKeyring({ id: 'k1', key: randomBytes(32) });

describe('credential envelopes', () => {
  it('round-trip, and fail when altered, moved to another row or read with another key', () => {
    const { ciphertext, keyId } = encryptToken(k1, 'u1', 'google_ads', TOKEN);
    expect(ciphertext).toMatch(/^gcm1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/);
    expect(ciphertext).not.toContain(TOKEN.slice(5, 20));
    expect(decryptToken(k1, 'u1', 'google_ads', ciphertext, keyId)).toBe(TOKEN);
    const [p, iv, body, tag] = ciphertext.split('.');
    const flipped = body!.slice(0, 4) + (body![4] === 'A' ? 'B' : 'A') + body!.slice(5);
    expect(() => decryptToken(k1, 'u1', 'google_ads', [p, iv, flipped, tag].join('.'), keyId)).toThrow();
    expect(() => decryptToken(k1, 'u2', 'google_ads', ciphertext, keyId)).toThrow();
    const other = makeKeyring({ id: 'k1', key: randomBytes(32) });
    expect(() => decryptToken(other, 'u1', 'google_ads', ciphertext, keyId)).toThrow();
  });

  it('uses a fresh IV every time', () => {
    const a = encryptToken(k1, 'u1', 'p', TOKEN).ciphertext;
    const b = encryptToken(k1, 'u1', 'p', TOKEN).ciphertext;
    expect(a).not.toBe(b);
  });

  it('reads keys from the environment and refuses a wrong-sized key', () => {
    const key = randomBytes(32);
    const ring = keyringFromEnv({
      OPSMANTIK_CREDENTIALS_KEY: key.toString('base64'),
      OPSMANTIK_CREDENTIALS_KEY_ID: 'k2',
      OPSMANTIK_CREDENTIALS_OLD_KEYS: `k1:${randomBytes(32).toString('hex')}`,
    });
    expect(ring.current.id).toBe('k2');
    expect(ring.current.key.equals(key)).toBe(true);
    expect([...ring.all.keys()].sort()).toEqual(['k1', 'k2']);
    expect(() => keyringFromEnv({ OPSMANTIK_CREDENTIALS_KEY: randomBytes(16).toString('base64') })).toThrow(/32 bytes/);
    expect(() => keyringFromEnv({})).toThrow(/OPSMANTIK_CREDENTIALS_KEY/);
  });

  // Issue 12, finding 7: Node's base64 decoder skips what it does not understand, so any text of
  // the right length used to become some 32 bytes.
  it('takes a key only as 32 random bytes in strict hex or base64', () => {
    const key = randomBytes(32);
    for (const text of [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64'), key.toString('base64url'), ` ${key.toString('base64')}\n`]) {
      expect(parseCredentialsKey(text).equals(key)).toBe(true);
    }
    const refused = {
      passphrase: 'correct horse battery staple, very secret!!',
      'passphrase of base64 letters': 'thisismysupersecretpassphraseforopsmantikk=',
      'base64 with junk inside': `${key.toString('base64').slice(0, 20)}*${key.toString('base64').slice(21)}`,
      'base64 of 33 bytes': randomBytes(33).toString('base64'),
      // 'B' sets one of the two bits past the 32nd byte, which a canonical encoding leaves zero.
      'non-canonical base64 (last character off)': key.toString('base64').slice(0, 42) + 'B=',
      'all zero (hex)': '0'.repeat(64),
      'all zero (base64)': Buffer.alloc(32).toString('base64'),
      'a repeated pattern': '01'.repeat(32),
      'a repeated word': Buffer.from('secret'.repeat(6).slice(0, 32)).toString('base64'),
    };
    for (const [what, text] of Object.entries(refused)) {
      expect(() => parseCredentialsKey(text), what).toThrow();
    }
    expect(() => makeKeyring({ id: 'k1', key: Buffer.alloc(32) })).toThrow(/all-zero/);
    expect(() => keyringFromEnv({ OPSMANTIK_CREDENTIALS_KEY: 'x'.repeat(44) })).toThrow(/OPSMANTIK|key/);
  });

  it('is exported from the Node entry, with a fresh-key helper whose keys it takes', async () => {
    const node = await import('../../src/node.js');
    for (const name of ['parseCredentialsKey', 'keyringFromEnv', 'makeKeyring', 'encryptToken', 'decryptToken', 'saveCredential', 'loadCredential', 'rotateCredentials', 'newCredentialsKey']) {
      expect([name, typeof (node as Record<string, unknown>)[name]]).toEqual([name, 'function']);
    }
    expect(node.parseCredentialsKey(node.newCredentialsKey())).toHaveLength(32);
  });
});

describe.each(backends)('user_credentials on %s', (backend) => {
  let fresh: FreshDb;
  beforeEach(async () => {
    fresh = await freshDb(backend);
  });
  afterEach(async () => {
    await fresh.drop();
  });

  it('never holds the token in plain text anywhere in the database', async () => {
    const { db } = fresh;
    await addTenant(db, 'alice');
    const user = await addUser(db, 'b@example.test');
    await saveCredential(db, k1, user, 'google_ads', TOKEN);
    expect(await loadCredential(db, k1, user, 'google_ads')).toBe(TOKEN);
    // Every row of every table in public and auth, as text.
    const tables = await db.query<{ t: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('public', 'auth') AND c.relkind IN ('r', 'p')`);
    expect(tables.length).toBeGreaterThanOrEqual(6);
    for (const { t } of tables) {
      const [hit] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${t} x WHERE strpos(x::text, $1) > 0 OR strpos(x::text, $2) > 0`,
        [TOKEN, Buffer.from(TOKEN).toString('base64').slice(0, 24)]);
      expect([t, hit!.n]).toEqual([t, 0]);
    }
  });

  it('refuses a plain token written straight into the table', async () => {
    const { db } = fresh;
    const user = await addUser(db, 'b@example.test');
    const code = await sqlState(db.query(
      "INSERT INTO public.user_credentials (user_id, provider, ciphertext, key_id) VALUES ($1, 'google_ads', $2, 'k1')",
      [user, TOKEN]));
    expect(code).toBe('23514');
  });

  it('rotates every row to the new key; the old key is then no longer needed', async () => {
    const { db } = fresh;
    const users = [await addUser(db, 'a@example.test'), await addUser(db, 'b@example.test')];
    for (const u of users) await saveCredential(db, k1, u, 'google_ads', `${TOKEN}-${u}`);
    const k2only = makeKeyring({ id: 'k2', key: randomBytes(32) });
    const k2 = makeKeyring({ id: 'k2', key: k2only.current.key }, [['k1', k1.current.key]]);
    expect(await rotateCredentials(db, k2)).toBe(2);
    expect(await rotateCredentials(db, k2)).toBe(0);
    const ids = await db.query<{ key_id: string }>('SELECT DISTINCT key_id FROM public.user_credentials');
    expect(ids).toEqual([{ key_id: 'k2' }]);
    for (const u of users) expect(await loadCredential(db, k2only, u, 'google_ads')).toBe(`${TOKEN}-${u}`);
  });
});
