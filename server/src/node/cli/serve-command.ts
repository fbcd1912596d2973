/** `opsmantik serve`: the server, with every limit and timeout a flag (and an environment variable). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { serve } from '../serve.js';
import { adsUploadFromEnv } from '../ads-env.js';
import { prepareServe } from '../cli-scale.js';
import { LOG_LEVELS, leveledLogger, type LogLevel } from '../../http/log.js';
import { dbTarget, describeTarget, explainDbError } from './database.js';
import { CliError, DATABASE_FLAGS, integer, setting, type Command } from './spec.js';

export const serveCommand: Command = {
  words: ['serve'],
  summary: 'Run the ingestion server (migrates the database first; safe with several replicas).',
  flags: [
    ...DATABASE_FLAGS,
    { name: 'port', type: 'string', env: 'PORT', placeholder: 'N', description: 'Port to listen on', default: '3000' },
    { name: 'host', type: 'string', env: 'OPSMANTIK_HOST', placeholder: 'HOST', description: 'Address to listen on', default: '0.0.0.0 (127.0.0.1 with --demo)' },
    { name: 'redis-url', type: 'string', env: 'REDIS_URL', placeholder: 'URL', description: 'Redis for rate limits shared between replicas (in memory without it)' },
    { name: 'trust-proxy', type: 'string', env: 'OPSMANTIK_TRUST_PROXY', placeholder: 'HOPS', description: 'Proxies in front whose X-Forwarded-For/-Proto/-Host are trusted (0 = none)', default: '0' },
    { name: 'demo', type: 'boolean', env: 'OPSMANTIK_DEMO', description: 'Create the demo site and serve the demo pages and live view' },
    { name: 'log-level', type: 'string', env: 'LOG_LEVEL', placeholder: 'LEVEL', description: 'error, warn or info (info logs every request)', default: 'info' },
    { name: 'drain-timeout', type: 'string', env: 'OPSMANTIK_DRAIN_TIMEOUT_MS', placeholder: 'MS', description: 'On SIGTERM/SIGINT, how long in-flight requests may finish', default: '10000' },
    { name: 'headers-timeout', type: 'string', env: 'OPSMANTIK_HEADERS_TIMEOUT_MS', placeholder: 'MS', description: 'Time to receive request headers', default: '10000' },
    { name: 'request-timeout', type: 'string', env: 'OPSMANTIK_REQUEST_TIMEOUT_MS', placeholder: 'MS', description: 'Time to receive a whole request', default: '30000' },
    { name: 'min-body-rate', type: 'string', env: 'OPSMANTIK_MIN_BODY_RATE', placeholder: 'BYTES', description: 'Bytes a second a body must average after 5 s', default: '1024' },
    { name: 'max-connections', type: 'string', env: 'OPSMANTIK_MAX_CONNECTIONS', placeholder: 'N', description: 'Open connections at most', default: '1000' },
    { name: 'live-per-site', type: 'string', env: 'OPSMANTIK_LIVE_PER_SITE', placeholder: 'N', description: 'Open live streams per site', default: '50' },
    { name: 'live-per-address', type: 'string', env: 'OPSMANTIK_LIVE_PER_ADDRESS', placeholder: 'N', description: 'Open live streams per client address', default: '10' },
    { name: 'db-deadline', type: 'string', env: 'OPSMANTIK_DB_DEADLINE_MS', placeholder: 'MS', description: "A request's database work gives up after this (503 with Retry-After)", default: '2500' },
    { name: 'statement-timeout', type: 'string', env: 'OPSMANTIK_STATEMENT_TIMEOUT_MS', placeholder: 'MS', description: "PostgreSQL statement_timeout for the server's queries", default: '5000' },
    { name: 'connect-timeout', type: 'string', env: 'OPSMANTIK_CONNECT_TIMEOUT_S', placeholder: 'S', description: 'Seconds to open a PostgreSQL connection', default: '3' },
    { name: 'no-metrics', type: 'boolean', env: 'OPSMANTIK_NO_METRICS', description: 'Do not serve Prometheus metrics at /metrics' },
    { name: 'workers', type: 'string', env: 'OPSMANTIK_WORKERS', placeholder: 'N', description: 'Handler processes on one port (needs PostgreSQL and --redis-url)', default: '1' },
    { name: 'db-connections', type: 'string', env: 'OPSMANTIK_DB_CONNECTIONS', placeholder: 'N', description: 'PostgreSQL connections all handler processes hold together', default: '10' },
    { name: 'queue', type: 'string', env: 'OPSMANTIK_QUEUE', placeholder: 'URL', description: 'Queue mode: store validated batches in NATS JetStream (nats://HOST:PORT) and answer 202; run `opsmantik worker` to write them' },
  ],
  examples: [
    'opsmantik serve --demo',
    'DATABASE_URL=postgres://opsmantik:secret@db.internal:5432/opsmantik opsmantik serve --port 8080 --trust-proxy 1',
    'opsmantik serve --data-dir /var/lib/opsmantik --log-level warn --drain-timeout 20000',
  ],
  async run(parsed, { out }) {
    const parent = process.ppid;
    const target = dbTarget(parsed);
    const port = integer(parsed, 'port', 3000, 0, 65535);
    const level = setting(parsed, 'log-level');
    if (level && !LOG_LEVELS.includes(level.value as LogLevel)) {
      throw new CliError(`${level.from} must be one of ${LOG_LEVELS.join(', ')}; it is ${JSON.stringify(level.value)}.`, 2);
    }
    const trust = setting(parsed, 'trust-proxy');
    const hops = trust?.value === 'true' ? 1 : integer(parsed, 'trust-proxy', 0, 0, 10);
    const demo = parsed.values.demo === true;
    const log = leveledLogger((level?.value as LogLevel | undefined) ?? 'info');
    const tokenFile = demo ? demoTokenFile(target) : undefined;
    // --workers N: this process forks the handler processes and only waits; each of them runs this
    // again. (One process without a queue needs none of it: serve opens and closes its own database.)
    const workers = setting(parsed, 'workers')?.value;
    const queue = setting(parsed, 'queue')?.value;
    const scaled =
      (workers !== undefined && workers !== '1') || queue
        ? await prepareServe(
            { workers, queue, 'db-connections': setting(parsed, 'db-connections')?.value, 'redis-url': setting(parsed, 'redis-url')?.value },
            'url' in target ? { url: target.url } : {},
          ).catch((err: unknown) => {
            throw new CliError((err as Error).message, 2);
          })
        : ({ primary: false, handler: {}, close: async () => undefined } as const);
    if (scaled.primary) return 'running';
    let running;
    try {
      running = await serve({
        ...('url' in target ? { databaseUrl: target.url } : { dataDir: target.dataDir }),
        ...('db' in scaled && scaled.db ? { db: scaled.db } : {}),
        port,
        host: setting(parsed, 'host')?.value ?? (demo ? '127.0.0.1' : '0.0.0.0'),
        redisUrl: setting(parsed, 'redis-url')?.value,
        demo,
        demoLiveToken: tokenFile ? readToken(tokenFile) : undefined,
        adsUpload: adsUploadFromEnv(),
        drainMs: integer(parsed, 'drain-timeout', 10_000),
        dbDeadlineMs: integer(parsed, 'db-deadline', 2500, 1),
        metrics: parsed.values['no-metrics'] !== true,
        postgres: { connectTimeoutSeconds: integer(parsed, 'connect-timeout', 3, 1), statementTimeoutMs: integer(parsed, 'statement-timeout', 5000) },
        http: {
          headersTimeoutMs: integer(parsed, 'headers-timeout', 10_000, 1),
          requestTimeoutMs: integer(parsed, 'request-timeout', 30_000, 1),
          minBodyRate: { bytesPerSecond: integer(parsed, 'min-body-rate', 1024) },
          maxConnections: integer(parsed, 'max-connections', 1000, 1),
        },
        handler: {
          log,
          ...scaled.handler,
          trustProxy: hops,
          liveLimits: { perSite: integer(parsed, 'live-per-site', 50, 1), perAddress: integer(parsed, 'live-per-address', 10, 1) },
        },
      });
    } catch (err) {
      if (err instanceof CliError || (err as { code?: string }).code === 'EADDRINUSE') {
        if ((err as { code?: string }).code === 'EADDRINUSE') throw new CliError(`Port ${port} is in use (${parsed.from.port ?? 'the default'}); choose another with --port or PORT.`);
        throw err;
      }
      throw explainDbError(err, target);
    }
    // Before anything is printed: whoever waits for the addresses may signal at once.
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log({ level: 'info', msg: 'shutdown', step: 'signal', signal });
      void running
        .close()
        .then(() => scaled.close())
        .then(
        () => process.exit(0),
        (err: unknown) => {
          log({ level: 'error', msg: 'shutdown_failed', error: String((err as Error)?.message ?? err) });
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    const base = `http://localhost:${running.port}`;
    out(`OpsMantik listening on ${base} (${describeTarget(target)}); pid ${process.pid}`);
    if (running.trackerScript) out(`Tracker script: ${base}/opsmantik.min.js (and opsmantik-fp.mjs beside it)`);
    else out('Warning: the tracker files (opsmantik.min.js, opsmantik-fp.mjs) were not found, so this server does not serve the script tag: run `npm run build`, or host both files yourself.');
    out(`Dashboard: ${base}/dashboard/ (sign in with a site id and its live token)`);
    if (running.demo) {
      if (tokenFile) saveToken(tokenFile, running.demo.liveToken);
      const token = encodeURIComponent(running.demo.liveToken);
      out(`Demo site: ${running.demo.publicId}; demo pages at ${base}/`);
      // The token travels in the fragment, so it never reaches server logs or a Referer.
      out(`Live view: ${base}/live/#site=${running.demo.publicId}&token=${token}`);
      out(`Live stream: ${base}/api/live?site=${running.demo.publicId}&token=${token}`);
    }
    // Under `npx opsmantik serve`, a SIGTERM for npm ends npm and its shell but never reaches this
    // process; losing the parent is then the only sign, and is treated like the signal.
    if (process.env.npm_command) watchParent(parent, () => stop('parent_exited'));
    return 'running';
  },
};

/** Calls `onGone` once this process's parent is no longer `parent` (also when it went during start-up). */
function watchParent(parent: number, onGone: () => void): void {
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 500);
  // Unref'd: the server's own handles keep the process alive, not this watch.
  timer.unref();
}

/** Where the demo's live token is kept between starts: beside the embedded database, or in .opsmantik/. */
function demoTokenFile(target: { url: string } | { dataDir: string }): string {
  return join('dataDir' in target ? dirname(resolve(target.dataDir)) : resolve('.opsmantik'), 'demo-live-token');
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
