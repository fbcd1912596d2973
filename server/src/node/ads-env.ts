/**
 * Google Ads settings read from the environment by the server (the periodic upload) and by the
 * `opsmantik ads` commands: Google's endpoints and the upload schedule.
 */
import { keyringFromEnv, type Keyring } from '../store/credentials.js';
import type { UploadJobOptions } from '../ads/upload-job.js';

/** Google's endpoints, overridable for a test against a local stand-in (never needed in production). */
export function googleEndpoints(env: NodeJS.ProcessEnv = process.env): Pick<UploadJobOptions, 'tokenUrl' | 'adsBaseUrl'> {
  return { tokenUrl: env.OPSMANTIK_GOOGLE_TOKEN_URL || undefined, adsBaseUrl: env.OPSMANTIK_GOOGLE_ADS_URL || undefined };
}

/**
 * The server's periodic upload, from the environment: on when OPSMANTIK_CREDENTIALS_KEY is set,
 * every OPSMANTIK_ADS_UPLOAD_MINUTES minutes (default 60; 0 turns it off).
 */
export function adsUploadFromEnv(env: NodeJS.ProcessEnv = process.env): { keyring: Keyring; everyMs: number } & Pick<UploadJobOptions, 'tokenUrl' | 'adsBaseUrl'> | undefined {
  if (!env.OPSMANTIK_CREDENTIALS_KEY) return undefined;
  const minutes = Number(env.OPSMANTIK_ADS_UPLOAD_MINUTES ?? 60);
  if (!Number.isFinite(minutes) || minutes < 0) throw new Error('OPSMANTIK_ADS_UPLOAD_MINUTES must be a number of minutes (0 = off).');
  if (minutes === 0) return undefined;
  return { keyring: keyringFromEnv(env), everyMs: minutes * 60_000, ...googleEndpoints(env) };
}
