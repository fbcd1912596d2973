/**
 * The tests that load the build (dist/) fail at once, saying what to do, when it is not there.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Throws unless every file (a path from the repository root, e.g. 'dist/index.js') exists. */
export function requireBuild(files: readonly string[]): void {
  for (const file of files) {
    if (!existsSync(`${root}/${file}`)) throw new Error(`${file} is missing: run \`npm run build\` first.`);
  }
}
