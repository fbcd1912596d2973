import { describe, expect, it } from 'vitest';
import * as server from '../../src/index.js';

describe('opsmantik/server exports', () => {
  it('offers the handler, the Node binding, the database factory and the pure functions', () => {
    for (const name of ['createHandler', 'createNodeServer', 'listen', 'serve', 'openDb', 'migrate', 'createSite', 'leadScore', 'attribute']) {
      expect(typeof (server as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(server.DEFAULT_LIMITS).toEqual({ sync: 100, call: 50, windowSeconds: 60 });
    expect(server.DEMO_SITE).toBe('demo');
  });
});
