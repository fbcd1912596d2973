/**
 * `npm start` as a newcomer runs it (scripts/start.mjs on a built checkout): it does not rebuild
 * what is current, prints the addresses, and the demo's live view link survives a restart.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild } from '../../../test/support/build.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs `node scripts/start.mjs ARGS` until it prints the live view, then stops it with SIGTERM. */
function startOnce(args: string[]): Promise<{ out: string; liveUrl: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/start.mjs', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let liveUrl = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm start printed no live view:\n${out}`));
    }, 60_000);
    const onData = (c: Buffer) => {
      out += c;
      const m = /Live view: (\S+)/.exec(out);
      if (m && !liveUrl) {
        liveUrl = m[1]!;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ out, liveUrl, code });
    });
  });
}

describe('npm start', () => {
  let dir: string;
  beforeAll(async () => {
    requireBuild(['dist/opsmantik.min.js', 'dist/demo/npm-spa.js', 'server/dist/node/cli.js']);
    dir = await mkdtemp(join(tmpdir(), 'om-start-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts without rebuilding a current build, and keeps the live token across restarts', { timeout: 150_000 }, async () => {
    const args = ['--port', '0', '--data-dir', join(dir, 'data')];
    const first = await startOnce(args);
    expect(first.out).toContain('The build is current');
    expect(first.out).not.toContain('Building');
    expect(first.out).toMatch(/OpsMantik listening on http:\/\/localhost:\d+/);
    expect(first.out).toMatch(/Tracker script: http:\/\/localhost:\d+\/opsmantik\.min\.js/);
    const token = /token=([^&\s]+)/.exec(first.liveUrl)?.[1];
    expect(token).toMatch(/^oml_/);

    const second = await startOnce(args);
    expect(/token=([^&\s]+)/.exec(second.liveUrl)?.[1]).toBe(token);
    // SIGTERM reaches the server (it runs in npm start's own process) and it exits cleanly.
    expect(second.code).toBe(0);
  });
});
