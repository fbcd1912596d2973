/**
 * `npx opsmantik`: the operator's commands.
 *   serve   [--database-url URL] [--port N] [--host H] [--redis-url URL] [--data-dir DIR] [--trust-proxy N] [--demo]
 *   migrate [--database-url URL] [--data-dir DIR]
 *   site create --origin URL [--origin URL ...] --owner EMAIL [--name NAME] [--database-url URL] [--data-dir DIR]
 * DATABASE_URL, REDIS_URL, PORT and OPSMANTIK_DATA_DIR are read when the flags are absent.
 */
import { parseArgs } from 'node:util';
import { openDb } from '../store/db/index.js';
import { migrate } from '../store/db/migrate.js';
import { createSite } from '../store/sites.js';
import { serve } from './serve.js';
import { prepareServe, runWorkerCommand, scaleOptions, SCALE_USAGE } from './cli-scale.js';

const USAGE = `Usage:
  opsmantik serve [--database-url URL] [--port N] [--host HOST] [--redis-url URL] [--data-dir DIR] [--trust-proxy HOPS] [--demo]
  opsmantik migrate [--database-url URL] [--data-dir DIR]
  opsmantik site create --origin URL [--origin URL ...] --owner EMAIL [--name NAME] [--database-url URL] [--data-dir DIR]

${SCALE_USAGE}

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
  ...scaleOptions,
} as const;

/** Flags beat the environment: an explicit --data-dir wins over a DATABASE_URL left in the shell. */
function dbTarget(values: { 'database-url'?: string; 'data-dir'?: string }) {
  if (values['database-url']) return { url: values['database-url'] };
  if (values['data-dir']) return { dataDir: values['data-dir'] };
  const url = process.env.DATABASE_URL;
  return url ? { url } : { dataDir: process.env.OPSMANTIK_DATA_DIR ?? '.opsmantik/data' };
}

async function main(argv: string[]): Promise<number> {
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
    const scaled = await prepareServe(values, target);
    if (scaled.primary) return -1; // the handler processes serve
    const running = await serve({
      db: scaled.db,
      databaseUrl: target.url,
      dataDir: target.dataDir,
      port,
      host: values.host ?? (values.demo ? '127.0.0.1' : '0.0.0.0'),
      redisUrl: values['redis-url'] ?? process.env.REDIS_URL,
      demo: values.demo,
      handler: { ...scaled.handler, trustProxy: trust === undefined ? false : trust === 'true' ? true : Number(trust) },
    });
    const base = `http://localhost:${running.port}`;
    console.log(`OpsMantik listening on ${base} (${target.url ? 'PostgreSQL' : `embedded database in ${target.dataDir}`})`);
    if (running.demo) {
      const token = encodeURIComponent(running.demo.liveToken);
      console.log(`Demo site: ${running.demo.publicId}; demo pages at ${base}/`);
      // The token travels in the fragment, so it never reaches server logs or a Referer.
      console.log(`Live view: ${base}/live/#site=${running.demo.publicId}&token=${token}`);
      console.log(`Live stream: ${base}/api/live?site=${running.demo.publicId}&token=${token}`);
    }
    const stop = () => {
      void running.close().then(() => scaled.close()).then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1; // keep running
  }
  if (command === 'worker') return runWorkerCommand(values, dbTarget(values));
  if (command === 'migrate') {
    const db = await openDb(dbTarget(values));
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
    const db = await openDb(dbTarget(values));
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
