// Two local HTTP servers for the browser parts of the benchmark:
// - the site (http://127.0.0.1:PORT): serves the demo page with one tracker's snippet in <head>;
// - the sink (http://localhost:PORT): plays every vendor's CDN and collector. It serves the trackers'
//   files and the few configuration documents they fetch, accepts any POST at any path (recording
//   the body and header bytes), and answers CORS as a vendor endpoint would.
// Two hosts, as in production: the page's first-party cookies never reach the collector.
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html; charset=utf-8', '.json': 'application/json' };

/** Bytes of the request line and headers as they arrived (HTTP/1.1, CRLF-terminated). */
function headerBytes(req) {
  let n = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`);
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    n += Buffer.byteLength(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`);
  }
  return n + 2;
}

function listen(server, host = '127.0.0.1') {
  return new Promise((resolve) => server.listen(0, host, () => resolve(server.address().port)));
}

/**
 * @param {object} o
 * @param {string} o.pageTemplate  HTML with a `<!--TRACKER-->` placeholder in <head>
 * @param {(id: string, sink: string) => string | undefined} o.headFor  snippet of one tracker variant
 * @param {Map<string, string>} o.files  sink path -> file on disk
 * @param {[string, string][]} [o.dirs]  sink path prefix -> folder served as it is at request time
 * @param {Map<string, {type: string, body: string}>} o.docs  sink path -> a vendor's configuration document
 */
export async function startServers({ pageTemplate, headFor, files, docs, dirs = [] }) {
  /** Every request the sink saw, in order. */
  const log = [];
  const sink = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const origin = req.headers.origin;
      const cors = origin
        ? {
            'access-control-allow-origin': origin,
            'access-control-allow-credentials': 'true',
            'access-control-allow-headers': req.headers['access-control-request-headers'] || '*',
            'access-control-allow-methods': 'GET, POST, OPTIONS',
            'access-control-max-age': '600',
            vary: 'Origin',
          }
        : {};
      const entry = {
        t: performance.now(),
        method: req.method,
        path: url.pathname,
        query: url.search,
        contentType: req.headers['content-type'] || '',
        bodyBytes: body.length,
        headerBytes: headerBytes(req),
        body: req.method === 'POST' ? body : undefined,
        responseBytes: 0,
      };
      log.push(entry);
      const send = (status, type, payload) => {
        const buf = payload === undefined ? Buffer.alloc(0) : Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
        entry.responseBytes = buf.length;
        res.writeHead(status, { ...cors, ...(type ? { 'content-type': type } : {}), 'content-length': buf.length, 'cache-control': 'no-store' });
        res.end(buf);
      };
      if (req.method === 'OPTIONS') return send(204);
      if (req.method === 'POST') {
        // Our server answers /api/sync with the contract's body; every peer accepts any 200.
        if (url.pathname === '/api/sync') return send(200, 'application/json', '{"status":"synced","score":0,"accepted":1}');
        return send(200, 'application/json', '{}');
      }
      const dir = dirs.find(([prefix]) => url.pathname.startsWith(prefix));
      const rel = dir && normalize(decodeURIComponent(url.pathname.slice(dir[0].length)));
      const file = files.get(url.pathname) ?? (dir && !rel.startsWith('..') ? join(dir[1], rel) : undefined);
      if (file && existsSync(file) && statSync(file).isFile()) {
        return send(200, TYPES[extname(file)] || 'application/octet-stream', readFileSync(file));
      }
      const doc = docs.get(url.pathname);
      if (doc) return send(200, doc.type, doc.body);
      if (/\.m?js$/.test(url.pathname)) return send(404, 'text/plain', 'not found');
      // Any other GET (feature flags, remote config) gets an empty JSON object, which every peer
      // treats as "nothing configured".
      return send(200, 'application/json', '{}');
    });
  });

  const sinkPort = await listen(sink);
  const sinkOrigin = `http://localhost:${sinkPort}`;

  const site = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const m = /^\/page\/([\w-]+)$/.exec(url.pathname);
    const head = m ? headFor(m[1], sinkOrigin) : undefined;
    if (head === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    const html = pageTemplate.replace('<!--TRACKER-->', head);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  const sitePort = await listen(site);

  return {
    sinkOrigin,
    siteOrigin: `http://127.0.0.1:${sitePort}`,
    log,
    async close() {
      await Promise.all([site, sink].map((s) => new Promise((r) => { s.closeAllConnections?.(); s.close(() => r()); })));
    },
  };
}
