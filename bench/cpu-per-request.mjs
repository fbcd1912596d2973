// CPU per POST /api/sync request: the server process's CPU time (process.cpuUsage(), user +
// system) over a closed wrk loop, divided by the requests it served, and PostgreSQL's (its
// backends' CPU time from /proc, when the database runs on this machine). Unlike requests/s this hardly
// depends on what else the machine runs, so two builds can be compared on a busy machine: runs
// alternate between them (A B A B ...), each a fresh server process, after a warm-up.
//
//   node bench/cpu-per-request.mjs [--builds base=/path/to/node.js,new=server/dist/node.js]
//        [--rounds 3] [--duration 5] [--concurrency 8] [--batch 1] [--queue] [--prof DIR]
//
// --builds   label=path of a built server's node.js (default: this checkout's server/dist; run
//            `npm run build` first). A baseline build: copy server/dist of another commit somewhere
//            inside this checkout (e.g. node_modules/.base/) so that its imports resolve.
// --queue    queue mode (handlers enqueue to NATS JetStream at NATS_URL, nothing written)
// --prof     also write a V8 CPU profile per run into DIR (node --cpu-prof)
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test): a database of its own is created
// and dropped. Prints one JSON object (per run, and the median per build).
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { cpuMs, readStat } from './lib/proc.mjs';
import postgres from 'postgres';
import { register } from 'tsx/esm/api';

register();
const { openDb, migrate, createSite } = await import('../server/src/node.ts');

const { values } = parseArgs({
  options: {
    builds: { type: 'string', default: `new=${fileURLToPath(new URL('../server/dist/node.js', import.meta.url))}` },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '1' },
    queue: { type: 'boolean', default: false },
    prof: { type: 'string' },
  },
});
const builds = values.builds.split(',').map((b) => {
  const [label, path] = b.split('=');
  return { label, path: resolve(path) };
});
const ORIGIN = 'https://bench.example';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const LUA = fileURLToPath(new URL('./wrk-sync.lua', import.meta.url));
const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `opsmantik_cpu_${randomBytes(5).toString('hex')}`;
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
const month = new Date().toISOString().slice(0, 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function wrk(url, publicId, seconds) {
  const c = Number(values.concurrency);
  return new Promise((done, fail) => {
    const child = spawn('wrk', [`-t${c}`, `-c${c}`, `-d${seconds}s`, '-s', LUA, url], {
      env: { ...process.env, BENCH_BATCH: values.batch, BENCH_SITE: publicId, BENCH_MONTH: month, BENCH_ORIGIN: ORIGIN, BENCH_UA: UA },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    // Without this a missing wrk (ENOENT) was an uncaught error that left the server process running.
    child.on('error', (e) => fail(new Error(`wrk: ${e.message} (Debian: apt-get install wrk)`)));
    child.on('close', (code) => {
      const line = text.split('\n').find((l) => l.startsWith('WRK_RESULT '));
      if (code !== 0 || !line) fail(new Error(`wrk: ${code} ${text}`));
      else done(JSON.parse(line.slice('WRK_RESULT '.length)));
    });
  });
}

/**
 * CPU time of the bench database's backends, ms, from /proc (PostgreSQL on this machine; null
 * otherwise). Per backend, so that a connection opened during the run counts from zero.
 */
async function backendCpu() {
  const rows = await admin`select pid from pg_stat_activity where datname = ${dbName}`;
  const cpu = new Map();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, cpuMs(readStat(`/proc/${pid}/stat`).fields));
    } catch {
      return null;
    }
  }
  return cpu;
}
/** CPU ms the backends spent between two readings, or null when either is missing. */
const cpuBetween = (before, after) =>
  before && after ? [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0) : null;

const ask = (server, type) =>
  new Promise((done) => {
    const on = (m) => {
      if (m?.type !== type) return;
      server.off('message', on);
      done(m);
    };
    server.on('message', on);
    server.send({ type });
  });

async function run(build, publicId, n, stream) {
  const execArgv = values.prof ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values.prof)}`, `--cpu-prof-name=${build.label}-${n}.cpuprofile`] : [];
  const server = fork(fileURLToPath(new URL('./ingest-server.mjs', import.meta.url)), {
    execArgv,
    env: {
      ...process.env,
      BENCH_SERVER_DIST: build.path,
      BENCH_DATABASE_URL: dbUrl,
      BENCH_POOL: '10',
      ...(values.queue ? { BENCH_QUEUE_URL: process.env.NATS_URL || 'nats://127.0.0.1:4222', BENCH_STREAM: stream } : {}),
    },
  });
  const ready = await new Promise((ok, fail) => {
    server.once('message', (m) => (m?.type === 'ready' ? ok(m) : fail(new Error('server did not start'))));
    server.once('exit', (code) => fail(new Error(`server exited ${code}`)));
  });
  let load, before, w, after, pgBefore, pgAfter;
  try {
    await wrk(ready.url, publicId, 2); // warm-up: JIT, connections, caches
    load = os.loadavg()[0];
    before = (await ask(server, 'cpu')).cpu;
    pgBefore = await backendCpu();
    w = await wrk(ready.url, publicId, Number(values.duration));
    after = (await ask(server, 'cpu')).cpu;
    pgAfter = await backendCpu();
  } catch (e) {
    server.kill(); // a failed run must not leave its server behind (the benchmark would never exit)
    throw e;
  }
  server.send({ type: 'stop' });
  await new Promise((r) => server.once('exit', r));
  const cpuUs = after.user - before.user + (after.system - before.system);
  const pgMs = cpuBetween(pgBefore, pgAfter);
  const errors = w.statusErrors + w.connectErrors + w.readErrors + w.timeouts;
  return {
    build: build.label,
    requests: w.requests,
    errors,
    requestsPerSecond: Math.round(w.requests / (w.durationUs / 1e6)),
    cpuUsPerRequest: Math.round(cpuUs / w.requests),
    userUsPerRequest: Math.round((after.user - before.user) / w.requests),
    // PostgreSQL's side (null where the database is not on this machine; one tick's resolution per backend).
    postgresUsPerRequest: pgMs === null ? null : Math.round((pgMs * 1000) / w.requests),
    p50Ms: w.p50Us / 1000,
    p99Ms: w.p99Us / 1000,
    loadAverage: Math.round(load * 100) / 100,
  };
}

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
const stream = `OPSMANTIK_CPU_${randomBytes(4).toString('hex').toUpperCase()}`;
const runs = [];
try {
  const db = await openDb({ url: dbUrl, max: 2 });
  await migrate(db);
  const site = await createSite(db, { ownerEmail: 'cpu@opsmantik.invalid', origins: [ORIGIN] });
  await db.close();
  for (let n = 0; n < Number(values.rounds); n++) {
    // Alternate the order each round so that neither build always runs first.
    for (const build of n % 2 ? [...builds].reverse() : builds) {
      const r = await run(build, site.publicId, n, stream);
      console.error(JSON.stringify(r));
      runs.push(r);
    }
  }
} finally {
  if (values.queue) {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: process.env.NATS_URL || 'nats://127.0.0.1:4222' });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
    await nc.close();
  }
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
const summary = builds.map(({ label }) => {
  const mine = runs.filter((r) => r.build === label);
  return {
    build: label,
    cpuUsPerRequest: median(mine.map((r) => r.cpuUsPerRequest)),
    postgresUsPerRequest: median(mine.map((r) => r.postgresUsPerRequest)),
    requestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
    loadAverage: median(mine.map((r) => r.loadAverage)),
  };
});
console.log(JSON.stringify({ mode: values.queue ? 'queue' : 'direct', batch: Number(values.batch), concurrency: Number(values.concurrency), summary, runs }, null, 1));
