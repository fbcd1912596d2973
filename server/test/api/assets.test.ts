/**
 * `opsmantik serve` without --demo hands out the tracker: the script tag's file and the fingerprint
 * module at stable URLs, compressed by Accept-Encoding, with ETags, caching and CORS.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type FreshDb } from '../support/db.js';
import { serve, trackerFilesDir, type RunningServer } from '../../src/node/serve.js';
import { pickEncoding } from '../../src/node/assets.js';
import { requireBuild } from '../../../test/support/build.js';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function raw(url: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('pickEncoding', () => {
  it('prefers brotli, then gzip, and honours q=0', () => {
    expect(pickEncoding('gzip, deflate, br')).toBe('br');
    expect(pickEncoding('gzip')).toBe('gzip');
    expect(pickEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(pickEncoding('*')).toBe('br');
    expect(pickEncoding(undefined)).toBe('identity');
    expect(pickEncoding('identity')).toBe('identity');
  });
});

describe('the tracker served by opsmantik serve (no --demo)', () => {
  let fresh: FreshDb;
  let running: RunningServer;
  let dir: string;
  beforeAll(async () => {
    requireBuild(['dist/opsmantik.min.js', 'dist/opsmantik-fp.mjs']);
    dir = trackerFilesDir()!;
    fresh = await freshDb('pglite');
    running = await serve({ db: fresh.db, port: 0 });
  });
  afterAll(async () => {
    await running?.close();
    await fresh?.drop();
  });

  it('finds the tracker files and says where the script is', () => {
    expect(dir).toBeTruthy();
    expect(running.trackerScript).toBe(`${running.url}/opsmantik.min.js`);
  });

  it('answers /opsmantik.min.js in brotli, gzip or plain, each the same file', async () => {
    const file = readFileSync(join(dir, 'opsmantik.min.js'));
    const br = await raw(`${running.url}/opsmantik.min.js`, { 'accept-encoding': 'br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/^text\/javascript/);
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['access-control-allow-origin']).toBe('*');
    const served = brotliDecompressSync(br.body);
    expect(br.body.length).toBeLessThan(served.length / 2);

    const gz = await raw(`${running.url}/opsmantik.min.js`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(served)).toBe(true);

    const plain = await raw(`${running.url}/opsmantik.min.js`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(served)).toBe(true);
    expect(plain.body.toString()).toBe(file.toString().replace('"opsmantik-fp.mjs"', plain.body.toString().match(/"opsmantik-fp\.mjs\?[0-9a-f]{8}"/)![0]));
  });

  it('revalidates with the ETag: 304 and no body when it matches', async () => {
    const first = await raw(`${running.url}/opsmantik.min.js`, { 'accept-encoding': 'br' });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(first.headers['cache-control']).toMatch(/max-age=300/);
    const again = await raw(`${running.url}/opsmantik.min.js`, { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const other = await raw(`${running.url}/opsmantik.min.js`, { 'if-none-match': '"0000000000000000"' });
    expect(other.status).toBe(200);
  });

  it('the served script imports the module under its content hash, and that URL is immutable', async () => {
    const script = brotliDecompressSync((await raw(`${running.url}/opsmantik.min.js`, { 'accept-encoding': 'br' })).body).toString();
    const name = /opsmantik-fp\.mjs\?[0-9a-f]{8}/.exec(script)?.[0];
    expect(name).toBeTruthy();
    const module = readFileSync(join(dir, 'opsmantik-fp.mjs'));
    expect(name!.slice(-8)).toBe(createHash('sha256').update(module).digest('hex').slice(0, 8));
    const res = await raw(`${running.url}/${name}`, { 'accept-encoding': 'br' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(brotliDecompressSync(res.body).equals(module)).toBe(true);
    // The same module under another version is not promised to be immutable.
    const stale = await raw(`${running.url}/opsmantik-fp.mjs?00000000`);
    expect(stale.headers['cache-control']).not.toContain('immutable');
    // The build a site hosts itself stays plain: it imports the module beside it by name.
    expect(readFileSync(join(dir, 'opsmantik.min.js'), 'utf8')).toContain('"opsmantik-fp.mjs"');
  });

  it('?site= sets the site id for loaders that cannot set data-site, and refuses a malformed one', async () => {
    const plain = (await raw(`${running.url}/opsmantik.min.js`)).body.toString();
    const res = await raw(`${running.url}/opsmantik.min.js?site=om_abc-1`);
    expect(res.status).toBe(200);
    const body = res.body.toString();
    expect(body.endsWith(plain)).toBe(true);
    expect(body.slice(0, body.length - plain.length)).toContain('"om_abc-1"');
    expect(res.headers.etag).not.toBe((await raw(`${running.url}/opsmantik.min.js`)).headers.etag);
    const bad = await raw(`${running.url}/opsmantik.min.js?site=%22);alert(1)//`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString())).toMatchObject({ error: 'invalid_query' });
  });

  it('serves nothing else of the build, and the API still answers', async () => {
    expect((await raw(`${running.url}/index.js`)).status).toBe(404);
    expect((await raw(`${running.url}/dist/opsmantik.min.js`)).status).toBe(404);
    const health = await raw(`${running.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
