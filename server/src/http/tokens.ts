/**
 * Secrets handed to site owners (the server-to-server secret, the live-stream read token) are
 * stored only as SHA-256 hex digests. Web Crypto keeps this usable outside Node (edge runtimes).
 */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares two equal-length hex digests without an early exit. */
function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** True when `presented` hashes to `storedHash`. */
export async function tokenMatches(presented: string | null | undefined, storedHash: string | null | undefined): Promise<boolean> {
  if (!presented || !storedHash) return false;
  return digestsEqual(await sha256Hex(presented), storedHash.toLowerCase());
}

/** A random URL-safe token of `bytes` random bytes. */
export function randomToken(bytes = 24): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let s = '';
  for (const b of raw) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bearer token of an `Authorization` header, if any. */
export function bearer(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1];
}
