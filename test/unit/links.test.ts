/**
 * Every relative link in the repository's Markdown points at a file inside the repository, so a
 * clone (or the npm package) never sends a reader to a page it does not have.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const markdown = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && !f.includes('node_modules/'));

describe('links in Markdown', () => {
  it('finds the Markdown files', () => {
    expect(markdown).toContain('README.md');
    expect(markdown).toContain('docs/contract.md');
  });

  it('every relative link resolves to a file inside the repository', () => {
    const broken: string[] = [];
    for (const file of markdown) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // absolute URL or fragment only
        const path = resolve(root, dirname(file), target);
        const inside = !relative(root, path).startsWith('..');
        if (!inside || !existsSync(path)) broken.push(`${file}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the repository has a licence file', () => {
    expect(existsSync(join(root, 'LICENSE'))).toBe(true);
  });
});
