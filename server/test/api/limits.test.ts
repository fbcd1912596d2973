/**
 * Bounded resources over real HTTP: a body that trickles is refused with 408 and its connection
 * closed; a client that closes mid-body is a 499 warning, not a storage error; a live viewer that
 * stops reading is dropped once its buffer is full (and can come back); live streams are capped
 * per address.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { serve, type RunningServer } from '../../src/node/serve.js';
import { createSite, type CreatedSite } from '../../src/store/sites.js';
import { BROWSER_UA, ORIGIN, wireEvent } from '../support/harness.js';
import type { LogEntry } from '../../src/http/log.js';

const BUFFER_BYTES = 64 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw connection to the server, collecting what it answers. */
function open(url: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(Number(port), hostname, () => resolve({ socket, received: () => text, closed }));
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe.each(backends)('bounded resources on %s', (kind) => {
  let fresh: FreshDb;
  let running: RunningServer;
  let site: CreatedSite;
  const logs: LogEntry[] = [];
  beforeAll(async () => {
    fresh = await freshDb(kind);
    running = await serve({
      db: fresh.db,
      port: 0,
      metrics: true,
      handler: { log: (e) => logs.push(e), limits: { sync: 100_000, call: 100_000 }, liveLimits: { perAddress: 2, bufferBytes: BUFFER_BYTES } },
      http: { minBodyRate: { bytesPerSecond: 200, graceMs: 400 } },
    });
    site = await createSite(fresh.db, { ownerEmail: 'limits@example.com', origins: [ORIGIN] });
  });
  afterAll(async () => {
    await running?.close();
    await fresh?.drop();
  });

  const postHead = (length: number) =>
    `POST /api/sync HTTP/1.1\r\nHost: x\r\nOrigin: ${ORIGIN}\r\nContent-Type: text/plain\r\nUser-Agent: ${BROWSER_UA}\r\nContent-Length: ${length}\r\n\r\n`;

  it('answers a body that trickles below the minimum rate with 408 and closes its connection', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => open(running.url)));
    for (const c of clients) c.socket.write(postHead(2000));
    let stop = false;
    const trickle = (async () => {
      while (!stop) {
        for (const c of clients) if (!c.socket.destroyed) c.socket.write(' ');
        await sleep(100);
      }
    })();
    await Promise.all(clients.map((c) => c.closed));
    stop = true;
    await trickle;
    for (const c of clients) {
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(c.received()).toContain('"error":"request_timeout"');
    }
    expect(logs.filter((l) => l.msg === 'request' && l.status === 408)).toHaveLength(20);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });

  it('logs a client that closes mid-body as 499 client_closed at warn, never as a storage error', async () => {
    const before = logs.length;
    const c = await open(running.url);
    c.socket.write(postHead(2000) + '{"s":"');
    // The handler is reading the body when the client goes away.
    await sleep(200);
    c.socket.destroy();
    await until(() => logs.slice(before).some((l) => l.msg === 'request'), 'the request log line');
    const line = logs.slice(before).find((l) => l.msg === 'request')!;
    expect(line).toMatchObject({ level: 'warn', status: 499, error: 'client_closed' });
    expect(logs.slice(before).filter((l) => l.level === 'error')).toEqual([]);
  });

  it('drops a live viewer that stops reading once its buffer is full, and lets it back in', async () => {
    const path = `/api/live?site=${site.publicId}&token=${encodeURIComponent(site.liveToken)}`;
    const viewer = await open(running.url);
    viewer.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await until(() => viewer.received().includes('event: ready'), 'the ready event');
    // The viewer stops reading; changes keep coming.
    viewer.socket.pause();
    expect(running.handler.liveViewers()).toBe(1);
    // Few rows, large payloads (long URLs and labels; metadata is not in the payload): the kernel's
    // socket buffers take a few MB before the server's fills.
    const u = `${ORIGIN}/${'p'.repeat(1900)}`;
    const el = 'l'.repeat(500);
    let requests = 0;
    while (!logs.some((l) => l.msg === 'live_dropped') && requests < 600) {
      const events = Array.from({ length: 22 }, (_, n) => wireEvent(site.publicId, { i: String(n), u, el }));
      const res = await fetch(`${running.url}/api/sync`, {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
        body: JSON.stringify(events),
      });
      expect(res.status).toBe(200);
      requests += 1;
    }
    await until(() => logs.some((l) => l.msg === 'live_dropped'), 'the drop');
    const dropped = logs.find((l) => l.msg === 'live_dropped')!;
    expect(dropped).toMatchObject({ level: 'warn', reason: 'slow_viewer' });
    // What the server held for the viewer never passed the hard cap (one message past it at most).
    expect(Number(dropped.buffered_bytes)).toBeLessThanOrEqual(4 * BUFFER_BYTES + 8192);
    await until(() => running.handler.liveViewers() === 0, 'the viewer to be released');
    console.log(`stalled viewer (${kind}): dropped after ${requests} requests of 22 events of 2.5 KB, holding ${dropped.buffered_bytes} bytes`);
    viewer.socket.destroy();
    // It reconnects and is served again (the live view then reloads the snapshot).
    const leave = new AbortController();
    const again = await fetch(`${running.url}${path}`, { signal: leave.signal });
    expect(again.status).toBe(200);
    const reader = again.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: ready');
    leave.abort();
    const snapshot = await fetch(`${running.url}/api/sessions?site=${site.publicId}&limit=1&token=${encodeURIComponent(site.liveToken)}`);
    expect(snapshot.status).toBe(200);
  }, 240_000);

  it('caps live streams per address with 429 too_many_streams', async () => {
    await until(() => running.handler.liveViewers() === 0, 'no open streams');
    const path = `${running.url}/api/live?site=${site.publicId}&token=${encodeURIComponent(site.liveToken)}`;
    const aborts = [new AbortController(), new AbortController()];
    const open2 = await Promise.all(aborts.map((a) => fetch(path, { signal: a.signal })));
    expect(open2.map((r) => r.status)).toEqual([200, 200]);
    const third = await fetch(path);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('10');
    expect(await third.json()).toMatchObject({ error: 'too_many_streams' });
    for (const a of aborts) a.abort();
    await until(() => running.handler.liveViewers() === 0, 'the streams to close');
  });

  it('counts requests, stored and dropped events and live viewers on /metrics', async () => {
    const bot = await fetch(`${running.url}/api/sync`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'text/plain', 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
      body: JSON.stringify(wireEvent(site.publicId)),
    });
    expect(bot.status).toBe(200);
    expect(logs.filter((l) => l.msg === 'request').at(-1)).toMatchObject({ status: 200, stored: 0, dropped: 1, reason: 'bot' });
    const text = await (await fetch(`${running.url}/metrics`)).text();
    expect(text).toMatch(/opsmantik_http_requests_total\{route="\/api\/sync",method="POST",status="200"\} \d+/);
    expect(text).toMatch(/opsmantik_events_stored_total\{route="\/api\/sync"\} [1-9]\d*/);
    expect(text).toMatch(/opsmantik_events_dropped_total\{route="\/api\/sync",reason="bot"\} 1/);
    expect(text).toMatch(/opsmantik_live_viewers 0/);
    expect(text).toMatch(/opsmantik_http_requests_total\{route="\/api\/sync",method="POST",status="408"\} 20/);
  });

  it('ends live streams with a retry hint on shutdown', async () => {
    const other = await serve({ db: fresh.db, port: 0, metrics: false, handler: { log: () => undefined } });
    const res = await fetch(`${other.url}/api/live?site=${site.publicId}&token=${encodeURIComponent(site.liveToken)}`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: ready')) text += decoder.decode((await reader.read()).value, { stream: true });
    const closing = other.close();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await closing;
    expect(text).toContain('retry: 1000\nevent: shutdown\ndata: {"reason":"shutdown"}');
  });
});
