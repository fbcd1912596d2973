/**
 * An OAuth access token for the Google Ads API from the stored refresh token, through Google's
 * own client (google-auth-library's OAuth2Client), loaded when first needed so that nothing of it
 * is in the Web-standard entry. Failures come back as AdsAuthError with Google's OAuth error code
 * only: the library's own error carries the request (refresh token, client secret) and is never
 * logged or shown.
 */
import type { AdsCredentials } from './credentials.js';

/** Google's token endpoint; tests point `tokenUrl` at a local stand-in. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The refresh failed: `code` is Google's OAuth error (`invalid_grant` = revoked or expired). */
export class AdsAuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdsAuthError';
  }
}

export type AccessTokenSource = () => Promise<string>;

/** A function that returns a valid access token, refreshing it when Google's has expired. */
export async function accessTokens(credentials: AdsCredentials, tokenUrl: string = GOOGLE_TOKEN_URL): Promise<AccessTokenSource> {
  const { OAuth2Client } = await import('google-auth-library');
  const client = new OAuth2Client({
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    endpoints: { oauth2TokenUrl: tokenUrl },
  });
  client.setCredentials({ refresh_token: credentials.refreshToken });
  return async () => {
    try {
      const { token } = await client.getAccessToken();
      if (!token) throw new AdsAuthError('no_token', 'Google answered without an access token.');
      return token;
    } catch (err) {
      if (err instanceof AdsAuthError) throw err;
      const e = err as { response?: { status?: number; data?: { error?: unknown; error_description?: unknown } }; code?: unknown };
      const data = e.response?.data;
      const code = typeof data?.error === 'string' ? data.error : e.response?.status ? `http_${e.response.status}` : 'network';
      const described = typeof data?.error_description === 'string' ? data.error_description.slice(0, 200) : '';
      const hint = code === 'invalid_grant' ? ' The refresh token was revoked or has expired: run `opsmantik ads connect` again.' : '';
      throw new AdsAuthError(code, `Google refused the token refresh (${code})${described ? `: ${described}` : ''}.${hint}`);
    }
  };
}
