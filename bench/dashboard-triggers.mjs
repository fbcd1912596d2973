#!/usr/bin/env node
// What the dashboard rollups' triggers (sql/016) cost the write path (not a test): each statement
// with the 016 triggers on and off, interleaved in every round, median of the rounds:
//   - 20,000 events in one INSERT (bench/ingest.mjs part 1's statement), once all page views and
//     once with 1% conversions (the only events 016 looks up);
//   - 500 new sessions of today in one INSERT, then one UPDATE of their scores (the group
//     commit's statements, ingest-write.ts, in shape);
//   - the same UPDATE on 500 sessions of yesterday (late events: this one logs stale rows).
//
//   node bench/dashboard-triggers.mjs [--rounds 7]
//
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the benchmark
// creates a database of its own and drops it at the end. Results: bench/results/dashboard-triggers.json.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { register } from 'tsx/esm/api';

register();
const { openDb, migrate, createSite } = await import('../server/src/node.ts');

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const ROUNDS = Math.max(3, Number(values.rounds));
const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `opsmantik_bench_${randomBytes(5).toString('hex')}`;
const benchUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const DAY = 86_400_000;

const TRIGGERS = {
  events: ['events_dashboard_insert'],
  sessions: ['sessions_dashboard_insert', 'sessions_dashboard_update', 'sessions_dashboard_delete'],
};
const setTriggers = async (sql, on) => {
  for (const [table, names] of Object.entries(TRIGGERS)) {
    for (const t of names) await sql.unsafe(`alter table public.${table} ${on ? 'enable' : 'disable'} trigger ${t}`);
  }
};

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
const sql = postgres(benchUrl, { max: 1, onnotice: () => {} });
try {
  const db = await openDb({ url: benchUrl });
  await migrate(db);
  const site = await createSite(db, { ownerEmail: 'bench@example.com', origins: ['https://shop.example'] });
  await db.close();
  const now = Date.now();
  const month = (t) => `${new Date(t).toISOString().slice(0, 7)}-01`;
  for (const t of [now - DAY, now]) await sql`select public.ensure_month_partitions(${month(t)}::date)`;
  // Rolled up through the day before yesterday, as a site whose dashboard was opened.
  await sql`insert into public.dashboard_rollup_state (site_id, built_through) values (${site.id}, ${new Date(now - 2 * DAY).toISOString().slice(0, 10)}::date)`;

  const statements = {
    '20,000 events, page views': async () => {
      const sid = randomUUID();
      await sql`insert into public.sessions (id, created_month, site_id) values (${sid}, ${month(now)}, ${site.id})`;
      return [
        () => sql`insert into public.events (session_id, session_month, site_id, client_event_id, event_category, event_action, url)
                  select ${sid}, ${month(now)}, ${site.id}, 'e' || g, 'pageview', 'view', 'https://bench.example/' from generate_series(1, 20000) g`,
        async () => {
          await sql`delete from public.events where session_id = ${sid}`;
          await sql`delete from public.sessions where id = ${sid}`;
        },
      ];
    },
    '20,000 events, 1% conversions (on 200 sessions of yesterday)': async () => {
      const ids = Array.from({ length: 200 }, () => randomUUID());
      const at = new Date(now - DAY).toISOString();
      await sql`insert into public.sessions (id, created_month, site_id, created_at)
                select unnest(${ids}::uuid[]), ${month(now - DAY)}, ${site.id}, ${at}::timestamptz`;
      return [
        () => sql`insert into public.events (session_id, session_month, site_id, client_event_id, event_category, event_action, url)
                  select (${ids}::uuid[])[1 + g % 200], ${month(now - DAY)}, ${site.id}, 'e' || g,
                         case when g % 100 = 0 then 'conversion' else 'pageview' end, 'view', 'https://bench.example/'
                    from generate_series(1, 20000) g`,
        async () => {
          await sql`delete from public.events where session_id = any (${ids}::uuid[])`;
          await sql`delete from public.sessions where id = any (${ids}::uuid[])`;
          await sql`delete from public.dashboard_stale`;
        },
      ];
    },
    '500 new sessions (INSERT)': async () => {
      const ids = Array.from({ length: 500 }, () => randomUUID());
      return [
        () => sql`insert into public.sessions (id, created_month, site_id, fingerprint, landing_url, user_agent)
                  select id, ${month(now)}, ${site.id}, 'fp-' || id, 'https://shop.example/', 'Mozilla/5.0' from unnest(${ids}::uuid[]) id`,
        () => sql`delete from public.sessions where id = any (${ids}::uuid[])`,
      ];
    },
    ...Object.fromEntries(
      [
        ['500 sessions of today (UPDATE scores)', now],
        ['500 sessions of yesterday (UPDATE scores)', now - DAY],
      ].map(([name, t]) => [
        name,
        async () => {
          const ids = Array.from({ length: 500 }, () => randomUUID());
          await sql`insert into public.sessions (id, created_month, site_id, fingerprint, created_at)
                    select id, ${month(t)}, ${site.id}, 'fp-' || id, ${new Date(t).toISOString()}::timestamptz from unnest(${ids}::uuid[]) id`;
          return [
            () => sql`update public.sessions s set lead_score = 60, event_count = 3, last_event_at = now(), updated_at = now()
                       where s.id = any (${ids}::uuid[]) and s.site_id = ${site.id}`,
            async () => {
              await sql`delete from public.sessions where id = any (${ids}::uuid[])`;
              await sql`delete from public.dashboard_stale`;
            },
          ];
        },
      ]),
    ),
  };

  const results = [];
  const loadStart = os.loadavg().map((x) => round(x));
  for (const [name, prepare] of Object.entries(statements)) {
    const ms = { on: [], off: [] };
    for (let r = 0; r < ROUNDS; r++) {
      // Alternately first, so that neither variant always runs just after the other.
      for (const on of r % 2 ? [true, false] : [false, true]) {
        await setTriggers(sql, on);
        const [run, undo] = await prepare();
        const started = performance.now();
        await run();
        ms[on ? 'on' : 'off'].push(performance.now() - started);
        await undo();
      }
    }
    await setTriggers(sql, true);
    const row = { statement: name, without_ms: round(median(ms.off)), with_ms: round(median(ms.on)) };
    row.change_percent = round(((row.with_ms - row.without_ms) / row.without_ms) * 100);
    results.push(row);
    console.log(`${name.padEnd(62)} without ${String(row.without_ms).padStart(7)} ms  with ${String(row.with_ms).padStart(7)} ms  (${row.change_percent > 0 ? '+' : ''}${row.change_percent}%)`);
  }
  const load = os.loadavg().map((x) => round(x));
  console.log(`load average: ${loadStart.join(' ')} before, ${load.join(' ')} after, on ${os.cpus().length} cores`);
  const out = fileURLToPath(new URL('./results/dashboard-triggers.json', import.meta.url));
  await mkdir(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify({ when: new Date().toISOString(), command: `node bench/dashboard-triggers.mjs ${process.argv.slice(2).join(' ')}`.trim(), rounds: ROUNDS, loadStart, load, cores: os.cpus().length, results }, null, 2)}\n`,
  );
  console.log(`wrote ${out}`);
} finally {
  await sql.end({ timeout: 5 });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end({ timeout: 5 });
}
