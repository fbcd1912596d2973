/**
 * The tracker's files, served by `opsmantik serve` in production: `/opsmantik.min.js` (the script
 * tag), `/opsmantik.debug.js` (its readable twin) and `/opsmantik-fp.mjs` (the fingerprint module
 * the script imports after consent). Each is read once, compressed once (brotli and gzip), and
 * answered from memory by Accept-Encoding, with an ETag (304 on a match) and CORS, since a site's
 * pages load them from this server's origin and module imports need CORS.
 *
 * Caching: the script's URL is stable (the site's snippet names it), so it is cached briefly and
 * revalidated. The script served here imports the module as `opsmantik-fp.mjs?<content hash>`
 * (rewritten at load, so the build a site hosts itself stays plain), and that exact URL is immutable.
 *
 * `/opsmantik.min.js?site=ID`: the same script with the site id set before it runs, for loaders that
 * cannot give the script tag a `data-site` attribute (GTM's injectScript); a data-site wins.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Hex digits of the module's SHA-256 in the URL the served script imports. */
export const FP_HASH_LENGTH = 8;

export const TRACKER_FILES = ['opsmantik.min.js', 'opsmantik.debug.js', 'opsmantik-fp.mjs'] as const;
const MODULE = 'opsmantik-fp.mjs';
/** Public ids as `opsmantik site create` makes them, and the demo's. */
const SITE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Per-site variants kept in memory at most (oldest dropped first); each is about 5 KB in three encodings. */
const MAX_VARIANTS = 1000;

interface Asset {
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
  etag: string;
}

/** A request for one of the assets, answered; false when the path is not one of them. */
export type AssetServer = (req: IncomingMessage, res: ServerResponse) => boolean;

const SHORT_CACHE = 'public, max-age=300, stale-while-revalidate=86400';
const IMMUTABLE = 'public, max-age=31536000, immutable';

function encode(identity: Buffer): Asset {
  return {
    identity,
    br: brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
    gzip: gzipSync(identity, { level: 9 }),
    etag: `"${createHash('sha256').update(identity).digest('hex').slice(0, 16)}"`,
  };
}

/** Picks brotli, then gzip, then none, as the client accepts them (q=0 refuses). */
export function pickEncoding(header: string | undefined): 'br' | 'gzip' | 'identity' {
  const accepted = new Map<string, number>();
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name, q ? Number(q.slice(2)) || 0 : 1);
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}

/** The script with its module import versioned; throws when the build names no module (a mismatched build). */
function versioned(script: string, version: string): string {
  const named = script.replace(/(["'`])opsmantik-fp\.mjs(?:\?[0-9a-f]*)?\1/g, (_, q: string) => `${q}${MODULE}?${version}${q}`);
  if (named === script) throw new Error(`The tracker script does not import ${MODULE}: rebuild the tracker.`);
  return named;
}

/** Sets the site id before the script reads it, unless the tag has its own data-site. */
const withSite = (script: string, site: string) =>
  `(function(s){s&&!s.dataset.site&&(s.dataset.site=${JSON.stringify(site)})})(document.currentScript);\n${script}`;

/**
 * Serves the tracker files found in `dir` at `prefix` (default `/`). Throws when a file is missing,
 * so a server that cannot hand out its script says so at start rather than with 404s.
 */
export function trackerAssets(dir: string, prefix = '/'): AssetServer {
  const module = readFileSync(join(dir, MODULE));
  const version = createHash('sha256').update(module).digest('hex').slice(0, FP_HASH_LENGTH);
  const scripts = new Map<string, string>();
  const assets = new Map<string, Asset>([[`${prefix}${MODULE}`, encode(module)]]);
  for (const name of TRACKER_FILES) {
    if (name === MODULE) continue;
    const script = versioned(readFileSync(join(dir, name), 'utf8'), version);
    scripts.set(`${prefix}${name}`, script);
    assets.set(`${prefix}${name}`, encode(Buffer.from(script)));
  }
  const variants = new Map<string, Asset>();
  const variant = (path: string, site: string): Asset => {
    const key = `${path}\n${site}`;
    let found = variants.get(key);
    if (!found) {
      if (variants.size >= MAX_VARIANTS) variants.delete(variants.keys().next().value!);
      found = encode(Buffer.from(withSite(scripts.get(path)!, site)));
      variants.set(key, found);
    }
    return found;
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://x');
    let asset = assets.get(url.pathname);
    if (!asset) return false;
    const site = url.searchParams.get('site');
    if (site !== null && scripts.has(url.pathname)) {
      if (!SITE_ID.test(site)) {
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' });
        res.end(JSON.stringify({ status: 'error', error: 'invalid_query', message: 'site must be a public id: letters, digits, - and _, at most 64.' }));
        return true;
      }
      asset = variant(url.pathname, site);
    }
    const encoding = pickEncoding(req.headers['accept-encoding']);
    const body = asset[encoding];
    const immutable = url.pathname === `${prefix}${MODULE}` && url.search === `?${version}`;
    const headers: Record<string, string> = {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': immutable ? IMMUTABLE : SHORT_CACHE,
      etag: asset.etag,
      vary: 'Accept-Encoding',
      'x-content-type-options': 'nosniff',
      // Any site's pages load these; a module import needs CORS, and CORP lets isolated pages embed them.
      'access-control-allow-origin': '*',
      'cross-origin-resource-policy': 'cross-origin',
    };
    if (encoding !== 'identity') headers['content-encoding'] = encoding;
    const match = req.headers['if-none-match'];
    if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === asset.etag)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    headers['content-length'] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
