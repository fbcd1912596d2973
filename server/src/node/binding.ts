/**
 * The Node binding: serves a Web-standard handler over node:http, streaming request bodies in
 * (so the 64 KiB cap applies while reading) and responses out (so the live stream flows), with
 * optional static folders for the demo pages.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ConnInfo } from '../http/client.js';
import type { BodyRate } from './body-rate.js';
import { bodyReader } from './body.js';
import { isHandlerPath } from '../routes/table.js';
import { findStatic, sendStatic, type StaticDir } from './static.js';
import type { AssetServer } from './assets.js';
import { NodeRequest } from './request.js';
import { knownBody } from '../http/http.js';

export type { StaticDir } from './static.js';

export type WebHandler = (request: Request, info?: ConnInfo) => Promise<Response>;

export interface NodeServerOptions {
  handler: WebHandler;
  /**
   * Folders served for GET/HEAD requests outside /api/ and /healthz, e.g.
   * `[{ prefix: '/', dir: 'examples' }, { prefix: '/dist/', dir: 'dist' }]`.
   * Later pages (a live view, more demos) only need to be dropped into one of them.
   */
  staticDirs?: StaticDir[];
  /** The tracker's files, compressed and cached in memory (see assets.ts); tried before the folders. */
  assets?: AssetServer;
  /** Time to receive a request's headers, ms (default 10 000). */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, headers and body, ms (default 30 000). */
  requestTimeoutMs?: number;
  /** A body must arrive at least this fast, after a grace period (default 1 KiB/s after 5 s). */
  minBodyRate?: Partial<BodyRate>;
  /** Open connections at most; more are refused at once (default 1000). */
  maxConnections?: number;
  /** How long an idle keep-alive connection stays open, ms (default 5000). */
  keepAliveTimeoutMs?: number;
}

interface Tracking {
  active: Set<ServerResponse>;
  draining: boolean;
}

const tracking = new WeakMap<Server, Tracking>();

/** Requests being answered now (0 for a server this module did not create). */
export const inFlight = (server: Server): number => tracking.get(server)?.active.size ?? 0;

/** From now on every response closes its connection (graceful shutdown: keep-alive ends with the request). */
export function startDraining(server: Server): void {
  const t = tracking.get(server);
  if (t) t.draining = true;
}

async function writeResponse(res: ServerResponse, response: Response, head: boolean, closeAfter: boolean): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  if (closeAfter) headers.connection = 'close';
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  if (!response.body || head) {
    res.end();
    return;
  }
  // Every JSON answer: its bytes as json() made them, without reading them back through the stream.
  const known = knownBody(response);
  if (known) {
    res.end(known);
    return;
  }
  if (headers['content-length'] !== undefined) {
    // A body of known length goes out with the headers in one write.
    res.end(new Uint8Array(await response.arrayBuffer()));
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Flush each chunk at once: server-sent events must not wait in a buffer.
      if (!res.write(value)) await new Promise((r) => res.once('drain', r));
    }
  } catch {
    // The client went away, or the stream dropped a viewer that did not read: whatever the socket
    // still holds for it is discarded rather than kept until it reads.
    res.destroy();
    return;
  }
  res.end();
}

export function createNodeServer(options: NodeServerOptions): Server {
  const { handler } = options;
  const t: Tracking = { active: new Set(), draining: false };
  const rate: BodyRate = { bytesPerSecond: 1024, graceMs: 5000, ...options.minBodyRate };
  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
    t.active.add(res);
    res.on('close', () => t.active.delete(res));
    void (async () => {
      const state = { abandoned: false };
      const request: NodeRequest = new NodeRequest(req, bodyReader(req, state, () => request.clientGone(), rate));
      // Only a client that left before its answer was sent aborts (an abort costs an exception and an event).
      res.on('close', () => {
        if (!res.writableFinished) request.clientGone();
      });
      try {
        if (options.assets?.(req, res)) return;
        if (options.staticDirs?.length && (req.method === 'GET' || req.method === 'HEAD')) {
          const pathname = new URL(req.url ?? '/', 'http://x').pathname;
          const file = isHandlerPath(pathname) ? undefined : await findStatic(options.staticDirs, pathname);
          if (file) {
            await sendStatic(res, file, req.method === 'HEAD');
            return;
          }
        }
        // Request-shaped (see request.ts): the handlers read only what a Request offers.
        const response = await handler(request as unknown as Request, { remoteAddress: req.socket.remoteAddress });
        await writeResponse(res, response, req.method === 'HEAD', state.abandoned || t.draining);
      } catch {
        // The handler turns every error into a response; this is a transport failure.
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end('{"status":"error","error":"storage_error","message":"The server failed."}');
        } else res.destroy();
      }
    })();
    },
  );
  server.maxConnections = options.maxConnections ?? 1000;
  tracking.set(server, t);
  return server;
}

/** Starts listening; resolves to the base URL. */
export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolvePromise(`http://${host.includes(':') ? `[${host}]` : host}:${actual}`);
    });
  });
}
