#!/usr/bin/env node
// Ingestion benchmark (not a test), in one run, COPY of the same rows measured beside each part:
//   1. change notifications: 20,000 events in one statement with no trigger, per-statement (012/015), per-row (005),
//      and every trigger an events INSERT runs (the notifications and the dashboard rollups' log, 016);
//   2. HTTP POST /api/sync (group commit) with batches of 1, 10 and 50 events, closed loop (wrk);
//      single events on an open-loop schedule (500 requests/s);
//   3. 1, 2 and 4 handler processes (node:cluster, limits in Redis, one connection budget);
//   4. queue mode: handler p99 at 1,000 requests/s into NATS JetStream, then a worker's throughput.
//
//   node bench/ingest.mjs [--duration 6] [--concurrency 64] [--rates 500] [--queue-rate 1000] [--processes 1,2,4]
//
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), REDIS_URL (redis://127.0.0.1:6379)
// and NATS_URL (nats://127.0.0.1:4222) name the services; the benchmark creates a database and a
// stream of its own and removes them at the end. Load: wrk (Debian) for closed loops, the
// benchmark's own process for fixed-rate schedules (wrk has none). Each measurement (HTTP and COPY
// alike) starts after a vacuum, an analyze and a checkpoint, on a settled machine (85% idle, waited for at most 30 s; the wait
// and the idle share are reported as `settled`). Results: bench/results/ingest.json.
import { fork, spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { machineCpuTimes } from './lib/proc.mjs';
import postgres from 'postgres';
import { register } from 'tsx/esm/api';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

register();
const { openDb, migrate, createSite } = await import('../server/src/node.ts');

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '6' },
    // Closed loops measure what the server can take only with enough requests in flight to keep it
    // busy: each connection waits for its answer, which comes after its group's commit, so 16
    // connections left the cores partly idle (2026-12-01, two runs on one machine: batch 10 at 4,303
    // events/s with 16 connections, 7,635 with 64; batch 50 at 7,607 and 10,623).
    concurrency: { type: 'string', default: '64' },
    rates: { type: 'string', default: '500' },
    'queue-rate': { type: 'string', default: '1000' },
    processes: { type: 'string', default: '1,2,4' },
  },
});
const QUEUE_RATE = Number(values['queue-rate']);
const PROCESSES = values.processes.split(',').map(Number).filter((n) => n > 0);
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const LUA = fileURLToPath(new URL('./wrk-sync.lua', import.meta.url));
const DURATION_MS = Number(values.duration) * 1000;
const CONCURRENCY = Number(values.concurrency);
const RATES = values.rates.split(',').map(Number).filter((r) => r > 0);
const BATCHES = [1, 10, 50];
const REQUESTS_PER_SESSION = 5;
const ORIGIN = 'https://bench.example';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `opsmantik_bench_${randomBytes(5).toString('hex')}`;
const benchUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);
const round = (x, d = 1) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
const month = new Date().toISOString().slice(0, 7);

/** Bodies of sessions of REQUESTS_PER_SESSION requests of `batch` events each, like a tracker's. */
function sessionStream(publicId, batch) {
  let sid = randomUUID();
  let req = 0;
  let seq = 0;
  const fp = () => `fp-${sid.slice(0, 8)}`;
  return () => {
    if (req === REQUESTS_PER_SESSION) {
      sid = randomUUID();
      req = 0;
    }
    req++;
    const paid = sid.charCodeAt(0) % 3 === 0;
    const events = [];
    for (let n = 0; n < batch; n++) {
      const k = seq++;
      const kind = k % 5;
      events.push({
        s: publicId,
        u: `https://bench.example/page/${k % 7}${paid && k === 0 ? '?gclid=Cj0KCQ-bench' : ''}`,
        sid,
        sm: month,
        ec: ['pageview', 'scroll', 'interaction', 'hover_intent', 'scroll'][kind],
        ea: ['view', 'depth', 'click', 'hover', 'depth'][kind],
        ...(kind === 1 || kind === 4 ? { ev: kind === 1 ? 50 : 90 } : {}),
        ...(kind === 2 ? { el: 'a.cta' } : {}),
        meta: { fp: fp(), vw: 1280, vh: 720 },
        i: `e${k}`,
        t: Date.now(),
      });
    }
    return { body: JSON.stringify(events), events: batch, sid };
  };
}

// node:http with keep-alive connections: a fraction of fetch's CPU per request, which matters when
// the load generator shares 2 cores with the server and the database.
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(url, body) {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(`${url}/api/sync`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(body), origin: ORIGIN, 'user-agent': UA },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
      res.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    });
    // A connection refused or reset by an overloaded server is an error of the run, not of the script.
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

function rssSampler(server) {
  let max = 0;
  const samples = [];
  const onMessage = (m) => {
    if (m?.type === 'rss') {
      samples.push(m.rss);
      max = Math.max(max, m.rss);
    }
  };
  server.on('message', onMessage);
  const timer = setInterval(() => server.connected && server.send({ type: 'rss' }), 250);
  return () => {
    clearInterval(timer);
    server.off('message', onMessage);
    return { maxMb: round(max / 2 ** 20), lastMb: round((samples.at(-1) ?? 0) / 2 ** 20) };
  };
}

/**
 * As fast as CONCURRENCY connections can go, each waiting for its answer: wrk, bodies from
 * wrk-sync.lua. One wrk thread per connection, so that each connection sends its own sessions one
 * request after another, as a browser tab does (with one thread, a session's 5 requests went out at
 * once on 5 connections and queued on the session's lock in the database).
 */
async function closedLoop(url, server, publicId, batch) {
  const stopRss = server ? rssSampler(server) : () => ({ maxMb: null });
  const out = await new Promise((resolve, reject) => {
    const child = spawn('wrk', [`-t${CONCURRENCY}`, `-c${CONCURRENCY}`, `-d${DURATION_MS / 1000}s`, '--latency', '-s', LUA, url], {
      env: { ...process.env, BENCH_BATCH: String(batch), BENCH_SITE: publicId, BENCH_MONTH: month, BENCH_ORIGIN: ORIGIN, BENCH_UA: UA },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (c) => (text += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  });
  const line = out.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk printed no result: ${out}`);
  const w = JSON.parse(line.slice('WRK_RESULT '.length));
  const seconds = w.durationUs / 1e6;
  const ok = w.requests - w.statusErrors;
  const rss = stopRss();
  return {
    mode: `closed loop, wrk, ${CONCURRENCY} connections, one thread each`,
    requests: w.requests,
    errors: w.statusErrors + w.connectErrors + w.readErrors + w.timeouts,
    events: ok * batch,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round((ok * batch) / seconds),
    requestsPerSecond: Math.round(w.requests / seconds),
    p50Ms: round(w.p50Us / 1000, 2),
    p99Ms: round(w.p99Us / 1000, 2),
    serverRssMaxMb: rss.maxMb,
  };
}

/**
 * RATE requests a second on a fixed schedule, whatever the answers; latency counts from the scheduled
 * time. First one second of the same schedule, not counted: the generator opens its keep-alive
 * connections then, as wrk connects before it measures (cold, a second's worth of connections
 * opened at once held the first requests up to 2 s and made the p99 a measure of that second).
 */
async function openLoop(url, server, publicId, batch, RATE) {
  await schedule(url, publicId, batch, RATE, 1000);
  return schedule(url, publicId, batch, RATE, DURATION_MS, server);
}

async function schedule(url, publicId, batch, RATE, durationMs, server) {
  const next = sessionStream(publicId, batch);
  const latencies = [];
  let events = 0;
  let errors = 0;
  let dropped = 0;
  let inflight = 0;
  const pending = [];
  const stopRss = server ? rssSampler(server) : () => ({ maxMb: null });
  const started = performance.now();
  const total = Math.round((RATE * durationMs) / 1000);
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inflight > 2000) {
      dropped++;
      continue;
    }
    const b = next();
    inflight++;
    pending.push(
      post(url, b.body).then((r) => {
        inflight--;
        latencies.push(performance.now() - due);
        if (r.status === 200 || r.status === 202) events += b.events;
        else errors++;
      }),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  const rss = stopRss();
  latencies.sort((a, b) => a - b);
  return {
    mode: `open loop, ${RATE} requests/s scheduled`,
    requests: latencies.length,
    dropped,
    errors,
    events,
    seconds: round(seconds, 2),
    achievedRequestsPerSecond: Math.round(latencies.length / seconds),
    eventsPerSecond: Math.round(events / seconds),
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    serverRssMaxMb: rss.maxMb,
  };
}

const tsv = (v) => (v === null || v === undefined ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));

/** The same rows (sessions and their events, as the ingest path stores them) written with COPY. */
async function copyRows(sql, siteId, totalEvents, batch) {
  const perSession = batch * REQUESTS_PER_SESSION;
  const sessions = Math.max(1, Math.ceil(totalEvents / perSession));
  const monthStart = `${month}-01`;
  const now = new Date().toISOString();
  const started = performance.now();
  const ids = Array.from({ length: sessions }, () => randomUUID());
  const sessionCopy = await sql`copy public.sessions (id, created_month, site_id, fingerprint, attribution, lead_score, landing_url, user_agent, event_count, first_event_at, last_event_at) from stdin`.writable();
  for (const id of ids) {
    const line = [id, monthStart, siteId, `fp-${id.slice(0, 8)}`, 'organic', 30, 'https://bench.example/page/0', UA, perSession, now, now].map(tsv).join('\t');
    if (!sessionCopy.write(`${line}\n`)) await new Promise((r) => sessionCopy.once('drain', r));
  }
  await new Promise((resolve, reject) => sessionCopy.end((err) => (err ? reject(err) : resolve())));
  const eventCopy = await sql`copy public.events (session_id, session_month, site_id, client_event_id, event_category, event_action, event_label, event_value, url, referrer, metadata, created_at) from stdin`.writable();
  let written = 0;
  for (const id of ids) {
    for (let k = 0; k < perSession && written < totalEvents; k++, written++) {
      const kind = k % 5;
      const line = [
        id,
        monthStart,
        siteId,
        `e${k}`,
        ['pageview', 'scroll', 'interaction', 'hover_intent', 'scroll'][kind],
        ['view', 'depth', 'click', 'hover', 'depth'][kind],
        kind === 2 ? 'a.cta' : null,
        kind === 1 ? 50 : kind === 4 ? 90 : null,
        `https://bench.example/page/${k % 7}`,
        null,
        JSON.stringify({ fp: `fp-${id.slice(0, 8)}`, vw: 1280, vh: 720 }),
        now,
      ].map(tsv).join('\t');
      if (!eventCopy.write(`${line}\n`)) await new Promise((r) => eventCopy.once('drain', r));
    }
  }
  await new Promise((resolve, reject) => eventCopy.end((err) => (err ? reject(err) : resolve())));
  const seconds = (performance.now() - started) / 1000;
  return { events: written, sessions, seconds: round(seconds, 2), eventsPerSecond: Math.round(written / seconds) };
}

/** The 1-minute load average now, and a recorder of it over a part (sampled every second). */
function loadRecorder() {
  const samples = [os.loadavg()[0]];
  const timer = setInterval(() => samples.push(os.loadavg()[0]), 1000);
  return () => {
    clearInterval(timer);
    samples.push(os.loadavg()[0]);
    return { start: round(samples[0], 2), mean: round(samples.reduce((a, b) => a + b, 0) / samples.length, 2), max: round(Math.max(...samples), 2) };
  };
}

/**
 * Before each measurement: the vacuum and analyze that the earlier parts' writes call for, and
 * PostgreSQL's checkpoint, now rather than during it (autovacuum on a partition the part before
 * filled took a core in the middle of the next part), then a wait (at most 30 s) until the machine
 * is idle, 85% of its CPU time over one second (handler processes ending, NATS flushing). Returns
 * the wait and the idle share it ended on, reported beside the part.
 */
async function settle(sql) {
  await sql`vacuum (analyze) public.sessions, public.events`;
  await sql`checkpoint`.catch(() => undefined); // needs a superuser or pg_checkpoint: skipped otherwise
  const started = performance.now();
  let idle = null;
  while (performance.now() - started < 30_000) {
    const a = machineCpuTimes();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineCpuTimes();
    if (!a || !b) break;
    idle = (b.idle - a.idle) / Math.max(1, b.total - a.total);
    if (idle >= 0.85) break;
  }
  return { waitedSeconds: round((performance.now() - started) / 1000, 1), idleShare: idle === null ? null : round(idle, 2) };
}

/** `measure()` on a settled machine, its result with how it settled. */
async function settled(sql, measure) {
  const state = await settle(sql);
  return { ...(await measure()), settled: state };
}

/** Starts bench/ingest-server.mjs with these settings; resolves to { server, url, code }. */
async function startServer(env) {
  const server = fork(fileURLToPath(new URL('./ingest-server.mjs', import.meta.url)), { env: { ...process.env, ...env } });
  server.on('exit', (code, signal) => {
    if (!server.stopping) console.error(`server process ended unasked: ${signal ?? code}`);
  });
  const ready = await new Promise((resolve, reject) => {
    server.once('message', (m) => (m?.type === 'ready' ? resolve(m) : reject(new Error('server did not start'))));
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { server, url: ready.url, code: ready.code };
}

async function stopServer(server) {
  if (server.exitCode !== null) return;
  server.stopping = true;
  server.send({ type: 'stop' });
  await new Promise((r) => server.once('exit', r));
}

/** Part 1: 20,000 events in one committed statement, with each kind of change trigger (median of 5). */
async function triggerCost(sql, siteId) {
  // 005's per-row function and trigger, as main has them, for the comparison.
  const file = readFileSync(new URL('../server/sql/005_realtime.sql', import.meta.url), 'utf8');
  const rowFn = /CREATE OR REPLACE FUNCTION public\.opsmantik_notify_change\(\)[\s\S]*?\$fn\$;/.exec(file)[0];
  await sql.unsafe(rowFn);
  // Each variant from every user trigger off, then the one it measures on: `enable trigger user`
  // would also turn on the dashboard rollups' trigger (016), which is not a change notification
  // (it has a row of its own, `writePath`: everything an events INSERT runs on main).
  const off = 'alter table public.events disable trigger user';
  const variants = {
    none: off,
    perStatement: `${off}; alter table public.events enable trigger events_notify_insert`,
    perRow: `${off};
             create trigger bench_row_notify after insert on public.events for each row execute function public.opsmantik_notify_change('events')`,
    writePath: 'alter table public.events enable trigger user',
  };
  // Rounds interleave the variants, so that each round sees the same moment of a shared machine.
  const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let k = 0; k < 5; k++) {
    for (const [name, setup] of Object.entries(variants)) {
      await sql.unsafe(setup).simple();
      const sid = randomUUID();
      await sql`insert into public.sessions (id, created_month, site_id) values (${sid}, ${`${month}-01`}, ${siteId})`;
      const started = performance.now();
      await sql`insert into public.events (session_id, session_month, site_id, client_event_id, event_category, event_action, url)
                select ${sid}, ${`${month}-01`}, ${siteId}, 'e' || g, 'pageview', 'view', 'https://bench.example/' from generate_series(1, 20000) g`;
      times[name].push(performance.now() - started);
      await sql.unsafe(`drop trigger if exists bench_row_notify on public.events; alter table public.events disable trigger user`).simple();
      await sql`delete from public.events where session_id = ${sid}`;
      await sql`delete from public.sessions where id = ${sid}`;
    }
  }
  const result = Object.fromEntries(Object.entries(times).map(([name, ts]) => [name, round(ts.sort((a, b) => a - b)[2] / 1000, 3)]));
  await sql.unsafe('alter table public.events enable trigger user; drop function public.opsmantik_notify_change()').simple();
  return { events: 20000, seconds: result, statement: 'one INSERT ... SELECT of 20,000 events, committed; median of 5 rounds, the variants interleaved in each round' };
}

/** A closed loop beside COPY of the same number of events of the same shape. */
async function withCopy(sql, siteId, url, server, publicId, batch) {
  console.error(`batch ${batch}: closed loop ...`);
  const http = await settled(sql, () => closedLoop(url, server, publicId, batch));
  console.error(`batch ${batch}: COPY ...`);
  const copy = await settled(sql, () => copyRows(sql, siteId, Math.max(http.events, 1000), batch));
  return { batch, http, copy, httpToCopy: round(http.eventsPerSecond / copy.eventsPerSecond, 2) };
}

const eventsOfSite = async (sql, siteId) => (await sql`select count(*)::int as n from public.events where site_id = ${siteId}`)[0].n;

async function main() {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const sql = postgres(benchUrl, { max: 1, onnotice: () => {} });
  const stream = `OPSMANTIK_BENCH_${randomBytes(4).toString('hex').toUpperCase()}`;
  let nc;
  const running = [];
  try {
    const db = await openDb({ url: benchUrl, max: 2 });
    await migrate(db);
    const site = await createSite(db, { ownerEmail: 'bench@opsmantik.invalid', origins: [ORIGIN] });
    const queueSite = await createSite(db, { ownerEmail: 'bench-queue@opsmantik.invalid', origins: [ORIGIN] });
    await db.close();
    const [{ version }] = await sql`select version()`;
    const loadAverageAtStart = os.loadavg().map((x) => round(x, 2));
    const base = { BENCH_DATABASE_URL: benchUrl, BENCH_POOL: '10' };

    console.error('part 1: change notification triggers ...');
    let load = loadRecorder();
    const triggers = { ...(await triggerCost(sql, site.id)), loadAverage: load() };

    // Part 2: one process, group commit, batches of 1, 10, 50.
    load = loadRecorder();
    const one = await startServer(base);
    running.push(one.server);
    const idle = rssSampler(one.server);
    await new Promise((r) => setTimeout(r, 600));
    const serverRssIdleMb = idle().maxMb;
    await closedLoopWarmup(one.url, site.publicId);
    const runs = [];
    for (const batch of BATCHES) {
      const run = await withCopy(sql, site.id, one.url, one.server, site.publicId, batch);
      run.httpAtRate = [];
      if (batch === 1) {
        for (const rate of RATES) {
          console.error(`batch 1: open loop at ${rate}/s ...`);
          run.httpAtRate.push(await settled(sql, () => openLoop(one.url, one.server, site.publicId, 1, rate)));
        }
      }
      runs.push(run);
      console.error(JSON.stringify(run));
    }
    await stopServer(one.server);
    const syncLoad = load();

    // Part 3: 1, 2, 4 handler processes sharing Redis limits and 10 connections.
    const processes = [];
    for (const n of PROCESSES) {
      load = loadRecorder();
      const p = await startServer({ ...base, BENCH_WORKERS: String(n), BENCH_REDIS_URL: REDIS_URL });
      running.push(p.server);
      await closedLoopWarmup(p.url, site.publicId);
      const parts = [];
      for (const batch of [1, 10]) parts.push(await withCopy(sql, site.id, p.url, null, site.publicId, batch));
      console.error(`${n} processes: open loop at ${RATES[0]}/s ...`);
      const atRate = await settled(sql, () => openLoop(p.url, p.server, site.publicId, 1, RATES[0]));
      await stopServer(p.server);
      processes.push({ processes: n, connectionsPerProcess: Math.max(2, Math.floor(10 / n)), runs: parts, atRate, loadAverage: load() });
      console.error(JSON.stringify(processes.at(-1)));
    }

    // Part 4: queue mode. The handler enqueues (open loop, then a closed loop of batches of 10);
    // then one worker drains the stream, timed from its start to the last event stored.
    load = loadRecorder();
    nc = await natsConnect({ servers: NATS_URL });
    const q = await startServer({ ...base, BENCH_QUEUE_URL: NATS_URL, BENCH_STREAM: stream });
    running.push(q.server);
    await closedLoopWarmup(q.url, queueSite.publicId);
    console.error(`queue: handler open loop at ${QUEUE_RATE}/s ...`);
    const handlerAtRate = await settled(sql, () => openLoop(q.url, q.server, queueSite.publicId, 1, QUEUE_RATE));
    console.error('queue: handler closed loop, batches of 10 ...');
    const handlerClosed = await settled(sql, () => closedLoop(q.url, q.server, queueSite.publicId, 10));
    await stopServer(q.server);
    const handlerLoad = load();
    const queued = 4 * 50 * 10 + handlerAtRate.events + handlerClosed.events;
    const workerSettled = await settle(sql);
    load = loadRecorder();
    const startedWorker = performance.now();
    const w = await startServer({ ...base, BENCH_ROLE: 'worker', BENCH_QUEUE_URL: NATS_URL, BENCH_STREAM: stream });
    running.push(w.server);
    const workerReady = performance.now();
    // Done when at least what was counted has arrived and nothing more came for 2 s (wrk leaves
    // requests in flight at its end that it does not count); the time is that of the last change.
    let stored = 0;
    let lastChange = workerReady;
    for (let polls = 0; polls < 6000; polls++) {
      await new Promise((r) => setTimeout(r, 50));
      const now = await eventsOfSite(sql, queueSite.id);
      if (now !== stored) [stored, lastChange] = [now, performance.now()];
      else if (stored >= queued && performance.now() - lastChange > 2000) break;
    }
    const drainSeconds = (lastChange - workerReady) / 1000;
    await stopServer(w.server);
    const workerLoad = load();
    console.error('queue: COPY of the same rows ...');
    const queueCopy = await settled(sql, () => copyRows(sql, queueSite.id, stored, 5));
    const queue = {
      stream,
      handler: { atRate: handlerAtRate, closedLoop: handlerClosed, loadAverage: handlerLoad },
      worker: {
        events: stored,
        countedByLoadGenerators: queued,
        startupSeconds: round((workerReady - startedWorker) / 1000, 2),
        seconds: round(drainSeconds, 2),
        eventsPerSecond: Math.round(stored / drainSeconds),
        pull: 2000,
        loadAverage: workerLoad,
        settled: workerSettled,
      },
      copy: queueCopy,
      workerToCopy: round(stored / drainSeconds / queueCopy.eventsPerSecond, 2),
    };
    console.error(JSON.stringify(queue));

    const [{ events, sessions }] = await sql`select (select count(*) from public.events)::int as events, (select count(*) from public.sessions)::int as sessions`;
    const result = {
      generatedAt: new Date().toISOString(),
      command: `node bench/ingest.mjs --duration ${DURATION_MS / 1000} --concurrency ${CONCURRENCY} --rates ${RATES.join(',')} --queue-rate ${QUEUE_RATE} --processes ${PROCESSES.join(',')}`,
      note:
        'One machine runs PostgreSQL, NATS, Redis, the server and the load generators; on its 2 vCPUs the load averages beside each part show whether anything else ran (a mean above 2 means other work shared the cores, and the numbers are then a floor). Closed loops: wrk 4.1 (Debian), one thread per connection (each connection sends its own sessions in order, as a tab does). Fixed-rate schedules: the benchmark\'s own Node process (node:http, keep-alive agent), since wrk has no fixed-rate mode; latency counts from the scheduled time, after one uncounted second of the same schedule that opens the generator\'s connections. Rate limits were raised to 1e9 a minute (in memory for one process, in Redis for the process comparison). Request logging was off. Each measurement, HTTP and COPY alike, started after VACUUM (ANALYZE) of sessions and events and a CHECKPOINT, on a settled machine (at least 85% of CPU time idle over one second, waited for at most 30 s; see settled).',
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        memoryGb: round(os.totalmem() / 2 ** 30),
        loadAverageAtStart,
        node: process.version,
        postgres: version,
        platform: `${os.platform()} ${os.release()}`,
      },
      method: {
        requestsPerSession: REQUESTS_PER_SESSION,
        durationSeconds: DURATION_MS / 1000,
        concurrency: CONCURRENCY,
        scheduledRates: RATES,
        queueRate: QUEUE_RATE,
        serverDbPool: 10,
        groupCommit: 'groups close at 256 requests, 5,000 events or 1 ms of waiting; min(2, pool - 1) groups in flight per process',
        serverCode: one.code,
        loadGenerator: 'wrk 4.1 (Debian), one thread per connection, for closed loops; the benchmark process (node:http, keep-alive agent) for fixed rates',
        copy: 'the same number of events and sessions of the same shape, COPY (text format) through the same driver (postgres.js) into the same tables with the same indexes and triggers',
      },
      triggers,
      runs,
      syncLoadAverage: syncLoad,
      processes,
      queue,
      serverRssIdleMb,
      rowsStored: { events, sessions },
    };
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/ingest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    for (const s of running) await stopServer(s).catch(() => undefined);
    if (nc) {
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
      await nc.close();
    }
    await sql.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end({ timeout: 5 });
  }
}

async function closedLoopWarmup(url, publicId) {
  const next = sessionStream(publicId, 10);
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let n = 0; n < 50; n++) await post(url, next().body);
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
