/**
 * The tracker's files, served by `opsmantik serve` in production: `/opsmantik.min.js` (the script
 * tag), `/opsmantik.debug.js` (its readable twin) and `/opsmantik-fp.mjs` (the fingerprint module
 * the script imports after consent). Each is read once, compressed once (brotli and gzip), and
 * answered from memory by Accept-Encoding, with an ETag (304 on a match) and CORS, since a site's
 * pages load them from this server's origin and module imports need CORS.
 *
 * Caching: the script's URL is stable (the site's snippet names it), so it is cached briefly and
 * revalidated; the script imports the module as `opsmantik-fp.mjs?<content hash>` (see
 * rollup.config.mjs), and that exact URL is immutable.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Hex digits of the module's SHA-256 in the URL the script imports (FP_HASH_LENGTH in scripts/rollup-parts.mjs). */
export const FP_HASH_LENGTH = 8;

export const TRACKER_FILES = ['opsmantik.min.js', 'opsmantik.debug.js', 'opsmantik-fp.mjs'] as const;

interface Asset {
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
  etag: string;
  /** The query that marks the immutable URL (the fingerprint module's content hash), if any. */
  version?: string;
}

/** A request for one of the assets, answered; false when the path is not one of them. */
export type AssetServer = (req: IncomingMessage, res: ServerResponse) => boolean;

const SHORT_CACHE = 'public, max-age=300, stale-while-revalidate=86400';
const IMMUTABLE = 'public, max-age=31536000, immutable';

function load(file: string, versioned: boolean): Asset {
  const identity = readFileSync(file);
  const sha = createHash('sha256').update(identity).digest('hex');
  return {
    identity,
    br: brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
    gzip: gzipSync(identity, { level: 9 }),
    etag: `"${sha.slice(0, 16)}"`,
    ...(versioned ? { version: sha.slice(0, FP_HASH_LENGTH) } : {}),
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

/**
 * Serves the tracker files found in `dir` at `prefix` (default `/`). Throws when a file is missing,
 * so a server that cannot hand out its script says so at start rather than with 404s.
 */
export function trackerAssets(dir: string, prefix = '/'): AssetServer {
  const assets = new Map<string, Asset>();
  for (const name of TRACKER_FILES) assets.set(`${prefix}${name}`, load(join(dir, name), name.endsWith('.mjs')));
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://x');
    const asset = assets.get(url.pathname);
    if (!asset) return false;
    const encoding = pickEncoding(req.headers['accept-encoding']);
    const body = asset[encoding];
    const immutable = asset.version !== undefined && url.search === `?${asset.version}`;
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
