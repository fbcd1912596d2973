import { describe, expect, it } from 'vitest';
import { HttpError, checkContentType, parseJsonBytes, readBodyCapped } from '../../src/http/http.js';
import { MAX_BODY_BYTES } from '../../../src/wire.js';

function post(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request('http://x.test/api/sync', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
}

/** A body stream that counts how many bytes the reader actually pulled. */
function countingStream(total: number, chunk = 4096) {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= total) return controller.close();
      const n = Math.min(chunk, total - state.pulled);
      state.pulled += n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

describe('body reading', () => {
  it('reads a body up to the limit', async () => {
    const bytes = await readBodyCapped(post('x'.repeat(MAX_BODY_BYTES)));
    expect(bytes.byteLength).toBe(MAX_BODY_BYTES);
  });

  it('refuses one byte over the limit with 413', async () => {
    await expect(readBodyCapped(post('x'.repeat(MAX_BODY_BYTES + 1)))).rejects.toMatchObject({ status: 413, code: 'body_too_large' });
  });

  it('stops reading a stream as soon as it passes the limit (never buffers it whole)', async () => {
    const { stream, state } = countingStream(10 * 1024 * 1024);
    await expect(readBodyCapped(post(stream))).rejects.toMatchObject({ status: 413 });
    expect(state.pulled).toBeGreaterThan(MAX_BODY_BYTES);
    expect(state.pulled).toBeLessThan(MAX_BODY_BYTES + 3 * 4096);
  });

  it('refuses a declared Content-Length over the limit before reading anything', async () => {
    const { stream, state } = countingStream(1024);
    const request = post(stream, { 'content-length': String(MAX_BODY_BYTES + 1) });
    await expect(readBodyCapped(request)).rejects.toMatchObject({ status: 413 });
    expect(state.pulled).toBe(0);
  });
});

describe('content type', () => {
  it.each(['application/json', 'text/plain;charset=UTF-8', 'application/json; charset=utf-8', 'application/json; charset="utf8"', 'TEXT/PLAIN'])('accepts %s', (type) => {
    expect(() => checkContentType(post('{}', { 'content-type': type }))).not.toThrow();
  });
  it.each(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain; charset=latin1', 'text/html'])(
    'refuses %s with 415',
    (type) => {
      expect(() => checkContentType(post('{}', { 'content-type': type }))).toThrow(HttpError);
      try {
        checkContentType(post('{}', { 'content-type': type }));
      } catch (err) {
        expect(err).toMatchObject({ status: 415, code: 'unsupported_content_type' });
      }
    },
  );
  it('refuses a missing content type with 415', () => {
    const request = new Request('http://x.test/api/sync', { method: 'POST', body: new Uint8Array([1]) });
    expect(() => checkContentType(request)).toThrow(expect.objectContaining({ status: 415 }));
  });
});

describe('JSON decoding', () => {
  it('refuses invalid UTF-8', () => {
    expect(() => parseJsonBytes(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toThrow(expect.objectContaining({ code: 'invalid_json' }));
  });
  it('refuses malformed JSON', () => {
    expect(() => parseJsonBytes(new TextEncoder().encode('{"s":'))).toThrow(expect.objectContaining({ status: 400, code: 'invalid_json' }));
  });
  it('parses JSON', () => {
    expect(parseJsonBytes(new TextEncoder().encode('[1,"ü"]'))).toEqual([1, 'ü']);
  });
});
