/**
 * A tiny local server for real-browser tests: serves files (and in-memory pages), captures every
 * POST to /api/* (a tracker sends only /api/sync), and answers 503 or 429 on demand. Listens on 127.0.0.1:0.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { WireEvent } from '../../src/wire.js';

export interface Received {
  path: string;
  contentType: string;
  /** The parsed body; for /api/sync always a list of events. */
  body: unknown;
  /** What the sink answered. */
  status: number;
}

export interface Sink {
  url: string;
  /** Every POST to /api/*, in arrival order. */
  received: Received[];
  /** Events the sink accepted (answered 200), flattened. */
  events(): WireEvent[];
  /** Answer the next `count` requests to `path` (default /api/sync) with `status` (and a Retry-After in seconds). */
  fail(count: number, status: 503 | 429 | 500, retryAfter?: number, path?: string): void;
  /** Resolves once `check()` holds, re-checking on every request received; rejects after `ms`. */
  until(check: () => boolean, ms?: number, what?: string): Promise<void>;
  /** In-memory pages by path, e.g. '/page.html'. */
  pages: Map<string, string>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/**
 * `root`: the directory served for paths that are not in-memory pages (e.g. the repository);
 * `mounts`: other directories by URL prefix, e.g. `{ '/dist/': repo + '/dist' }`, tried first.
 */
export async function startSink(root: string, mounts: Record<string, string> = {}): Promise<Sink> {
  const received: Received[] = [];
  const pages = new Map<string, string>();
  const failures: { status: number; retryAfter?: number; path: string }[] = [];
  const waiters = new Set<() => void>();

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://sink').pathname;
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    if (req.method === 'POST' && path.startsWith('/api/')) {
      const text = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const at = failures.findIndex((f) => f.path === path);
      const failure = at < 0 ? undefined : failures.splice(at, 1)[0];
      const status = failure?.status ?? 200;
      received.push({ path, contentType: String(req.headers['content-type'] ?? ''), body: path === '/api/sync' && !Array.isArray(body) ? [body] : body, status });
      if (failure?.retryAfter !== undefined) res.setHeader('Retry-After', String(failure.retryAfter));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? JSON.stringify({ status: 'synced', score: 0, accepted: Array.isArray(body) ? body.length : 1 }) : '{"status":"error","error":"storage_error","message":"test"}');
      waiters.forEach((w) => w());
      return;
    }
    const page = pages.get(path);
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': TYPES['.html']! });
      res.end(page);
      return;
    }
    const mount = Object.keys(mounts).find((prefix) => path.startsWith(prefix));
    const base = normalize(mount ? mounts[mount]! : root);
    let file = normalize(join(base, mount ? path.slice(mount.length) : path));
    if (file.endsWith('/')) file += 'index.html';
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const data = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(data);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const sink: Sink = {
    url: `http://127.0.0.1:${port}`,
    received,
    pages,
    events: () => received.filter((r) => r.path === '/api/sync' && r.status === 200).flatMap((r) => r.body as WireEvent[]),
    fail: (count, status, retryAfter, path = '/api/sync') => {
      for (let n = 0; n < count; n++) failures.push({ status, retryAfter, path });
    },
    until: (check, ms = 30_000, what = 'the expected requests') =>
      new Promise<void>((resolve, reject) => {
        if (check()) return resolve();
        const waiter = () => {
          if (!check()) return;
          clearTimeout(timeout);
          waiters.delete(waiter);
          resolve();
        };
        const timeout = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`The sink did not receive ${what} within ${ms} ms; it has: ${JSON.stringify(sink.events().map((e) => [e.ec, e.ea, e.ev ?? e.el]))}`));
        }, ms);
        waiters.add(waiter);
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return sink;
}
