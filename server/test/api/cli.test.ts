/** The operator CLI, run as a process: migrate, site create (public id alone on the last line), serve. */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backends, emptyPostgres } from '../support/db.js';
import { runCli } from '../support/cli.js';
import { openDb } from '../../src/store/db/index.js';
import { BROWSER_UA, wireEvent } from '../support/harness.js';

const CLI = ['--import', 'tsx', 'server/src/node/cli.ts'];

// Every CLI call is a new process (PGlite alone takes seconds to open on a busy machine).
vi.setConfig({ testTimeout: 240_000 });

const run = runCli;

describe.each(backends)('opsmantik CLI on %s', (kind) => {
  let target: string[];
  let cleanup: () => Promise<void>;
  let open: () => ReturnType<typeof openDb>;
  beforeAll(async () => {
    if (kind === 'postgres') {
      const pg = await emptyPostgres(2);
      await pg.db.close();
      target = ['--database-url', pg.url];
      cleanup = pg.drop;
      open = () => openDb({ url: pg.url });
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'om-cli-'));
      target = ['--data-dir', join(dir, 'fresh', 'data')];
      cleanup = () => rm(dir, { recursive: true, force: true });
      open = () => openDb({ dataDir: join(dir, 'fresh', 'data') });
    }
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('migrate applies the migrations once', async () => {
    const first = await run(['migrate', ...target]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Applied .*001_/);
    const second = await run(['migrate', ...target]);
    expect(second.stdout).toContain('Nothing to apply.');
  });

  it('site create makes the owner and the site and prints the public id alone on the last line', async () => {
    const res = await run(['site', 'create', '--origin', 'https://Shop.Example/', '--origin', 'http://localhost:5173', '--owner', 'Owner@Example.com', ...target]);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    const publicId = lines[lines.length - 1]!;
    expect(publicId).toMatch(/^om_[A-Za-z0-9]+$/);
    const secret = /Server secret.*: (oms_\S+)/.exec(res.stdout)?.[1];
    expect(secret).toBeDefined();
    const db = await open();
    try {
      const [row] = await db.query<any>(
        `select s.allowed_origins, s.secret_hash, u.email from public.sites s join auth.users u on u.id = s.user_id where s.public_id = $1`,
        [publicId],
      );
      expect(row.email).toBe('owner@example.com');
      expect([...row.allowed_origins].sort()).toEqual(['http://localhost:5173', 'https://shop.example']);
      // Only the digest is stored.
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(secret);
    } finally {
      await db.close();
    }
  });

  it('credentials rotate re-encrypts stored tokens under the new key; a bad key fails before anything is opened', async () => {
    const { makeKeyring, saveCredential, loadCredential } = await import('../../src/store/credentials.js');
    const oldKey = (await run(['credentials', 'new-key'])).stdout.trim();
    const newKey = (await run(['credentials', 'new-key'])).stdout.trim();
    expect(oldKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(newKey).not.toBe(oldKey);
    const db = await open();
    try {
      const [user] = await db.query<{ id: string }>("insert into auth.users (id, email) values (gen_random_uuid(), 'rotate@example.test') returning id");
      await saveCredential(db, makeKeyring({ id: 'k1', key: oldKey }), user!.id, 'google_ads', 'ya29.token');
    } finally {
      await db.close();
    }
    const env = { OPSMANTIK_CREDENTIALS_KEY: newKey, OPSMANTIK_CREDENTIALS_KEY_ID: 'k2', OPSMANTIK_CREDENTIALS_OLD_KEYS: `k1:${oldKey}` };
    const res = await run(['credentials', 'rotate', ...target], env);
    expect([res.code, res.stdout.trim()]).toEqual([0, 'Re-encrypted 1 credential under key k2.']);
    const check = await open();
    try {
      const [row] = await check.query<{ user_id: string; key_id: string }>("select c.user_id, c.key_id from public.user_credentials c join auth.users u on u.id = c.user_id where u.email = 'rotate@example.test'");
      expect(row!.key_id).toBe('k2');
      expect(await loadCredential(check, makeKeyring({ id: 'k2', key: newKey }), row!.user_id, 'google_ads')).toBe('ya29.token');
    } finally {
      await check.close();
    }
    const bad = await run(['credentials', 'rotate', ...target], { OPSMANTIK_CREDENTIALS_KEY: '0'.repeat(64) });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/all-zero/);
  });

  it('site create without --origin is a usage error', async () => {
    const res = await run(['site', 'create', '--owner', 'a@b.c', ...target]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--origin');
  });

  it('lists, changes, rotates and deletes sites; refuses an accidental second create', async () => {
    const created = await run(['site', 'create', '--origin', 'https://admin.example', '--owner', 'admin@example.com', '--name', 'Admin', ...target]);
    expect(created.code).toBe(0);
    const id = created.stdout.trim().split('\n').at(-1)!;
    const twice = await run(['site', 'create', '--origin', 'https://admin.example', '--owner', 'admin@example.com', ...target]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`already has a site with these origins: ${id}`);
    const list = await run(['site', 'list', '--json', ...target]);
    expect(JSON.parse(list.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ publicId: id, owner: 'admin@example.com', origins: ['https://admin.example'], name: 'Admin' })]));
    const added = await run(['site', 'origins', 'add', '--site', id, '--origin', 'https://New.Admin.example/', ...target]);
    expect(added.stdout).toContain('https://admin.example, https://new.admin.example');
    const removed = await run(['site', 'origins', 'remove', '--site', id, '--origin', 'https://admin.example', ...target]);
    expect(removed.stdout).toContain(`${id} accepts: https://new.admin.example`);
    // Read with a connection of its own each time: an embedded database is one process's at a time.
    const hashes = async () => {
      const db = await open();
      try {
        return (await db.query<any>('select secret_hash, live_token_hash from public.sites where public_id = $1', [id]))[0];
      } finally {
        await db.close();
      }
    };
    const before = await hashes();
    const secret = await run(['site', 'rotate-secret', '--site', id, ...target]);
    expect(secret.stdout.trim().split('\n').at(-1)).toMatch(/^oms_/);
    const token = await run(['site', 'rotate-token', '--site', id, ...target]);
    expect(token.stdout.trim().split('\n').at(-1)).toMatch(/^oml_/);
    const after = await hashes();
    expect(after.secret_hash).not.toBe(before.secret_hash);
    expect(after.live_token_hash).not.toBe(before.live_token_hash);
    const unconfirmed = await run(['site', 'delete', '--site', id, ...target]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');
    expect((await run(['site', 'delete', '--site', id, '--yes', ...target])).code).toBe(0);
    const gone = await run(['site', 'rotate-secret', '--site', id, ...target]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('site list');
  });
});

describe('opsmantik CLI usage', () => {
  it('has per-command help with examples, a version, and names what was wrong', async () => {
    const serveHelp = await run(['serve', '--help']);
    expect(serveHelp.stdout).toContain('Usage: opsmantik serve');
    expect(serveHelp.stdout).toMatch(/--drain-timeout MS .*env OPSMANTIK_DRAIN_TIMEOUT_MS/);
    expect(serveHelp.stdout).toContain('Examples:');
    const deleteHelp = await run(['site', 'delete', '--help']);
    expect(deleteHelp.stdout).toContain('opsmantik site delete --site om_abc123 --yes');
    expect(deleteHelp.stdout).not.toContain('--drain-timeout');
    expect((await run(['--version'])).stdout).toMatch(/^opsmantik \d+\.\d+\.\d+/);
    const typo = await run(['sevre']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean "opsmantik serve"?');
    const sub = await run(['site', 'lsit']);
    expect(sub.stderr).toContain('Did you mean "opsmantik site list"?');
    const flag = await run(['serve', '--prot', '1']);
    expect(flag.stderr).toContain('Unknown flag --prot for "opsmantik serve". Did you mean --port?');
    const foreign = await run(['migrate', '--port', '1']);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('--port is a flag of "opsmantik serve", not of "opsmantik migrate"');
  });

  it('names the setting and the host when the database refuses, without the password', async () => {
    const res = await run(['migrate'], { DATABASE_URL: 'postgres://opsmantik:hunter2@127.0.0.1:1/opsmantik' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Could not connect to PostgreSQL at 127.0.0.1:1 (DATABASE_URL');
    expect(res.stderr).toContain('Try: ');
    expect(res.stderr).not.toContain('hunter2');
    const bad = await run(['serve', '--port', '70000']);
    expect(bad.stderr).toContain('--port must be a whole number from 0 to 65535');
    const env = await run(['serve'], { LOG_LEVEL: 'loud' });
    expect(env.stderr).toContain('LOG_LEVEL must be one of error, warn, info');
  });

  it('documents every flag and its environment variable in docs/server.md', async () => {
    const { readFile } = await import('node:fs/promises');
    const { COMMANDS } = await import('../../src/node/cli/commands.js');
    const { settingsTable } = await import('../../src/node/cli/help.js');
    const docs = await readFile('docs/server.md', 'utf8');
    expect(docs).toContain(settingsTable(COMMANDS));
  });
});

describe('opsmantik serve', () => {
  it.each(backends)('answers /healthz, serves the dashboard on %s and, on SIGTERM, finishes the request in flight before it exits', async (kind) => {
    let target: string[] = [];
    let cleanup = async () => undefined as void;
    if (kind === 'postgres') {
      const pg = await emptyPostgres(2);
      await pg.db.close();
      target = ['--database-url', pg.url];
      cleanup = pg.drop;
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'om-serve-'));
      target = ['--data-dir', join(dir, 'data')];
      cleanup = () => rm(dir, { recursive: true, force: true });
    }
    const created = await run(['site', 'create', '--origin', 'https://shop.example', '--owner', 'drain@example.com', ...target]);
    const site = created.stdout.trim().split('\n').at(-1)!;
    const child = spawn(process.execPath, [...CLI, 'serve', '--port', '0', '--host', '127.0.0.1', ...target], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!.replace('localhost', '127.0.0.1'));
        });
        child.on('close', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
      // The dashboard is served without --demo, its shared helpers beside it.
      const page = await fetch(`${url.replace('localhost', '127.0.0.1')}/dashboard/`);
      expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('<title>OpsMantik · dashboard</title>')]);
      expect((await fetch(`${url.replace('localhost', '127.0.0.1')}/dashboard/lib/dom.js`)).status).toBe(200);
      expect(out).toContain('/dashboard/');
      // A request whose body is still arriving when SIGTERM comes.
      const body = JSON.stringify(wireEvent(site));
      const { port } = new URL(url);
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      socket.on('data', (c) => (answer += c));
      const answered = new Promise<void>((done) => socket.on('close', () => done()));
      await new Promise<void>((done) => socket.once('connect', () => done()));
      socket.write(`POST /api/sync HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example\r\nContent-Type: text/plain\r\nUser-Agent: ${BROWSER_UA}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 20)}`);
      await new Promise((r) => setTimeout(r, 300));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      while (!out.includes('"step":"stopped_accepting"')) await new Promise((r) => setTimeout(r, 20));
      // No new connections once draining has begun.
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
      socket.write(body.slice(20));
      await answered;
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toContain('"status":"synced"');
      expect(await exited).toBe(0);
      const steps = out.split('\n').filter((l) => l.includes('"msg":"shutdown"')).map((l) => JSON.parse(l).step);
      expect(steps).toEqual(['signal', 'stopped_accepting', 'live_streams_ended', 'requests_finished', 'rate_limiter_closed', 'database_closed']);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await cleanup();
    }
  });
});
