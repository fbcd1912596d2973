/**
 * The tracker installs alone: `npm install opsmantik` brings the tracker and FingerprintJS, nothing
 * of the server (no database drivers, no server code, no SQL).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireBuild } from '../support/build.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { dependencies: Record<string, string>; workspaces: string[] };

describe('the tracker package', () => {
  it('has FingerprintJS 5 (MIT) as its only runtime dependency', () => {
    expect(Object.keys(pkg.dependencies)).toEqual(['@fingerprintjs/fingerprintjs']);
    expect(pkg.dependencies['@fingerprintjs/fingerprintjs']).toMatch(/^\^5\./);
  });

  it('packs the tracker build only, and under 1 MB unpacked', () => {
    requireBuild(['dist/index.js', 'dist/opsmantik.min.js']);
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as {
      files: { path: string }[];
      unpackedSize: number;
    }[];
    const paths = packed!.files.map((f) => f.path);
    expect(paths.filter((p) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(p))).toEqual([]);
    expect(paths.filter((p) => /server|\.sql$|demo\//.test(p))).toEqual([]);
    expect(paths).toContain('dist/opsmantik.min.js');
    expect(paths).toContain('dist/opsmantik-fp.mjs');
    expect(packed!.unpackedSize).toBeLessThan(1_000_000);
  });
});
