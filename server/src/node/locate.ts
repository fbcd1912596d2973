/**
 * Finds the package's folders (examples/, dist/, sql/) from wherever this code runs: the sources
 * (src/server/*.ts), the build (dist/server/*.js) or an installed package. Both layouts sit two
 * levels below the package root; the working directory is the last resort.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageDir(name: string): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(fileURLToPath(new URL(`../../${name}`, import.meta.url)));
  } catch {
    /* no file URL (bundled elsewhere) */
  }
  candidates.push(resolve(process.cwd(), name));
  return candidates.find((dir) => existsSync(dir));
}
