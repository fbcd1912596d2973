// The binding's Request-shaped view (server/src/node/request.ts), the json() bytes the binding
// sends without reading the body back, and the remembered bot answers.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { NodeRequest } from '../../src/node/request.js';
import { bodyReader, type BodyReader } from '../../src/node/body.js';
import { json, knownBody } from '../../src/http/http.js';
import { defaultIsBot } from '../../src/rules/bots.js';

function incoming(method: string, url: string, headers: IncomingMessage['headers']): IncomingMessage {
  return Object.assign(new PassThrough(), { method, url, headers }) as unknown as IncomingMessage;
}

const noBody: BodyReader = {
  stream() {
    throw new Error('the body was opened');
  },
  upTo() {
    throw new Error('the body was read');
  },
};
const bodyOf = (text: string, opened = () => undefined as void): BodyReader => ({
  stream() {
    opened();
    return new Blob([text]).stream();
  },
  upTo: async () => new TextEncoder().encode(text),
});
const rate = { bytesPerSecond: 1, graceMs: 60_000 };

describe('NodeRequest', () => {
  it('reads headers by any case, as Headers does, and says null for a missing one', () => {
    const r = new NodeRequest(incoming('POST', '/api/sync', { origin: 'https://a.example', 'set-cookie': ['a=1', 'b=2'] }), noBody);
    expect(r.headers.get('Origin')).toBe('https://a.example');
    expect(r.headers.has('ORIGIN')).toBe(true);
    expect(r.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(r.headers.get('cookie')).toBeNull();
    expect([...r.headers]).toEqual([
      ['origin', 'https://a.example'],
      ['set-cookie', 'a=1, b=2'],
    ]);
  });

  it('has the absolute URL of the Host, or of localhost when the Host is no host name', () => {
    expect(new NodeRequest(incoming('GET', '/p?q=1', { host: 'h.example:8080' }), noBody).url).toBe('http://h.example:8080/p?q=1');
    expect(new NodeRequest(incoming('GET', '/p', { host: 'bad host' }), noBody).url).toBe('http://localhost/p');
  });

  it('clones into a real Request whose body and its own can both be read, the capped read included', async () => {
    const post = new NodeRequest(incoming('POST', '/api/sync', { host: 'h.example', 'content-type': 'text/plain' }), bodyOf('[1,2]'));
    const copy = post.clone();
    expect(copy).toBeInstanceOf(Request);
    expect([copy.method, copy.url, copy.headers.get('content-type')]).toEqual(['POST', 'http://h.example/api/sync', 'text/plain']);
    expect(await copy.text()).toBe('[1,2]');
    expect(new TextDecoder().decode(await post.readBodyUpTo(100, () => new Error('too large')))).toBe('[1,2]');
    const big = new NodeRequest(incoming('POST', '/', {}), bodyOf('x'.repeat(50)));
    big.clone();
    await expect(big.readBodyUpTo(10, () => new Error('too large'))).rejects.toThrow('too large');
  });

  it('opens the body only when asked, never for GET', () => {
    let opened = 0;
    const stream = bodyOf('[1]', () => void opened++);
    const get = new NodeRequest(incoming('GET', '/', {}), stream);
    expect(get.body).toBeNull();
    const post = new NodeRequest(incoming('POST', '/', {}), stream);
    expect(opened).toBe(0);
    expect(post.body).toBe(post.body);
    expect(opened).toBe(1);
  });

  it('reads the body as JSON', async () => {
    const r = new NodeRequest(incoming('POST', '/', {}), bodyOf('{"a":[1,2]}'));
    expect(await r.json()).toEqual({ a: [1, 2] });
  });

  it('reads the body once, either way', async () => {
    const direct = new NodeRequest(incoming('POST', '/', {}), bodyOf('[1]'));
    expect(new TextDecoder().decode(await direct.readBodyUpTo(10, () => new Error('too large')))).toBe('[1]');
    expect(direct.bodyUsed).toBe(true);
    await expect(direct.readBodyUpTo(10, () => new Error('too large'))).rejects.toThrow('already read');
    // Once the stream was taken and read, as with a real Request, the capped read finds it used up.
    const streamed = new NodeRequest(incoming('POST', '/', {}), bodyOf('[1]'));
    expect(await new Response(streamed.body).text()).toBe('[1]');
    await expect(streamed.readBodyUpTo(10, () => new Error('too large'))).rejects.toThrow();
  });

  it('aborts its signal when the client leaves, whether the signal was made before or after', () => {
    const early = new NodeRequest(incoming('POST', '/', {}), noBody);
    const signal = early.signal;
    expect(signal.aborted).toBe(false);
    early.clientGone();
    expect(signal.aborted).toBe(true);
    const late = new NodeRequest(incoming('POST', '/', {}), noBody);
    late.clientGone();
    expect(late.signal.aborted).toBe(true);
  });
});

describe('bodyReader', () => {
  const socketLike = () => Object.assign(new PassThrough(), { complete: false }) as unknown as IncomingMessage & PassThrough;

  it('gathers a body of several chunks into its bytes', async () => {
    const req = socketLike();
    const read = bodyReader(req, { abandoned: false }, () => undefined, rate).upTo(100, () => new Error('too large'));
    req.write('[{"a":');
    req.end('1}]');
    expect(new TextDecoder().decode(await read)).toBe('[{"a":1}]');
  });

  it('stops at the cap, says so, and marks the rest unread', async () => {
    const req = socketLike();
    const state = { abandoned: false };
    const read = bodyReader(req, state, () => undefined, rate).upTo(4, () => new Error('too large'));
    req.write('12345');
    await expect(read).rejects.toThrow('too large');
    expect(state.abandoned).toBe(true);
  });

  it('tells the request when the client leaves mid-body', async () => {
    const req = socketLike();
    let gone = 0;
    const read = bodyReader(req, { abandoned: false }, () => void gone++, rate).upTo(100, () => new Error('too large'));
    req.write('[1');
    req.destroy();
    await expect(read).rejects.toThrow('mid-body');
    expect(gone).toBe(1);
  });
});

describe('json() and knownBody()', () => {
  it('gives the bytes of the body, matching its stream and content-length, until the stream is read', async () => {
    const response = json({ status: 'synced', score: 0, accepted: 1 }, 200, { 'set-cookie': 'c=1' });
    const bytes = knownBody(response);
    expect(new TextDecoder().decode(bytes)).toBe('{"status":"synced","score":0,"accepted":1}');
    expect(response.headers.get('content-length')).toBe(String(bytes!.byteLength));
    expect(response.headers.get('set-cookie')).toBe('c=1');
    expect(await response.text()).toBe('{"status":"synced","score":0,"accepted":1}');
    expect(knownBody(response)).toBeUndefined();
  });

  it('knows nothing of a response it did not make', () => {
    expect(knownBody(new Response('x'))).toBeUndefined();
  });
});

describe('defaultIsBot', () => {
  it('gives the same answer when asked again, for bots and browsers', () => {
    const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const crawler = 'Googlebot/2.1 (+http://www.google.com/bot.html)';
    for (let n = 0; n < 2; n++) {
      expect(defaultIsBot(chrome)).toBe(false);
      expect(defaultIsBot(crawler)).toBe(true);
      expect(defaultIsBot('')).toBe(false);
    }
  });

  it('keeps answering right past the bound of remembered agents', () => {
    for (let n = 0; n < 1100; n++) expect(defaultIsBot(`Mozilla/5.0 Chrome/${n}.0 Safari/537.36`)).toBe(false);
    expect(defaultIsBot('curl/8.5.0')).toBe(true);
  });
});
