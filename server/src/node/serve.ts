/**
 * Starting the whole server from code or the CLI: open the database (PostgreSQL at a URL, else
 * the embedded PGlite in a data folder), migrate, optionally create the demo site, and serve the
 * handler (plus static folders) over node:http.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Db } from '../store/db/types.js';
import { openDb } from '../store/db/index.js';
import { migrate } from '../store/db/migrate.js';
import { createHandler, type Handler, type HandlerOptions } from '../http/handler.js';
import { createNodeServer, listen, type NodeServerOptions, type StaticDir } from './binding.js';
import { withDeadline } from '../store/db/deadline.js';
import { jsonLogger, type Logger } from '../http/log.js';
import { gracefulClose } from './shutdown.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { createDemoSite } from './demo.js';
import { serverDir, trackerDir } from './locate.js';
import { trackerAssets, TRACKER_FILES, type AssetServer } from './assets.js';
import type { CreatedSite } from '../store/sites.js';
import { runUploadJob, type UploadJobOptions } from '../ads/upload-job.js';
import { scrub } from '../http/log.js';

export interface ServeOptions {
  /** PostgreSQL URL; the embedded database when absent. */
  databaseUrl?: string;
  /** Folder of the embedded database (default `.opsmantik/data`); ignored with a URL. */
  dataDir?: string;
  /** An already open database (then databaseUrl and dataDir are ignored, and close() leaves it open). */
  db?: Db;
  port?: number;
  host?: string;
  redisUrl?: string;
  /** Create the demo site and serve examples/ at / and dist/ at /dist/. */
  demo?: boolean;
  /** More static folders; a live view or demo pages can be mounted here. */
  staticDirs?: StaticDir[];
  /**
   * Folder with the tracker's script files, served at /opsmantik.min.js and beside it (default: the
   * copy in this package's build, else the tracker's build in a checkout); false serves none.
   */
  trackerDir?: string | false;
  /** Extra origins the demo site accepts (e.g. a second test server). */
  demoOrigins?: string[];
  /** The demo's live token from an earlier start, to keep; a new one when absent. */
  demoLiveToken?: string;
  /**
   * Upload due Google Ads conversions of the sites that upload through the API, every `everyMs`
   * (node/ads-env.ts adsUploadFromEnv builds this from the environment).
   */
  adsUpload?: Pick<UploadJobOptions, 'keyring' | 'tokenUrl' | 'adsBaseUrl'> & { everyMs: number };
  /** Everything else the handler takes (limits, trustProxy, isBot, log, ...). */
  handler?: Omit<HandlerOptions, 'db'>;
  /** Timeouts and caps of the HTTP server (headers, request, body rate, connections). */
  http?: Omit<NodeServerOptions, 'handler' | 'staticDirs'>;
  /** A request's database calls give up after this long, answered 503 (default 2500 ms). */
  dbDeadlineMs?: number;
  /** PostgreSQL: connect timeout (s) and statement timeout (ms). */
  postgres?: { connectTimeoutSeconds?: number; statementTimeoutMs?: number };
  /** On close, in-flight requests get this long to finish, ms (default 10 000). */
  drainMs?: number;
  /** Serve Prometheus metrics at /metrics (default true). */
  metrics?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  db: Db;
  handler: Handler;
  server: Server;
  /** The demo site with its one-time secret and live token, with `demo: true`. */
  demo?: CreatedSite;
  /** Where the script tag's file is served, when the tracker's files were found. */
  trackerScript?: string;
  close(): Promise<void>;
}

/**
 * The dashboard at /dashboard/ (server/dashboard/app/), served in production too: it holds no data
 * and no secret, and signs in with a site's live token. Its shared helpers sit one folder up and
 * are mounted at /dashboard/lib/.
 */
export function dashboardStaticDirs(): StaticDir[] {
  const app = serverDir('dashboard/app');
  const lib = serverDir('dashboard');
  return app && lib ? [{ prefix: '/dashboard/', dir: app }, { prefix: '/dashboard/lib/', dir: lib }] : [];
}

/** The demo pages (the tracker's examples/) at /, its build at /dist/ and the live view at /live/, where they exist. */
export function demoStaticDirs(): StaticDir[] {
  const dirs: StaticDir[] = [];
  const dashboard = serverDir('dashboard');
  if (dashboard) dirs.push({ prefix: '/live/', dir: dashboard });
  const examples = trackerDir('examples');
  const dist = trackerDir('dist');
  if (examples) dirs.push({ prefix: '/', dir: examples });
  if (dist) dirs.push({ prefix: '/dist/', dir: dist });
  return dirs;
}

/**
 * Where the tracker's script files are: the copy in the server's build (dist/tracker/, what a
 * published server carries), else the tracker's own build in a checkout.
 */
export function trackerFilesDir(): string | undefined {
  const complete = (dir: string | undefined) => dir && TRACKER_FILES.every((f) => existsSync(join(dir, f))) ? dir : undefined;
  return complete(serverDir('dist/tracker')) ?? complete(trackerDir('dist'));
}

export async function serve(options: ServeOptions = {}): Promise<RunningServer> {
  const ownsDb = !options.db;
  const log: Logger = options.handler?.log ?? jsonLogger;
  const metrics: ServerMetrics | undefined = options.metrics === false ? undefined : await createMetrics();
  const observe = {
    ...metrics?.db,
    state(up: boolean, detail: string) {
      metrics?.db.state?.(up, detail);
      log({ level: up ? 'info' : 'warn', msg: up ? 'database_available' : 'database_unavailable', detail: scrub(detail) });
    },
  };
  const db =
    options.db ??
    (await openDb(
      options.databaseUrl
        ? { url: options.databaseUrl, postgres: { ...options.postgres, observe } }
        : { dataDir: options.dataDir ?? '.opsmantik/data' },
    ));
  try {
    if (ownsDb) await migrate(db);
    // The months ahead get their partitions now and daily (pg_cron does this where it exists); the
    // ingest path still creates a missing month on demand.
    await db.query('select public.maintain_partitions(2)');
    const daily = setInterval(() => void db.query('select public.maintain_partitions(2)').catch(() => undefined), 86_400_000);
    daily.unref();
    const adsJob = options.adsUpload && adsUploadEvery(db, options.adsUpload, options.handler?.log ?? jsonLogger);
    const handler = createHandler({
      ...options.handler,
      // The request path never waits for the database longer than this; migrations above do.
      db: withDeadline(db, options.dbDeadlineMs ?? 2500),
      redisUrl: options.redisUrl ?? options.handler?.redisUrl,
      ...(metrics ? { observer: metrics.requests, metrics: metrics.source } : {}),
    });
    metrics?.liveViewers(() => handler.liveViewers());
    const staticDirs = [...(options.staticDirs ?? []), ...dashboardStaticDirs(), ...(options.demo ? demoStaticDirs() : [])];
    const trackerDir = options.trackerDir === false ? undefined : (options.trackerDir ?? trackerFilesDir());
    const assets: AssetServer | undefined = trackerDir ? trackerAssets(trackerDir) : undefined;
    const server = createNodeServer({ ...options.http, handler, staticDirs, assets });
    const url = await listen(server, options.port ?? 3000, options.host ?? '127.0.0.1');
    const port = Number(new URL(url).port);
    const demo = options.demo ? await createDemoSite(db, port, options.demoOrigins, options.demoLiveToken) : undefined;
    return {
      url,
      port,
      db,
      handler,
      server,
      demo,
      trackerScript: assets ? `${url}/opsmantik.min.js` : undefined,
      async close() {
        clearInterval(daily);
        if (adsJob) clearInterval(adsJob);
        await gracefulClose({ server, handler, log, drainMs: options.drainMs ?? 10_000, closeDb: ownsDb ? () => db.close() : undefined });
      },
    };
  } catch (err) {
    if (ownsDb) await db.close().catch(() => undefined);
    throw err;
  }
}

/** The periodic upload; a run still going when the next is due is not doubled. */
function adsUploadEvery(db: Db, o: NonNullable<ServeOptions['adsUpload']>, log: NonNullable<UploadJobOptions['log']>): ReturnType<typeof setInterval> {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runUploadJob({ db, keyring: o.keyring, tokenUrl: o.tokenUrl, adsBaseUrl: o.adsBaseUrl, log })
      .catch((err: unknown) => log({ level: 'error', msg: 'ads_upload', status: 'failed', message: String((err as Error)?.message ?? err).slice(0, 300) }))
      .finally(() => {
        running = false;
      });
  }, o.everyMs);
  timer.unref();
  return timer;
}
