/**
 * The demo server for the end-to-end tests, on either backend: the real handler behind the real
 * Node binding, examples/ at / and dist/ at /dist/, and the demo site (public id `demo`). A gate in
 * front of the handler lets a test make /api/* answer 503 for a while, as a failing database would.
 */
import { createHandler } from '../../../src/http/handler.js';
import { createNodeServer, listen } from '../../../src/node/binding.js';
import { dashboardStaticDirs, demoStaticDirs } from '../../../src/node/serve.js';
import { createDemoSite } from '../../../src/node/demo.js';
import type { CreatedSite } from '../../../src/store/sites.js';
import type { Db } from '../../../src/store/db/types.js';
import type { LogEntry } from '../../../src/http/log.js';
import { requireBuild } from '../../../../test/support/build.js';
import { freshDb, type Backend } from '../../support/db.js';

export interface DemoServer {
  url: string;
  db: Db;
  demo: CreatedSite;
  /** Answers from the handler, in order (method, path, status). */
  log: LogEntry[];
  /** While set, requests to the paths it matches get a 503 without reaching the handler. */
  failing: RegExp | undefined;
  /** How many requests the gate refused. */
  refused: number;
  /** The next this many requests to `loseOn` (default /api/sync) are handled, then answered 503 anyway (a response lost on the way back). */
  loseResponses: number;
  loseOn: RegExp;
  /** Client event ids (`i`) that reached the server in /api/sync bodies for a session id, whatever the answer. */
  received(sid: string): Set<string>;
  /** The events behind those ids, as last received (for failure messages). */
  receivedEvents(sid: string): Record<string, unknown>[];
  /** The live view's address, token in the fragment as the CLI prints it. */
  liveUrl(): string;
  /** The dashboard (sign-in with the live token). */
  dashboardUrl(): string;
  close(): Promise<void>;
}

/** Fails early, and clearly, when the build the demo pages load is missing. */

export async function startDemoServer(kind: Backend, options: { checkBuild?: boolean } = {}): Promise<DemoServer> {
  if (options.checkBuild !== false) requireBuild(['dist/opsmantik.min.js', 'dist/demo/npm-spa.js']);
  const fresh = await freshDb(kind);
  const log: LogEntry[] = [];
  const handler = createHandler({
    db: fresh.db,
    // The tests send more than a visitor would in a minute; the limiter has tests of its own.
    limits: { sync: 100_000, call: 100_000 },
    siteCacheMs: 0,
    log: (e) => {
      if (e.msg === 'request') log.push(e);
    },
  });
  const state = { failing: undefined as RegExp | undefined, loseResponses: 0, loseOn: /^\/api\/sync$/, refused: 0 };
  const received = new Map<string, Map<string, Record<string, unknown>>>();
  const record = async (request: Request) => {
    try {
      const body = JSON.parse(await request.text()) as unknown;
      for (const e of (Array.isArray(body) ? body : [body]) as { sid?: unknown; i?: unknown }[]) {
        if (typeof e?.sid !== 'string' || typeof e.i !== 'string') continue;
        const sid = e.sid.toLowerCase();
        if (!received.has(sid)) received.set(sid, new Map());
        received.get(sid)!.set(e.i, e);
      }
    } catch {
      /* not JSON: the handler answers it */
    }
  };
  const outage = (request: Request) =>
    new Response('{"status":"error","error":"storage_error","message":"Injected outage."}', {
      status: 503,
      headers: { 'content-type': 'application/json', 'access-control-allow-origin': request.headers.get('origin') ?? '*' },
    });
  const server = createNodeServer({
    handler: async (request, info) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/sync' && request.method === 'POST') await record(request.clone());
      if (state.failing?.test(path)) {
        state.refused += 1;
        return outage(request);
      }
      const response = await handler(request, info);
      if (state.loseOn.test(path) && state.loseResponses > 0) {
        state.loseResponses -= 1;
        state.refused += 1;
        return outage(request);
      }
      return response;
    },
    staticDirs: [...dashboardStaticDirs(), ...demoStaticDirs()],
  });
  const url = await listen(server, 0, '127.0.0.1');
  const port = Number(new URL(url).port);
  const demo = await createDemoSite(fresh.db, port);
  return {
    url,
    db: fresh.db,
    demo,
    log,
    get failing() {
      return state.failing;
    },
    set failing(v) {
      state.failing = v;
    },
    get refused() {
      return state.refused;
    },
    get loseResponses() {
      return state.loseResponses;
    },
    set loseResponses(n) {
      state.loseResponses = n;
    },
    get loseOn() {
      return state.loseOn;
    },
    set loseOn(v) {
      state.loseOn = v;
    },
    received: (sid) => new Set(received.get(sid.toLowerCase())?.keys() ?? []),
    receivedEvents: (sid) => [...(received.get(sid.toLowerCase())?.values() ?? [])],
    dashboardUrl: () => `${url}/dashboard/`,
    liveUrl: () => `${url}/live/#site=${demo.publicId}&token=${encodeURIComponent(demo.liveToken)}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await handler.close();
      await fresh.drop();
    },
  };
}
