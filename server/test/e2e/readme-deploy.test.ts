/**
 * The README's production path, literally: the commands between `<!-- deploy:start -->` and
 * `<!-- deploy:end -->` run as printed (in this checkout, whose `npx opsmantik` is the workspace's
 * bin), on PostgreSQL and Redis, with only the database URL, the site's origin and the port
 * substituted; then a page on another origin carrying the README's snippet as printed (only the
 * host and the public id filled in) records, in Chromium, a paid visit, its call matched to the
 * visit, and an ads-assisted return.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyPostgres } from '../support/db.js';
import { openDb } from '../../src/store/db/index.js';
import type { Db } from '../../src/store/db/types.js';
import { requireBuild } from '../../../test/support/build.js';
import { runProcess } from '../support/cli.js';
import { launchBrowser, newVisitor } from './support/browser.js';
import { callsMatching, eventually, sessionsWhere } from './support/expect-db.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');
const section = readme.slice(readme.indexOf('<!-- deploy:start -->'), readme.indexOf('<!-- deploy:end -->'));
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]!.replace(/^ {3}/gm, '') }));
const commands = blocks.find((b) => b.lang === 'sh')!.body.trim().split('\n');
const snippet = blocks.find((b) => b.lang === 'html')!.body;
const PHONE = '+12025550142';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('the README deploy section, run as printed', () => {
  let pg: Awaited<ReturnType<typeof emptyPostgres>>;
  let serverProcess: ChildProcess | undefined;
  let site: Server;
  let siteOrigin: string;
  let host: string;
  let publicId: string;
  let db: Db;
  let browser: Browser;
  const log: string[] = [];

  beforeAll(async () => {
    requireBuild(['dist/opsmantik.min.js', 'dist/opsmantik-fp.mjs', 'server/dist/node/cli.js']);
    expect(commands.some((c) => c.includes('opsmantik serve'))).toBe(true);
    pg = await emptyPostgres(2);
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    // The site: another origin, serving one page with the README's snippet.
    site = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>Shop</title>${page}</head><body>
        <h1>Shop</h1><p style="height:3000px">Call us:</p><a id="call" href="tel:${PHONE}">${PHONE}</a></body></html>`);
    });
    let page = '';
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

    let env: NodeJS.ProcessEnv = { ...process.env, PATH: `${root}/node_modules/.bin:${process.env.PATH}` };
    delete env.DATABASE_URL;
    for (const printed of commands) {
      const line = printed
        .replace(/postgres:\/\/\S+/, pg.url)
        .replace('https://www.your-site.example', siteOrigin)
        .replace('--port 3000', `--port ${port} --host 127.0.0.1`);
      const assignment = /^export\s+(.*)$/.exec(line);
      if (assignment) {
        for (const [, name, value] of assignment[1]!.matchAll(/(\w+)=(\S+)/g)) env = { ...env, [name!]: value };
        continue;
      }
      if (line.includes('opsmantik serve')) {
        serverProcess = spawn('bash', ['-c', `exec ${line}`], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`serve did not start:\n${log.join('')}`)), 60_000);
          const onData = (c: Buffer) => {
            log.push(String(c));
            if (log.join('').includes('OpsMantik listening')) {
              clearTimeout(timer);
              resolve();
            }
          };
          serverProcess!.stdout!.on('data', onData);
          serverProcess!.stderr!.on('data', onData);
          serverProcess!.on('close', (code) => reject(new Error(`serve exited ${code}:\n${log.join('')}`)));
        });
        continue;
      }
      const res = await runProcess('bash', ['-c', line], { cwd: root, env });
      if (res.code !== 0) throw new Error(`README line failed (${res.code}): ${line}\n${res.stdout}\n${res.stderr}`);
      if (line.includes('site create')) publicId = res.stdout.trim().split('\n').pop()!;
    }
    expect(publicId).toMatch(/^om_/);
    page = snippet.replace('https://YOUR-OPSMANTIK-HOST', `http://${host}`).replace('PUBLIC_ID', publicId);
    db = await openDb({ url: pg.url });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    serverProcess?.kill('SIGTERM');
    await new Promise((r) => site?.close(r));
    await db?.close();
    await pg?.drop();
  });

  it('serve says where the tracker is and uses Redis and PostgreSQL', () => {
    const out = log.join('');
    expect(out).toContain(`Tracker script: http://localhost:`);
    expect(out).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+ \(DATABASE_URL/);
    expect(out).not.toMatch(/redis_unavailable/);
  });

  it('a paid visit, its call matched to it, and an ads-assisted return', async () => {
    const visitor = await newVisitor(browser);
    const landing = await visitor.newPage();
    const gclid = `readme-${Date.now()}`;
    await landing.goto(`${siteOrigin}/?gclid=${gclid}`);
    await landing.waitForFunction(() => JSON.parse(localStorage.getItem('om_f') || 'null')?.[0], undefined, { timeout: 60_000 });
    // Headless Chromium would try to open a dialer; the click itself is what the tracker sees.
    await landing.evaluate(() => document.addEventListener('click', (e) => e.preventDefault()));
    // The tap's phone_click event, from which the server records the call.
    const answered = landing.waitForResponse((r) => r.url().endsWith('/api/sync') && (r.request().postData() ?? '').includes('"phone_click"'), { timeout: 30_000 });
    await landing.click('#call');
    expect((await answered).status()).toBe(200);
    await landing.close();

    const [paid] = await eventually(() => sessionsWhere(db, 'gclid = $1', [gclid]), (rows) => rows.length > 0, 20_000, 'the paid session');
    expect(paid!.attribution).toBe('paid');
    const [call] = await eventually(() => callsMatching(db, paid!.id), (rows) => rows.length > 0, 20_000, 'the matched call');
    expect(call).toMatchObject({ status: 'matched', phone_number: PHONE });

    const again = await visitor.newPage();
    await again.clock.install({ time: Date.now() + 31 * 60_000 });
    await again.goto(`${siteOrigin}/`);
    await again.waitForFunction(() => typeof (window as unknown as { opsmantik?: unknown }).opsmantik === 'function');
    await again.close();
    const [returning] = await eventually(
      () => sessionsWhere(db, 'fingerprint = $1 and id <> $2::uuid', [paid!.fingerprint, paid!.id], true),
      (rows) => rows.length > 0,
      20_000,
      'the returning session',
    );
    expect(returning!.attribution).toBe('ads_assisted');
    await visitor.close();
  });
});
