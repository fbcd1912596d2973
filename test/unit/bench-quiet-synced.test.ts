/**
 * The benchmark's "FingerprintJS alone, started when ours starts" page waits as our fingerprint
 * chunk does (bench/lib/trackers.mjs CHUNK_WAIT, which its page script and the report are written
 * from, against src/fingerprint-chunk.ts `quiet`): the same number of looks, the same pause between them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(`${root}/${file}`, 'utf8');
const number = (text: string, pattern: RegExp, what: string) => {
  const m = pattern.exec(text);
  if (!m) throw new Error(`${what} not found`);
  return Number(m[1]);
};

describe('the benchmark page that starts FingerprintJS when our chunk would', () => {
  it("waits with the chunk's looks and pause", () => {
    const chunk = read('src/fingerprint-chunk.ts');
    const page = read('bench/lib/trackers.mjs');
    expect(number(page, /CHUNK_WAIT = \{ looks: (\d+),/, 'CHUNK_WAIT.looks')).toBe(number(chunk, /const LOOKS = (\d+);/, 'LOOKS'));
    expect(number(page, /CHUNK_WAIT = \{ looks: \d+, pauseMs: (\d+) \}/, 'CHUNK_WAIT.pauseMs')).toBe(number(chunk, /const QUIET_MS = (\d+);/, 'QUIET_MS'));
  });
});
