/**
 * Static files for the demo (examples/ at /, dist/ at /dist/): GET and HEAD only, no directory
 * listings, no path outside the mounted folder.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

export interface StaticDir {
  /** URL prefix, starting and ending with `/` (`/`, `/dist/`). */
  prefix: string;
  /** Folder on disk. */
  dir: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

/** The file for a URL path, or undefined when no mounted folder has it. Longest prefix first. */
export async function findStatic(dirs: readonly StaticDir[], pathname: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\u0000')) return undefined;
  const sorted = [...dirs].sort((a, b) => b.prefix.length - a.prefix.length);
  for (const { prefix, dir } of sorted) {
    if (!decoded.startsWith(prefix)) continue;
    const root = resolve(dir);
    let file = resolve(join(root, decoded.slice(prefix.length)));
    if (file !== root && !file.startsWith(root + sep)) continue;
    try {
      let s = await stat(file);
      if (s.isDirectory()) {
        file = join(file, 'index.html');
        s = await stat(file);
      }
      if (s.isFile()) return file;
    } catch {
      /* not in this folder */
    }
  }
  return undefined;
}

export async function sendStatic(res: ServerResponse, file: string, head: boolean): Promise<void> {
  const s = await stat(file);
  res.writeHead(200, {
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(s.size),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    // The script tag import()s its fingerprint module from the tracker's origin, which is often not
    // the page's: module scripts need CORS. Everything served here is public, so any origin may read it.
    'access-control-allow-origin': '*',
  });
  if (head) {
    res.end();
    return;
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(file);
    stream.on('error', () => {
      res.destroy();
      done();
    });
    stream.on('end', done);
    stream.pipe(res);
  });
}
