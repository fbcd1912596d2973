/**
 * `npx opsmantik`: the operator's commands.
 *   serve   [--database-url URL] [--port N] [--host H] [--redis-url URL] [--data-dir DIR] [--trust-proxy N] [--demo]
 *   migrate [--database-url URL] [--data-dir DIR]
 *   site create --origin URL [--origin URL ...] --owner EMAIL [--name NAME] [--database-url URL] [--data-dir DIR]
 *   ads connect|settings|upload|status ... (node/ads-commands.ts)
 * DATABASE_URL, REDIS_URL, PORT and OPSMANTIK_DATA_DIR are read when the flags are absent.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../store/db/index.js';
import { migrate } from '../store/db/migrate.js';
import { createSite } from '../store/sites.js';
import { serve } from './serve.js';
import { ADS_USAGE, adsUploadFromEnv, runAdsCommand } from './ads-commands.js';

const USAGE = `Usage:
  opsmantik serve [--database-url URL] [--port N] [--host HOST] [--redis-url URL] [--data-dir DIR] [--trust-proxy HOPS] [--demo]
  opsmantik migrate [--database-url URL] [--data-dir DIR]
  opsmantik site create --origin URL [--origin URL ...] --owner EMAIL [--name NAME] [--database-url URL] [--data-dir DIR]
${ADS_USAGE}

Without --database-url (or DATABASE_URL) the embedded database in --data-dir (default .opsmantik/data) is used.`;

const options = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'redis-url': { type: 'string' },
  'trust-proxy': { type: 'string' },
  demo: { type: 'boolean' },
  origin: { type: 'string', multiple: true },
  owner: { type: 'string' },
  name: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags beat the environment: an explicit --data-dir wins over a DATABASE_URL left in the shell. */
function dbTarget(values: { 'database-url'?: string; 'data-dir'?: string }) {
  if (values['database-url']) return { url: values['database-url'] };
  if (values['data-dir']) return { dataDir: values['data-dir'] };
  const url = process.env.DATABASE_URL;
  return url ? { url } : { dataDir: process.env.OPSMANTIK_DATA_DIR ?? '.opsmantik/data' };
}

/** Said before a command writes to the embedded database, so nobody creates a site in the wrong place. */
function sayEmbedded(target: { url?: string; dataDir?: string }): void {
  if (target.url) return;
  console.error(`Using the embedded database in ${resolve(target.dataDir!)} (no --database-url or DATABASE_URL given).`);
}

/** Where the demo's live token is kept between starts: beside the embedded database, or in .opsmantik/. */
function demoTokenFile(target: { dataDir?: string }): string {
  return join(target.dataDir ? dirname(resolve(target.dataDir)) : resolve('.opsmantik'), 'demo-live-token');
}

function readToken(file: string): string | undefined {
  try {
    const token = readFileSync(file, 'utf8').trim();
    return /^oml_[A-Za-z0-9_-]{16,}$/.test(token) ? token : undefined;
  } catch {
    return undefined;
  }
}

function saveToken(file: string, token: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
  } catch (err) {
    console.warn(`Could not keep the demo's live token in ${file} (${(err as Error).message}); the next start prints a new one.`);
  }
}

async function main(argv: string[]): Promise<number> {
  // The ads commands parse their own flags.
  if (argv[0] === 'ads') return runAdsCommand(argv.slice(1), dbTarget);
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 1;
  }
  if (command === 'serve') {
    const target = dbTarget(values);
    const port = Number(values.port ?? process.env.PORT ?? 3000);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Not a port: ${values.port}`);
    const trust = values['trust-proxy'];
    const tokenFile = values.demo ? demoTokenFile(target) : undefined;
    const running = await serve({
      databaseUrl: target.url,
      dataDir: target.dataDir,
      port,
      host: values.host ?? (values.demo ? '127.0.0.1' : '0.0.0.0'),
      redisUrl: values['redis-url'] ?? process.env.REDIS_URL,
      demo: values.demo,
      demoLiveToken: tokenFile ? readToken(tokenFile) : undefined,
      adsUpload: adsUploadFromEnv(),
      handler: { trustProxy: trust === undefined ? false : trust === 'true' ? true : Number(trust) },
    });
    // Before anything is printed: whoever waits for the addresses may signal at once.
    const stop = () => {
      void running.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const base = `http://localhost:${running.port}`;
    console.log(`OpsMantik listening on ${base} (${target.url ? 'PostgreSQL' : `embedded database in ${target.dataDir}`})`);
    if (running.trackerScript) console.log(`Tracker script: ${base}/opsmantik.min.js (and opsmantik-fp.mjs beside it)`);
    else console.warn('Warning: the tracker files (opsmantik.min.js, opsmantik-fp.mjs) were not found, so this server does not serve the script tag: run `npm run build`, or host both files yourself.');
    console.log(`Dashboard: ${base}/dashboard/ (sign in with a site id and its live token)`);
    if (running.demo) {
      if (tokenFile) saveToken(tokenFile, running.demo.liveToken);
      const token = encodeURIComponent(running.demo.liveToken);
      console.log(`Demo site: ${running.demo.publicId}; demo pages at ${base}/`);
      // The token travels in the fragment, so it never reaches server logs or a Referer.
      console.log(`Live view: ${base}/live/#site=${running.demo.publicId}&token=${token}`);
      console.log(`Live stream: ${base}/api/live?site=${running.demo.publicId}&token=${token}`);
    }
    return -1; // keep running
  }
  if (command === 'migrate') {
    const target = dbTarget(values);
    sayEmbedded(target);
    const db = await openDb(target);
    try {
      const applied = await migrate(db);
      console.log(applied.length ? `Applied ${applied.join(', ')}` : 'Nothing to apply.');
    } finally {
      await db.close();
    }
    return 0;
  }
  if (command === 'site' && sub === 'create') {
    if (!values.origin?.length || !values.owner) {
      console.error('site create needs --origin URL and --owner EMAIL.');
      return 1;
    }
    const target = dbTarget(values);
    sayEmbedded(target);
    const db = await openDb(target);
    try {
      await migrate(db);
      const site = await createSite(db, { ownerEmail: values.owner, origins: values.origin, name: values.name });
      console.log(`Server secret (for /api/call-event from your servers; shown once): ${site.secret}`);
      console.log(`Live token (for /api/live and /api/sessions; shown once): ${site.liveToken}`);
      // Alone on the last line, for scripts: `opsmantik site create ... | tail -n 1`.
      console.log(site.publicId);
    } finally {
      await db.close();
    }
    return 0;
  }
  console.error(USAGE);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
