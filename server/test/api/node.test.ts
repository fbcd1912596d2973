/** The Node binding over real HTTP: static folders, streaming body cap, live stream, cookies. */
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { serve, type RunningServer } from '../../src/node/serve.js';
import { BROWSER_UA, wireEvent } from '../support/harness.js';
import { MAX_BODY_BYTES } from '../../../src/wire.js';

/** A raw POST that streams `total` bytes, resolving to the status the server answered. */
function rawPost(url: string, headers: Record<string, string>, total: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    let sent = 0;
    const chunk = Buffer.alloc(16384, 0x20);
    const write = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

describe.each(backends)('Node server on %s', (kind) => {
  let fresh: FreshDb;
  let running: RunningServer;
  let pages: string;
  beforeAll(async () => {
    fresh = await freshDb(kind);
    pages = await mkdtemp(join(tmpdir(), 'om-static-'));
    await mkdir(join(pages, 'sub'));
    await writeFile(join(pages, 'index.html'), '<!doctype html><title>demo</title>');
    await writeFile(join(pages, 'sub', 'app.js'), 'console.log(1)');
    running = await serve({ db: fresh.db, port: 0, demo: true, staticDirs: [{ prefix: '/', dir: pages }], handler: { log: () => undefined } });
  });
  afterAll(async () => {
    await running?.close();
    await fresh?.drop();
    if (pages) await rm(pages, { recursive: true, force: true });
  });

  it('serves static files, index.html for folders, and nothing outside the folder', async () => {
    const index = await fetch(`${running.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await index.text()).toContain('<title>demo</title>');
    const js = await fetch(`${running.url}/sub/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    // The script tag import()s its fingerprint module across origins: modules need CORS.
    expect(js.headers.get('access-control-allow-origin')).toBe('*');
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/sub/%2e%2e%2f%2e%2e%2fpackage.json', '/missing.html']) {
      const res = await fetch(`${running.url}${path}`);
      expect(res.status).toBe(404);
    }
    const health = await fetch(`${running.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('creates the demo site, allowed on the server own origin, with a first-party click-id cookie', async () => {
    expect(running.demo?.publicId).toBe('demo');
    const origin = running.url;
    const res = await fetch(`${running.url}/api/sync`, {
      method: 'POST',
      headers: { origin, 'content-type': 'text/plain;charset=UTF-8', 'user-agent': BROWSER_UA },
      body: JSON.stringify(wireEvent('demo', { u: `${origin}/?gclid=G-http` })),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'synced', accepted: 1 });
    expect(res.headers.get('set-cookie')).toMatch(/^om_click=gclid%3AG-http;.*HttpOnly/);
  });

  it('refuses an oversized streamed body with 413 after reading about 64 KiB, and keeps serving', async () => {
    const res = await rawPost(`${running.url}/api/sync`, { origin: running.url, 'content-type': 'text/plain' }, 4 * 1024 * 1024);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'error', error: 'body_too_large' });
    const small = await rawPost(`${running.url}/api/sync`, { origin: running.url, 'content-type': 'text/plain', 'content-length': String(MAX_BODY_BYTES + 1) }, MAX_BODY_BYTES + 1);
    expect(small.status).toBe(413);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });

  it('streams live changes over HTTP to the owner', async () => {
    const token = encodeURIComponent(running.demo!.liveToken);
    const abort = new AbortController();
    const res = await fetch(`${running.url}/api/live?site=demo&token=${token}`, { signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: ready')) text += decoder.decode((await reader.read()).value, { stream: true });
    const e = wireEvent('demo');
    await fetch(`${running.url}/api/sync`, {
      method: 'POST',
      headers: { origin: running.url, 'content-type': 'application/json', 'user-agent': BROWSER_UA },
      body: JSON.stringify(e),
    });
    while (!text.includes(e.sid)) text += decoder.decode((await reader.read()).value, { stream: true });
    expect(text).toMatch(/event: change\ndata: \{.*"table": ?"(sessions|events)"/);
    abort.abort();
  });
});
