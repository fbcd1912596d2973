#!/usr/bin/env node
// Ingestion benchmark (not a test): HTTP POST /api/sync against PostgreSQL with batches of 1, 10
// and 50 events, beside COPY of the same rows through the same driver in the same run.
//
//   node bench/ingest.mjs [--duration 6] [--concurrency 16] [--rates 100,500] [--repeat 3]
//
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the benchmark
// creates a database of its own there and drops it at the end. Rate limits are raised in the
// server under test (see bench/ingest-server.mjs). Results: bench/results/ingest.json.
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { register } from 'tsx/esm/api';

register();
const { openDb, migrate, createSite } = await import('../server/src/node.ts');

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '6' },
    repeat: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    rates: { type: 'string', default: '100,500' },
  },
});
const DURATION_MS = Number(values.duration) * 1000;
const CONCURRENCY = Number(values.concurrency);
const RATES = values.rates.split(',').map(Number).filter((r) => r > 0);
const REPEAT = Math.max(1, Number(values.repeat));
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

async function post(url, body) {
  const started = performance.now();
  const res = await fetch(`${url}/api/sync`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': UA },
    body,
  });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
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
  const timer = setInterval(() => server.send({ type: 'rss' }), 250);
  return () => {
    clearInterval(timer);
    server.off('message', onMessage);
    return { maxMb: round(max / 2 ** 20), lastMb: round((samples.at(-1) ?? 0) / 2 ** 20) };
  };
}

/** As fast as CONCURRENCY clients can go, each waiting for its answer. */
async function closedLoop(url, server, publicId, batch) {
  const next = sessionStream(publicId, batch);
  const latencies = [];
  let events = 0;
  let errors = 0;
  const stopRss = rssSampler(server);
  const started = performance.now();
  const until = started + DURATION_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const b = next();
        const r = await post(url, b.body);
        latencies.push(r.ms);
        if (r.status === 200) events += b.events;
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const rss = stopRss();
  latencies.sort((a, b) => a - b);
  return {
    mode: `closed loop, ${CONCURRENCY} concurrent clients`,
    requests: latencies.length,
    errors,
    events,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round(events / seconds),
    requestsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    serverRssMaxMb: rss.maxMb,
  };
}

/** RATE requests a second on a fixed schedule, whatever the answers; latency counts from the scheduled time. */
async function openLoop(url, server, publicId, batch, RATE) {
  const next = sessionStream(publicId, batch);
  const latencies = [];
  let events = 0;
  let errors = 0;
  let dropped = 0;
  let inflight = 0;
  const pending = [];
  const stopRss = rssSampler(server);
  const started = performance.now();
  const total = Math.round((RATE * DURATION_MS) / 1000);
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
        if (r.status === 200) events += b.events;
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

async function main() {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  let server;
  const sql = postgres(benchUrl, { max: 1, onnotice: () => {} });
  try {
    const db = await openDb({ url: benchUrl, max: 2 });
    await migrate(db);
    const site = await createSite(db, { ownerEmail: 'bench@opsmantik.invalid', origins: [ORIGIN] });
    await db.close();
    const [{ version }] = await sql`select version()`;

    server = fork(fileURLToPath(new URL('./ingest-server.mjs', import.meta.url)), { env: { ...process.env, BENCH_DATABASE_URL: benchUrl } });
    let serverCode = '';
    const url = await new Promise((resolve, reject) => {
      server.once('message', (m) => {
        if (m?.type !== 'ready') return reject(new Error('server did not start'));
        serverCode = m.code;
        resolve(m.url);
      });
      server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const idle = rssSampler(server);
    await new Promise((r) => setTimeout(r, 600));
    const serverRssIdleMb = idle().maxMb;
    // Warm up connections, JIT and the partition caches.
    await closedLoopWarmup(url, site.publicId);

    const runs = [];
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const batch of BATCHES) {
      // HTTP and COPY in pairs, so that both see the same moment of a shared machine; the median
      // pair (by HTTP events/s) is reported, with the spread of all pairs.
      const pairs = [];
      for (let k = 0; k < REPEAT; k++) {
        console.error(`batch ${batch}: closed loop ${k + 1}/${REPEAT} ...`);
        const http = await closedLoop(url, server, site.publicId, batch);
        console.error(`batch ${batch}: COPY ${k + 1}/${REPEAT} ...`);
        const copy = await copyRows(sql, site.id, Math.max(http.events, 1000), batch);
        pairs.push({ http, copy });
      }
      const mid = [...pairs].sort((a, b) => a.http.eventsPerSecond - b.http.eventsPerSecond)[Math.floor(pairs.length / 2)];
      const open = [];
      for (const rate of RATES) {
        console.error(`batch ${batch}: open loop at ${rate}/s ...`);
        open.push(await openLoop(url, server, site.publicId, batch, rate));
      }
      runs.push({
        batch,
        http: mid.http,
        copy: mid.copy,
        httpToCopy: round(mid.http.eventsPerSecond / mid.copy.eventsPerSecond, 2),
        spread: {
          repeats: REPEAT,
          httpEventsPerSecond: pairs.map((p) => p.http.eventsPerSecond),
          copyEventsPerSecond: pairs.map((p) => p.copy.eventsPerSecond),
          httpToCopy: pairs.map((p) => round(p.http.eventsPerSecond / p.copy.eventsPerSecond, 2)),
          medianHttpToCopy: median(pairs.map((p) => round(p.http.eventsPerSecond / p.copy.eventsPerSecond, 2))),
          p99Ms: pairs.map((p) => p.http.p99Ms),
        },
        httpAtRate: open,
      });
      console.error(JSON.stringify(runs.at(-1)));
    }
    const [{ events, sessions }] = await sql`select (select count(*) from public.events)::int as events, (select count(*) from public.sessions)::int as sessions`;
    const result = {
      generatedAt: new Date().toISOString(),
      command: `node bench/ingest.mjs --duration ${DURATION_MS / 1000} --concurrency ${CONCURRENCY} --rates ${RATES.join(',')} --repeat ${REPEAT}`,
      note:
        'One machine runs PostgreSQL, the server (its own process) and the load generator; its 2 vCPUs were shared with other work while this ran, so the numbers are a floor. Rate limits were raised to 1e9 a minute for the run (defaults: 100 sync, 50 call-event per client and site). Request logging was off.',
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        memoryGb: round(os.totalmem() / 2 ** 30),
        loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
        node: process.version,
        postgres: version,
        platform: `${os.platform()} ${os.release()}`,
      },
      method: {
        requestsPerSession: REQUESTS_PER_SESSION,
        durationSeconds: DURATION_MS / 1000,
        repeats: REPEAT,
        concurrency: CONCURRENCY,
        scheduledRates: RATES,
        serverDbPool: 10,
        serverCode,
        copy: 'the same number of events and sessions of the same shape, COPY (text format) through the same driver (postgres.js) into the same tables with the same indexes and triggers',
      },
      runs,
      serverRssIdleMb,
      rowsStored: { events, sessions },
    };
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/ingest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    if (server && server.exitCode === null) {
      server.send({ type: 'stop' });
      await new Promise((r) => server.once('exit', r));
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
