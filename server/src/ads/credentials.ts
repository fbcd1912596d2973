/**
 * A site owner's Google Ads API access: OAuth client, refresh token, developer token and customer
 * ids, kept as one JSON document encrypted in user_credentials (provider `google_ads`) through the
 * credentials module. The plain document exists only in memory while the job runs.
 */
import type { Queryable } from '../store/db/types.js';
import { loadCredential, saveCredential, type Keyring } from '../store/credentials.js';

export const ADS_PROVIDER = 'google_ads';

export interface AdsCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  developerToken: string;
  /** The Google Ads account the conversions go to (10 digits, no dashes). */
  customerId: string;
  /** The manager account signed in through, when the account is reached through one. */
  loginCustomerId?: string;
}

/** `123-456-7890` -> `1234567890`; undefined when it is not 10 digits. */
export function normalizeCustomerId(value: string | undefined | null): string | undefined {
  const digits = (value ?? '').replace(/[\s-]/g, '');
  return /^\d{10}$/.test(digits) ? digits : undefined;
}

/** Checks a document read back or typed in; the message names the field, never its value. */
export function checkAdsCredentials(value: unknown): AdsCredentials {
  const v = (value ?? {}) as Record<string, unknown>;
  for (const field of ['clientId', 'clientSecret', 'refreshToken', 'developerToken'] as const) {
    if (typeof v[field] !== 'string' || (v[field] as string).length === 0 || (v[field] as string).length > 2048) {
      throw new Error(`Google Ads credentials: ${field} is missing.`);
    }
  }
  const customerId = normalizeCustomerId(v.customerId as string);
  if (!customerId) throw new Error('Google Ads credentials: customerId must be 10 digits.');
  const login = v.loginCustomerId === undefined ? undefined : normalizeCustomerId(v.loginCustomerId as string);
  if (v.loginCustomerId !== undefined && !login) throw new Error('Google Ads credentials: loginCustomerId must be 10 digits.');
  return {
    clientId: v.clientId as string,
    clientSecret: v.clientSecret as string,
    refreshToken: v.refreshToken as string,
    developerToken: v.developerToken as string,
    customerId,
    ...(login ? { loginCustomerId: login } : {}),
  };
}

export async function saveAdsCredentials(db: Queryable, keyring: Keyring, userId: string, credentials: AdsCredentials): Promise<void> {
  await saveCredential(db, keyring, userId, ADS_PROVIDER, JSON.stringify(checkAdsCredentials(credentials)));
}

export async function loadAdsCredentials(db: Queryable, keyring: Keyring, userId: string): Promise<AdsCredentials | null> {
  const plain = await loadCredential(db, keyring, userId, ADS_PROVIDER);
  return plain === null ? null : checkAdsCredentials(JSON.parse(plain));
}
