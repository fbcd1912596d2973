/**
 * A throw-away PostgreSQL cluster of our own, for what the shared server cannot do: logical
 * decoding needs wal_level = logical, a setting that only takes effect at server start.
 * The binaries come from PG_BIN (default /usr/lib/postgresql/15/bin). initdb refuses to run as
 * root, so when the tests run as root the cluster belongs to the `postgres` system user.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.PG_BIN || '/usr/lib/postgresql/15/bin';

/** Runs one of the PostgreSQL binaries (as `postgres` when we are root); throws with its stderr. */
function asPostgres(cmd: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const r = root
    ? spawnSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { encoding: 'utf8' })
    : spawnSync(join(BIN, cmd), args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.error ?? ''} ${r.stderr}`);
}

/** asPostgres without blocking the event loop (a server under test keeps answering meanwhile). */
function asPostgresAsync(cmd: string, args: string[]): Promise<void> {
  const root = process.getuid?.() === 0;
  const child = root
    ? spawn('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(join(BIN, cmd), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed: ${stderr}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface PrivatePostgres {
  url: string;
  /** Kills the server at once (immediate shutdown, as a crash would), keeping its files. */
  kill(): Promise<void>;
  /** Starts it again on the same port, after kill(). */
  restart(): Promise<void>;
  /** Stops the server at once and removes its files. */
  stop(): Promise<void>;
}

export async function startPrivatePostgres(settings: Record<string, string>): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'opsmantik-pg-'));
  const data = join(dir, 'data');
  try {
    if (process.getuid?.() === 0) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      chownSync(dir, uid, gid);
    }
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    const port = await freePort();
    const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off',
      ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
    const startArgs = ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'];
    const stopArgs = ['-D', data, '-m', 'immediate', '-w', 'stop'];
    asPostgres('pg_ctl', startArgs);
    let running = true;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      async kill() {
        await asPostgresAsync('pg_ctl', stopArgs);
        running = false;
      },
      async restart() {
        await asPostgresAsync('pg_ctl', startArgs);
        running = true;
      },
      async stop() {
        try {
          if (running) asPostgres('pg_ctl', stopArgs);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
