#!/usr/bin/env node
// The `opsmantik` command. A committed file rather than the build itself, so that npm links the
// command in a fresh checkout too (it links only files that exist at install time).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/node/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('opsmantik: the server is not built yet: run `npm run build` in the repository first.');
  process.exit(1);
}
await import(cli.href);
