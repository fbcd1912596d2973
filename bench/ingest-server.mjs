// The server half of bench/ingest.mjs, in a process of its own so that its memory is measured
// alone and the load generator does not share its event loop. Started with fork(); talks over IPC.
//   BENCH_DATABASE_URL  the database
//   BENCH_POOL          connections for all processes together (default 10)
//   BENCH_WORKERS       handler processes (node:cluster; default 1)
//   BENCH_REDIS_URL     share rate limits through Redis (as `serve --workers` requires)
//   BENCH_QUEUE_URL, BENCH_STREAM   queue mode: handlers enqueue to NATS JetStream
//   BENCH_ROLE=worker   instead of serving, run a queue worker (`opsmantik worker`) on BENCH_STREAM
//   BENCH_SERVER_DIST   a built server's node.js to load instead (bench/cpu-per-request.mjs: A/B of two builds)
import cluster from 'node:cluster';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The build when it is newer than every server source (what users run); the sources through tsx otherwise.
const built = fileURLToPath(new URL('../server/dist/node.js', import.meta.url));
const sources = fileURLToPath(new URL('../server/src/', import.meta.url));
const newest = (dir) =>
  Math.max(...readdirSync(dir, { withFileTypes: true }).map((d) => (d.isDirectory() ? newest(`${dir}${d.name}/`) : statSync(`${dir}${d.name}`).mtimeMs)));
let useBuild = false;
try {
  useBuild = statSync(built).mtimeMs >= newest(sources);
} catch {
  useBuild = false;
}
const other = process.env.BENCH_SERVER_DIST;
if (!useBuild && !other) (await import('tsx/esm/api')).register();
const server = await import(other ? pathToFileURL(other).href : useBuild ? '../server/dist/node.js' : '../server/src/node.ts');
const code = other ? `${other} (build)` : useBuild ? 'server/dist/node.js (build)' : 'server/src (tsx)';

const env = process.env;
const workers = Number(env.BENCH_WORKERS ?? 1);
const budget = Number(env.BENCH_POOL ?? 10);

/** The connection budget split over the processes, and group-commit concurrency sized to the pool (as cli-scale.ts does). */
async function openPool() {
  const max = Math.max(2, Math.floor(budget / workers));
  const db = await server.openDb({ url: env.BENCH_DATABASE_URL, max });
  server.configureGroupCommit(db, { concurrency: Number(env.BENCH_GROUPS ?? Math.max(1, Math.min(2, max - 1))) });
  return db;
}

async function runWorker() {
  const db = await server.openDb({ url: env.BENCH_DATABASE_URL, max: 4 });
  server.configureGroupCommit(db, { concurrency: 3 });
  const worker = await server.runIngestWorker({ db, url: env.BENCH_QUEUE_URL, stream: env.BENCH_STREAM, batch: 2000, log: () => undefined });
  process.send({ type: 'ready', code });
  process.on('message', async (msg) => {
    if (msg?.type === 'rss') process.send({ type: 'rss', rss: process.memoryUsage().rss });
    if (msg?.type === 'stop') {
      await worker.stop();
      await db.close();
      process.exit(0);
    }
  });
}

async function runHandler() {
  const db = await openPool();
  const queue = env.BENCH_QUEUE_URL ? await server.openIngestQueue({ url: env.BENCH_QUEUE_URL, stream: env.BENCH_STREAM }) : undefined;
  const handler = server.createHandler({
    db,
    // Raised for the benchmark (the defaults are 100 and 50 a minute per client and site): the load
    // comes from one address for one site.
    limits: { sync: 1e9, call: 1e9 },
    redisUrl: env.BENCH_REDIS_URL || undefined,
    rateLimitPrefix: env.BENCH_REDIS_URL ? `om_bench_${process.ppid}` : undefined,
    enqueue: queue?.enqueue,
    // Request logs off: one JSON line per request would measure the terminal.
    log: () => undefined,
  });
  const http = server.createNodeServer({ handler });
  const url = await server.listen(http, Number(env.BENCH_PORT ?? 0), '127.0.0.1');
  process.send({ type: 'ready', url, code });
  process.on('message', async (msg) => {
    if (msg?.type === 'rss') process.send({ type: 'rss', rss: process.memoryUsage().rss });
    if (msg?.type === 'cpu') process.send({ type: 'cpu', cpu: process.cpuUsage() });
    if (msg?.type === 'stop') {
      http.closeAllConnections();
      http.close();
      await handler.close();
      await queue?.close();
      await db.close();
      process.exit(0);
    }
  });
}

/** The primary of several handler processes: forwards the first ready, stops them all, sums nothing (RSS is per process). */
async function runPrimary() {
  const { createServer } = await import('node:net');
  // One fixed port for all handler processes (listen(0) in a worker would get a port of its own here).
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = probe.address().port;
      probe.close(() => resolve(p));
    });
  });
  let ready = 0;
  cluster.on('exit', (w, code, signal) => console.error(`handler process ${w.process.pid} ended: ${signal ?? code}`));
  for (let k = 0; k < workers; k++) {
    const w = cluster.fork({ BENCH_PORT: String(port) });
    w.on('message', (m) => {
      if (m?.type === 'ready' && ++ready === workers) process.send({ type: 'ready', url: m.url, code: `${m.code}, ${workers} processes` });
      if (m?.type === 'rss') process.send(m);
    });
  }
  process.on('message', (msg) => {
    const alive = () => Object.values(cluster.workers).filter((w) => w.isConnected());
    if (msg?.type === 'rss') for (const w of alive()) w.send({ type: 'rss' }, () => undefined);
    if (msg?.type === 'stop') {
      // Count the exits: a worker leaves cluster.workers only once it has both exited and
      // disconnected, which may come after its 'exit' event (then nobody looked again: a hang).
      let left = alive().length;
      if (!left) process.exit(0);
      cluster.on('exit', () => --left || process.exit(0));
      for (const w of alive()) w.send({ type: 'stop' }, () => undefined);
    }
  });
}

if (env.BENCH_ROLE === 'worker') await runWorker();
else if (workers > 1 && cluster.isPrimary) await runPrimary();
else await runHandler();
