#!/usr/bin/env node
// Dashboard benchmark (not a test): one site with 100,000 sessions and 1,000,000 events over 85
// days on PostgreSQL, then every request the dashboard makes, timed over HTTP, for each period
// and with filters on. Also prints the partitions each query plan reads.
//
//   node bench/dashboard.mjs [--sessions 100000] [--events-per-session 10] [--repeat 15] [--note "what else ran"]
//                            [--keep] [--reuse <database>] [--baseline <checkout>]
//
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the benchmark
// creates a database of its own there and drops it at the end. Seeding takes minutes: --keep leaves
// the database (its name is printed) and --reuse <name> times against one kept earlier, migrating
// it first, without seeding again. --baseline <checkout> also serves the same database with that
// checkout's server (e.g. an export of the commit before a change, with node_modules beside it)
// and times every request on both, alternately. Results: bench/results/dashboard.json.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { register } from 'tsx/esm/api';

register();
const { openDb, migrate, createSite, serve } = await import('../server/src/node.ts');
const { seedDashboard } = await import('../server/test/support/dashboard-seed.ts');

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '100000' },
    'events-per-session': { type: 'string', default: '10' },
    repeat: { type: 'string', default: '15' },
    // What else ran on the machine, for the report.
    note: { type: 'string' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    baseline: { type: 'string' },
  },
});
const SESSIONS = Number(values.sessions);
const PER_SESSION = Number(values['events-per-session']);
const REPEAT = Math.max(3, Number(values.repeat));
const DAY = 86_400_000;

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const reuse = values.reuse;
if (reuse !== undefined && !/^opsmantik_bench_[0-9a-f]{10}$/.test(reuse)) throw new Error('--reuse takes a database name this benchmark printed');
const dbName = reuse ?? `opsmantik_bench_${randomBytes(5).toString('hex')}`;
const benchUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();

/** This run's command for the report: the note is reported apart, and the paths are the reader's own. */
const commandLine = () =>
  ['node bench/dashboard.mjs', values.sessions !== '100000' && `--sessions ${values.sessions}`, values['events-per-session'] !== '10' && `--events-per-session ${values['events-per-session']}`,
    `--repeat ${REPEAT}`, values.keep && '--keep', reuse && '--reuse <database>', values.baseline && '--baseline <checkout>'].filter(Boolean).join(' ');

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (x) => Math.round(x * 10) / 10;

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
if (!reuse) await admin.unsafe(`create database ${dbName}`);
let running;
let baseline;
let seedSeconds;
let counts;
let rollupSeconds;
try {
  // Seeding statements run longer than the server's default statement timeout on a busy machine.
  const db = await openDb({ url: benchUrl, postgres: { statementTimeoutMs: 0 } });
  await migrate(db);
  // A fixed public id: a reused database's site is re-keyed (a new token) rather than added.
  const site = await createSite(db, { ownerEmail: 'bench@example.com', origins: ['https://shop.example'], publicId: 'bench' });
  let now = Date.now();
  if (reuse) {
    // The seed's clock, kept as the database's comment, places the custom periods where the data is.
    const [meta] = await admin.unsafe(`select shobj_description(oid, 'pg_database') as c from pg_database where datname = '${dbName}'`);
    ({ now, seedSeconds } = JSON.parse(meta?.c ?? '{}'));
    if (!now) throw new Error(`${dbName} was not seeded by this benchmark`);
  } else {
    const t0 = performance.now();
    const notifying = ['sessions', 'events', 'calls'];
    // The change triggers would queue a notification per row for nobody: off while seeding (only
    // those: the trigger that fills sessions.dim_* must run).
    for (const t of notifying) await db.query(`alter table public.${t} disable trigger ${t}_notify_insert`);
    await seedDashboard(db, site.id, { sessions: SESSIONS, eventsPerSession: PER_SESSION, now, tag: 'bench' });
    for (const t of notifying) await db.query(`alter table public.${t} enable trigger ${t}_notify_insert`);
    const [unfilled] = await db.query('select count(*)::int as n from public.sessions where dim_device is null');
    if (unfilled.n) throw new Error(`${unfilled.n} sessions without breakdown values`);
    seedSeconds = round((performance.now() - t0) / 1000);
    await admin.unsafe(`comment on database ${dbName} is '${JSON.stringify({ now, seedSeconds })}'`);
  }
  // The daily rollups (sql/016) a site's first dashboard requests would build, built up front so
  // that the timings below are of reading them; how long that took is reported beside.
  const t1 = performance.now();
  const yesterday = new Date(Math.floor(Date.now() / DAY) * DAY - DAY).toISOString().slice(0, 10);
  for (let built = null; ; ) {
    const [row] = await db.query('select public.opsmantik_dashboard_refresh($1::uuid, $2::date, 7)::text as built', [site.id, yesterday]);
    if (row.built === built) break;
    built = row.built;
  }
  rollupSeconds = round((performance.now() - t1) / 1000);
  console.log(`rollups built in ${rollupSeconds} s`);
  // Index-only scans need the visibility map that VACUUM sets (autovacuum does it in production).
  await db.query('vacuum analyze');
  [counts] = await db.query(
    `select (select count(*) from public.sessions)::int as sessions, (select count(*) from public.events)::int as events,
            (select count(*) from public.calls)::int as calls,
            (select count(*) from public.sessions where lead_score >= 50)::int as leads`,
  );
  console.log(`${reuse ? 'reused' : 'seeded'} ${dbName}: ${JSON.stringify(counts)}${seedSeconds ? `, seeded in ${seedSeconds} s` : ''}`);
  await db.close();

  running = await serve({ databaseUrl: benchUrl, port: 0, handler: { log: (e) => e.level === 'error' && console.error(JSON.stringify(e)) } });
  const base = `${running.url}`;
  if (values.baseline) {
    const other = await import(pathToFileURL(path.resolve(values.baseline, 'server/src/node.ts')).href);
    baseline = await other.serve({ databaseUrl: benchUrl, port: 0, handler: { log: () => {} } });
    console.log(`baseline server from ${values.baseline} at ${baseline.url}`);
  }
  const loadStart = os.loadavg().map((x) => Math.round(x * 10) / 10);
  console.log(`load average before timing: ${loadStart.join(' ')} on ${os.cpus().length} cores`);
  const auth = { authorization: `Bearer ${site.liveToken}` };
  const day = (t) => new Date(t).toISOString().slice(0, 10);
  const periods = {
    today: 'period=today',
    '7d': 'period=7d',
    '30d': 'period=30d',
    '85d (3 months)': `period=custom&from=${day(now - 84 * DAY)}&to=${day(now)}`,
  };
  const filters = { none: '', 'campaign=spring&device=mobile': '&campaign=spring&device=mobile' };
  // Whole answer, and until the response headers (the first byte of a streamed body).
  const get = async (path, server = base) => {
    const started = performance.now();
    const res = await fetch(`${server}${path}`, { headers: auth });
    const head = performance.now() - started;
    const body = await res.text();
    // A 5xx (the server's statement timeout, say) is a result to report; anything else is a bug here.
    if (res.status !== 200 && res.status < 500) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
    return { ms: performance.now() - started, head, body, failed: res.status !== 200 };
  };
  const stats = (ms) => {
    ms.sort((a, b) => a - b);
    return { median: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), max: round(ms[ms.length - 1]) };
  };
  const results = [];
  const time = async (name, period, filter, path) => {
    await get(path); // warm: plan cache, buffers (and a first failure does not count)
    if (baseline) await get(path, baseline.url);
    const ms = [];
    const heads = [];
    const before = [];
    let failed = 0;
    let baselineFailed = 0;
    const other = async () => {
      const r = await get(path, baseline.url);
      before.push(r.ms);
      baselineFailed += r.failed;
    };
    for (let i = 0; i < REPEAT; i++) {
      // Alternately first, so that neither server always runs just after the other.
      if (baseline && i % 2) await other();
      const r = await get(path);
      ms.push(r.ms);
      heads.push(r.head);
      failed += r.failed;
      if (baseline && !(i % 2)) await other();
    }
    const a = stats(ms);
    const h = stats(heads);
    const row = { request: name, period, filter, median_ms: a.median, p95_ms: a.p95, max_ms: a.max, first_byte_median_ms: h.median, first_byte_p95_ms: h.p95, failed };
    if (baseline) {
      const b = stats(before);
      Object.assign(row, { baseline_median_ms: b.median, baseline_p95_ms: b.p95, baseline_failed: baselineFailed });
    }
    results.push(row);
    const was = baseline ? `   (before: ${row.baseline_median_ms} / ${row.baseline_p95_ms}${baselineFailed ? `, ${baselineFailed} failed` : ''})` : '';
    const fails = failed ? `  ${failed} failed` : '';
    console.log(`${name.padEnd(22)} ${period.padEnd(15)} ${filter.padEnd(30)} median ${String(row.median_ms).padStart(6)} ms  p95 ${String(row.p95_ms).padStart(6)} ms  max ${String(row.max_ms).padStart(6)} ms${fails}${was}`);
  };
  for (const [pname, pq] of Object.entries(periods)) {
    for (const [fname, fq] of Object.entries(filters)) {
      const q = `site=${site.publicId}&${pq}${fq}`;
      await time('stats', pname, fname, `/api/stats?${q}`);
      for (const dim of ['attribution', 'campaign', 'keyword', 'source', 'landing', 'device']) await time(`breakdown ${dim}`, pname, fname, `/api/breakdown?${q}&dim=${dim}`);
      const first = JSON.parse((await get(`/api/leads?${q}`)).body);
      await time('leads page 1', pname, fname, `/api/leads?${q}`);
      if (first.next) await time('leads page 2', pname, fname, `/api/leads?${q}&before=${encodeURIComponent(first.next)}`);
      if (first.leads[0]) await time('lead', pname, fname, `/api/lead?site=${site.publicId}&id=${first.leads[0].id}&month=${first.leads[0].month}`);
      await time('export campaign', pname, fname, `/api/export?${q}&what=campaign`);
      await time('export leads', pname, fname, `/api/export?${q}&what=leads`);
    }
  }
  const load = os.loadavg().map((x) => Math.round(x * 10) / 10);
  console.log(`load average at the end: ${load.join(' ')} on ${os.cpus().length} cores`);
  const views = results.filter((r) => !r.request.startsWith('export leads'));
  const worst = views.reduce((a, b) => (b.p95_ms > a.p95_ms ? b : a));
  console.log(`slowest dashboard view request (p95): ${worst.request} ${worst.period} ${worst.filter}: ${worst.p95_ms} ms`);
  const out = fileURLToPath(new URL('./results/dashboard.json', import.meta.url));
  await mkdir(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  await writeFile(out, `${JSON.stringify({ when: new Date().toISOString(), command: commandLine(), counts, seedSeconds, rollupSeconds, repeat: REPEAT, loadStart, load, cores: os.cpus().length, note: values.note, baseline: values.baseline ? 'the same requests to the server before the change, alternately' : undefined, results }, null, 2)}\n`);
  console.log(`wrote ${out}`);
} finally {
  await running?.close();
  await baseline?.close();
  if (values.keep || reuse) console.log(`kept database ${dbName} (--reuse ${dbName})`);
  else await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end({ timeout: 5 });
}
