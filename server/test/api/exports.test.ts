import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as web from '../../src/index.js';
import * as node from '../../src/node.js';
import { requireBuild } from '../../../test/support/build.js';

const fnames = (m: object, names: string[]) => names.filter((n) => typeof (m as Record<string, unknown>)[n] !== 'function');

describe('@opsmantik/server exports', () => {
  it('the Web-standard entry offers the handler, the database factory and the pure functions', () => {
    expect(fnames(web, ['createHandler', 'openDb', 'createSite', 'leadScore', 'attribute', 'clientAddress'])).toEqual([]);
    expect(web.DEFAULT_LIMITS).toEqual({ sync: 100, call: 50, windowSeconds: 60 });
    // The Node-only parts are not in it.
    expect(Object.keys(web)).not.toContain('serve');
    expect(Object.keys(web)).not.toContain('migrate');
  });

  it('the Node entry adds the binding, serve, migrations and the demo', () => {
    expect(fnames(node, ['createHandler', 'createNodeServer', 'listen', 'serve', 'openDb', 'migrate', 'createSite', 'createDemoSite'])).toEqual([]);
    expect(node.DEMO_SITE).toBe('demo');
  });

  it('the built Web-standard entry loads no Node built-in and no database driver at module load', () => {
    requireBuild(['server/dist/index.js']);
    // Follow static imports from dist/index.js through its chunks; dynamic import() is allowed.
    const seen = new Set<string>();
    const bare: string[] = [];
    const visit = (file: URL) => {
      if (seen.has(file.href)) return;
      seen.add(file.href);
      const code = readFileSync(file, 'utf8');
      for (const m of code.matchAll(/^(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm)) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith('.')) visit(new URL(spec, file));
        else bare.push(spec);
      }
    };
    visit(new URL('../../dist/index.js', import.meta.url));
    expect(bare.filter((s) => s.startsWith('node:') || ['postgres', '@electric-sql/pglite', 'ioredis', 'rate-limiter-flexible'].includes(s))).toEqual([]);
    expect(seen.size).toBeGreaterThan(1);
  });
});
