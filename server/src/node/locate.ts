/**
 * Finds folders on disk from wherever this code runs (the sources under server/src, the build under
 * server/dist, or an installed package): walk up from this file to the package.json of the package
 * that owns the folder. The server owns sql/ and dashboard/; the tracker package (`opsmantik`, the
 * repository root in a checkout) owns the demo pages (examples/) and the built tracker (dist/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_PACKAGE = '@opsmantik/server';
export const TRACKER_PACKAGE = 'opsmantik';

function nameAt(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** The root folder of the package named `name` above this file, or installed beside it. */
export function packageRoot(name: string): string | undefined {
  let dir: string;
  try {
    dir = dirname(fileURLToPath(import.meta.url));
  } catch {
    return undefined; // bundled somewhere without file URLs
  }
  for (let d = dir; ; d = dirname(d)) {
    if (nameAt(d) === name) return d;
    if (dirname(d) === d) break;
  }
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** A folder of the server package (`sql`, `dashboard`), if present. */
export function serverDir(name: string): string | undefined {
  const root = packageRoot(SERVER_PACKAGE);
  const dir = root && join(root, name);
  return dir && existsSync(dir) ? dir : undefined;
}

/** A folder of the tracker package (`dist`, `examples`), if present. */
export function trackerDir(name: string): string | undefined {
  const root = packageRoot(TRACKER_PACKAGE);
  const dir = root && join(root, name);
  return dir && existsSync(dir) ? dir : undefined;
}
