/**
 * The part of the Edge Function that is not Deno-specific, so it can be tested under any
 * Web-standard runtime: Supabase hands the function requests at `/<function name>/...` (the
 * `/functions/v1` of the public address is already gone), while the OpsMantik handler serves
 * `/api/sync`, `/api/call-event`, `/api/live`, `/api/sessions` and `/healthz` at the root.
 */

/** The handler's shape: `(request, connection info) => Promise<Response>`. */
export type WebHandler = (request: Request, info?: { remoteAddress?: string }) => Promise<Response>;

/**
 * Serves `handler` below `prefix` (e.g. `/opsmantik`): the prefix is taken off the path before the
 * handler sees the request; anything outside it is a 404 in the handler's error format.
 */
export function mountAt(prefix: string, handler: WebHandler): WebHandler {
  const base = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  return (request, info) => {
    const url = new URL(request.url);
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) {
      return Promise.resolve(
        Response.json(
          { status: 'error', error: 'not_found', message: `This function serves paths below ${base}/.` },
          { status: 404 },
        ),
      );
    }
    url.pathname = url.pathname.slice(base.length) || '/';
    // A new Request with the same method, headers, body and signal; only the address changes.
    const init: RequestInit & { duplex?: 'half' } = {
      method: request.method,
      headers: request.headers,
      signal: request.signal,
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      init.body = request.body;
      init.duplex = 'half';
    }
    return handler(new Request(url, init), info);
  };
}

export interface EdgeSettings {
  /** PostgreSQL URL: Supabase gives every function SUPABASE_DB_URL (the direct connection). */
  databaseUrl: string;
  /** Shared rate limits across isolates, if a Redis is reachable from the function. */
  redisUrl?: string;
  /** The function's name, i.e. the path prefix it is reached at. */
  prefix: string;
}

/** Reads the settings from the function's environment (`Deno.env.get` there, anything in tests). */
export function settingsFrom(get: (name: string) => string | undefined): EdgeSettings {
  const databaseUrl = get('OPSMANTIK_DATABASE_URL') ?? get('SUPABASE_DB_URL');
  if (!databaseUrl) throw new Error('Set SUPABASE_DB_URL (Supabase sets it) or OPSMANTIK_DATABASE_URL.');
  const redisUrl = get('REDIS_URL');
  return { databaseUrl, prefix: get('OPSMANTIK_FUNCTION_NAME') ?? 'opsmantik', ...(redisUrl ? { redisUrl } : {}) };
}
