/**
 * HTTP plumbing for the Web-standard handler: JSON responses, the one error type, body reading
 * capped while it streams, content-type and CORS rules. Nothing here knows about storage.
 */
import { MAX_BODY_BYTES, type ErrorCode, type WireError } from '../wire.js';

/** A failure that becomes a 4xx/5xx response in exactly one place (the handler's catch). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const encoder = new TextEncoder();

/** The bytes each json() response was made from: a server may send them without reading the body stream. */
const bodies = new WeakMap<Response, Uint8Array>();

/** The body json() gave this response, while its stream is unread (else undefined: read the stream). */
export const knownBody = (response: Response): Uint8Array | undefined => (response.bodyUsed ? undefined : bodies.get(response));

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const bytes = encoder.encode(JSON.stringify(body));
  const response = new Response(bytes, {
    status,
    headers: {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      // A known length lets the Node binding send headers and body in one write, without chunking.
      'content-length': String(bytes.byteLength),
    },
  });
  bodies.set(response, bytes);
  return response;
}

export function errorResponse(err: HttpError): Response {
  const body: WireError = { status: 'error', error: err.code, message: err.message };
  return json(body, err.status, err.headers);
}

const JSON_TYPES = new Set(['application/json', 'text/plain']);

/**
 * Accepts `application/json` (fetch) and `text/plain` (sendBeacon, which avoids a preflight),
 * in UTF-8 only: the wire format is UTF-8 JSON whatever the label says.
 */
export function checkContentType(request: Request): void {
  const header = request.headers.get('content-type');
  if (!header) throw new HttpError(415, 'unsupported_content_type', 'Send the body as application/json or text/plain.');
  const [type = '', ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  if (!JSON_TYPES.has(type)) {
    throw new HttpError(415, 'unsupported_content_type', `Content type ${type || '(empty)'} is not accepted; send application/json or text/plain.`);
  }
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((s) => s.trim());
    if (name === 'charset' && !['utf-8', 'utf8'].includes(value.replace(/"/g, ''))) {
      throw new HttpError(415, 'unsupported_content_type', 'Only the UTF-8 charset is accepted.');
    }
  }
}

/** A request whose transport reads its body into bytes itself, with the same cap (node/request.ts). */
export interface DirectBody {
  readBodyUpTo(limit: number, tooLarge: () => Error): Promise<Uint8Array>;
}

const tooLarge = (limit: number) =>
  new HttpError(413, 'body_too_large', `The body is larger than ${limit} bytes.`);

/**
 * Reads the body as bytes, stopping as soon as it passes `limit`: an oversized upload is refused
 * after `limit` bytes, never buffered whole. A declared Content-Length over the limit is refused
 * before reading anything.
 */
export async function readBodyCapped(request: Request, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  // A transport that reads the body itself (the Node binding) skips the web stream's per-chunk promises.
  if (typeof (request as Partial<DirectBody>).readBodyUpTo === 'function') return (request as unknown as DirectBody).readBodyUpTo(limit, () => tooLarge(limit));
  return request.body ? readStreamCapped(request.body, limit, () => tooLarge(limit)) : new Uint8Array(0);
}

/** A body stream read into bytes, cancelled as soon as it passes `limit`. */
export async function readStreamCapped(body: ReadableStream<Uint8Array>, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Stop the upload: the rest of the stream is never read. Not awaited: cancelling one branch of
      // a teed body (a cloned request) settles only once the other branch is cancelled too.
      void reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Decodes UTF-8 strictly and parses JSON; both failures are the client's (400). */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

/**
 * CORS for the two write endpoints. The answer to a preflight cannot depend on the site (a
 * preflight has no body), so it is open; the POST itself is checked against the site's origins.
 * Error responses carry the headers too, so the tracker can read a 429's Retry-After.
 */
export function corsHeaders(request: Request): Record<string, string> {
  const origin = request.headers.get('origin');
  if (!origin) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'Retry-After',
    vary: 'Origin',
  };
}

export function preflight(request: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(request),
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'Content-Type, Authorization',
      'access-control-max-age': '86400',
    },
  });
}

/** The request's JSON body: content type checked, size capped while reading, then parsed. */
export async function readJson(request: Request): Promise<unknown> {
  checkContentType(request);
  // Unsafe keys and strings are refused by parseSyncBody / parseCallBody, on the raw body.
  return parseJsonBytes(await readBodyCapped(request));
}
