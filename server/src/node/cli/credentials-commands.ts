/**
 * `opsmantik credentials ...`: the operator's commands for the key that encrypts stored OAuth
 * tokens (store/credentials.ts). Rotation, step by step: keep the old key readable
 * (OPSMANTIK_CREDENTIALS_OLD_KEYS="k1:<old>"), set the new one (OPSMANTIK_CREDENTIALS_KEY=<new>,
 * OPSMANTIK_CREDENTIALS_KEY_ID=k2), run `opsmantik credentials rotate`, then remove the old key.
 */
import { randomBytes } from 'node:crypto';
import { keyringFromEnv, rotateCredentials } from '../../store/credentials.js';
import { withDb } from './database.js';
import { CliError, DATABASE_FLAGS, type Command } from './spec.js';

/** A fresh key in the form parseCredentialsKey reads. */
export const newCredentialsKey = (): string => randomBytes(32).toString('base64');

const newKey: Command = {
  words: ['credentials', 'new-key'],
  summary: 'Print a fresh random key (base64, 32 bytes) for OPSMANTIK_CREDENTIALS_KEY.',
  flags: [],
  examples: ['export OPSMANTIK_CREDENTIALS_KEY="$(opsmantik credentials new-key)"'],
  async run(_parsed, { out }) {
    out(newCredentialsKey());
    return 0;
  },
};

const rotate: Command = {
  words: ['credentials', 'rotate'],
  summary: 'Re-encrypt every stored token under the current key (OPSMANTIK_CREDENTIALS_KEY, _KEY_ID; old keys in _OLD_KEYS).',
  flags: DATABASE_FLAGS,
  examples: ['OPSMANTIK_CREDENTIALS_KEY=<new> OPSMANTIK_CREDENTIALS_KEY_ID=k2 OPSMANTIK_CREDENTIALS_OLD_KEYS="k1:<old>" opsmantik credentials rotate'],
  async run(parsed, { out }) {
    let keyring;
    try {
      // Read before the database opens: a bad key fails before anything is touched.
      keyring = keyringFromEnv(process.env);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    return withDb(parsed, async (db) => {
      const n = await rotateCredentials(db, keyring);
      out(`Re-encrypted ${n} credential${n === 1 ? '' : 's'} under key ${keyring.current.id}.`);
      return 0;
    });
  },
};

export const credentialsCommands: Command[] = [newKey, rotate];
