/** The operator CLI, run as a process: migrate, site create (public id alone on the last line), serve. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, emptyPostgres } from '../support/db.js';
import { openDb } from '../../src/store/db/index.js';

const CLI = ['--import', 'tsx', 'server/src/node/cli.ts'];

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

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

  it('site create without --origin is an error', async () => {
    const res = await run(['site', 'create', '--owner', 'a@b.c', ...target]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--origin');
  });
});

describe('opsmantik serve', () => {
  it.each(backends)('answers /healthz on %s and stops on SIGTERM', async (kind) => {
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
    const child = spawn(process.execPath, [...CLI, 'serve', '--port', '0', '--host', '127.0.0.1', ...target], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c) => {
          out += c;
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('close', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      const res = await fetch(`${url.replace('localhost', '127.0.0.1')}/healthz`);
      expect(res.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await cleanup();
    }
  });
});
