/**
 * Who is asking and where: the client's address and the origin the handler answers on, taking
 * proxy headers only when the operator said how many proxies are trusted.
 */

/** What the transport knows about the connection (the Node binding passes the socket address). */
export interface ConnInfo {
  remoteAddress?: string;
}

export type TrustProxy = boolean | number | undefined;

const hopsOf = (trustProxy: TrustProxy) => (trustProxy === true ? 1 : typeof trustProxy === 'number' ? trustProxy : 0);

export function clientAddress(request: Request, info: ConnInfo | undefined, trustProxy: TrustProxy): string {
  const hops = hopsOf(trustProxy);
  if (hops > 0) {
    const chain = (request.headers.get('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    // Each trusted proxy appends the address it saw; the one `hops` from the end is the client.
    const candidate = chain[chain.length - hops];
    if (candidate) return candidate;
  }
  return info?.remoteAddress ?? 'unknown';
}

/** The origin this handler answers on, as the browser sees it (proxy headers only when trusted). */
export function ownOrigin(request: Request, trustProxy: TrustProxy): string {
  const url = new URL(request.url);
  if (hopsOf(trustProxy) > 0) {
    const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
    const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
    if (host) return `${proto ?? url.protocol.replace(':', '')}://${host}`;
  }
  return url.origin;
}
