/**
 * The README's size figures are what size-limit measures (so they never drift), and the tracker
 * bundles carry none of valibot, which src/wire.ts uses for the server's validation only.
 * Needs `npm run build` first (`npm test` builds before it runs vitest).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireBuild } from '../support/build.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(`${root}/${file}`, 'utf8');

interface Measured {
  name: string;
  size: number;
  sizeLimit: number;
  passed: boolean;
}

const requireDist = () => requireBuild(['dist/opsmantik.min.js', 'dist/index.js', 'dist/opsmantik-fp.mjs']);

/** The rows of the README's size section: `| name | 1,234 B | 2,500 B |`. */
function readmeFigures(): Map<string, number> {
  const readme = read('README.md');
  const section = /<!-- size:start -->([\s\S]*?)<!-- size:end -->/.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no <!-- size:start --> ... <!-- size:end --> section.');
  const rows = new Map<string, number>();
  for (const [, name, size] of section.matchAll(/^\|\s*(.+?)\s*\|\s*([\d,]+) B\s*\|/gm)) rows.set(name!, Number(size!.replace(/,/g, '')));
  return rows;
}

describe('sizes', () => {
  it('the README states exactly what size-limit measures', { timeout: 120_000 }, () => {
    requireDist();
    const out = execFileSync('npx', ['size-limit', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    const measured = JSON.parse(out.slice(out.indexOf('['))) as Measured[];
    const table = measured.map((m) => `| ${m.name} | ${m.size.toLocaleString('en-US')} B | ${m.sizeLimit.toLocaleString('en-US')} B |`).join('\n');
    const readme = readmeFigures();
    expect(Object.fromEntries(readme), `Paste into the README's size section:\n${table}\n`).toEqual(
      Object.fromEntries(measured.map((m) => [m.name, m.size])),
    );
    for (const m of measured) expect(m.passed, `${m.name}: ${m.size} B over its ${m.sizeLimit} B budget`).toBe(true);
  });

  it('none of valibot reaches the tracker bundles', () => {
    requireDist();
    for (const file of ['dist/opsmantik.min.js', 'dist/index.js', 'dist/index.cjs', 'dist/demo/npm-spa.js']) {
      const code = read(file);
      // An import of the package, or its schema code ('~run' is on every valibot schema).
      expect(code, file).not.toMatch(/valibot|~run|strict_object/);
    }
  });
});
