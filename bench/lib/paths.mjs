// Where things are, wherever the benchmark is started from.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH, '..');
export const RESULTS = join(BENCH, 'results');
export const DOCS = join(ROOT, 'docs');
