/**
 * `opsmantik credentials ...`: the operator's commands for the OAuth-token key (store/credentials.ts).
 *   credentials new-key   prints a fresh random key (base64, 32 bytes) for OPSMANTIK_CREDENTIALS_KEY
 *   credentials rotate    re-encrypts every stored token under the current key
 * Rotation, step by step: keep the old key readable (OPSMANTIK_CREDENTIALS_OLD_KEYS="k1:<old>"),
 * set the new one (OPSMANTIK_CREDENTIALS_KEY=<new>, OPSMANTIK_CREDENTIALS_KEY_ID=k2), run
 * `opsmantik credentials rotate`, then remove the old key from the environment.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db/types.js';
import { keyringFromEnv, rotateCredentials } from '../store/credentials.js';

export const CREDENTIALS_USAGE = `  opsmantik credentials new-key
  opsmantik credentials rotate [--database-url URL] [--data-dir DIR]   (keys from OPSMANTIK_CREDENTIALS_KEY, _KEY_ID, _OLD_KEYS)`;

/** A fresh key in the form parseCredentialsKey reads. */
export const newCredentialsKey = (): string => randomBytes(32).toString('base64');

/**
 * Runs `credentials <sub>`; resolves to the exit code. `openDb` is called only for `rotate`, after
 * the keys were read, so a bad key fails before anything is opened.
 */
export async function credentialsCommand(
  sub: string | undefined,
  openDb: () => Promise<Db>,
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = console.log,
): Promise<number> {
  if (sub === 'new-key') {
    out(newCredentialsKey());
    return 0;
  }
  if (sub === 'rotate') {
    const keyring = keyringFromEnv(env);
    const db = await openDb();
    try {
      const n = await rotateCredentials(db, keyring);
      out(`Re-encrypted ${n} credential${n === 1 ? '' : 's'} under key ${keyring.current.id}.`);
    } finally {
      await db.close();
    }
    return 0;
  }
  out(`Usage:\n${CREDENTIALS_USAGE}`);
  return 1;
}
