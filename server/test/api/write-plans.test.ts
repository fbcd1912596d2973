/**
 * The ingest statements' plans on empty partitions: a prepared plan is made on its first runs,
 * often while a month's partition is new and empty, and is kept as the month grows. Made on empty
 * tables under the group transaction's setting, every statement must find sessions and events by
 * key (no sequential scan of a partition, no index on the site alone), or PostgreSQL's cost per
 * request grows with the table (docs/server.md, "Plans by key").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITE_STATEMENTS as S } from '../../src/store/ingest-write.js';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { planOf, type Scan } from '../support/plans.js';
import type { Queryable } from '../../src/store/db/types.js';

const id = '0b6c1a52-4f3e-4d38-9a55-2f0f8e2d6f11';
const site = '5d0c2f7e-9a1b-4c3d-8e2f-1a2b3c4d5e6f';
const m = '2026-11-01';
const at = '2026-11-30T12:00:00.000Z';
const statements: Array<[name: string, text: string, params: unknown[]]> = [
  ['statement 1 (sessions locked or inserted)', S.LOCK_OR_INSERT_SESSIONS, [JSON.stringify([{ id, m, site, fp: 'fp1' }])]],
  ['statement 1b (sessions inserted meanwhile)', S.LOCK_SESSIONS, [JSON.stringify([{ id, m, site }]), `{${id}}`]],
  [
    'statement 2 (events, facts, earlier click)',
    S.INSERT_EVENTS_READ_FACTS,
    [
      JSON.stringify([{ id, m, site, i: 'e1', ec: 'pageview', ea: 'view', t: at }]),
      JSON.stringify([{ id, m, site, fp: 'fp1', look: true, created_at: at }]),
      'conversion', 'interaction', 'hover_intent', 'scroll', 'depth',
    ],
  ],
  ['statement 3 (scores)', S.UPDATE_SCORES, [JSON.stringify([{ id, m, site, score: 10, attribution: 'organic', n: 1 }]), `{${id}}`]],
  [
    'statement 4 (calls from phone_click events)',
    S.RECORD_CALLS,
    [JSON.stringify([{ id, m, site, i: 'e1', p: '+902125550199', t: null }, { id, m, site, i: null, p: '+902125550199', t: at }]), 'conversion', 'phone_click'],
  ],
];

/** Every scan of a plan, with its index condition ('' for none). */
async function scansWithConditions(tx: Queryable, text: string, params: unknown[]) {
  const [row] = await tx.query<Record<string, unknown>>(`explain (format json) ${text}`, params);
  let json = Object.values(row!)[0];
  if (typeof json === 'string') json = JSON.parse(json);
  const out: Array<{ node: string; relation: string; cond: string }> = [];
  const walk = (node: Record<string, unknown>) => {
    if (typeof node['Relation Name'] === 'string') {
      out.push({ node: String(node['Node Type']), relation: node['Relation Name'], cond: String(node['Index Cond'] ?? '') });
    }
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  for (const top of json as { Plan: Record<string, unknown> }[]) walk(top.Plan);
  return out;
}

describe.each(backends)('ingest statement plans on empty partitions, %s', (kind) => {
  let fresh: FreshDb;
  const plans = new Map<string, Scan[]>();
  /** Statement 4's scans with their index conditions (planOf leaves those out). */
  let callScans: Array<{ node: string; relation: string; cond: string }> = [];
  beforeAll(async () => {
    fresh = await freshDb(kind);
    for (const [name, text, params] of statements) {
      // Planned as a prepared statement's generic plan is, under the group transaction's setting;
      // rolled back, so statement 2's insert leaves nothing.
      await fresh.db
        .transaction(async (tx) => {
          await tx.query(S.KEYS_ONLY);
          await tx.query('set local plan_cache_mode = force_generic_plan');
          plans.set(name, (await planOf(tx, { text, params })).scans);
          if (text === S.RECORD_CALLS) callScans = await scansWithConditions(tx, text, params);
          throw new Error('rollback');
        })
        .catch((err: Error) => {
          if (err.message !== 'rollback') throw err;
        });
    }
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it.each(statements.map(([name]) => name))('%s reads no partition sequentially', (name) => {
    const scans = plans.get(name)!.filter((n) => /^(sessions|events)(_\d{4}_\d{2})?$/.test(n.relation));
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.filter((n) => n.node === 'Seq Scan').map((n) => n.relation)).toEqual([]);
  });

  it("statement 2 finds an earlier paid session through 017's index (paid sessions by fingerprint), not among all of the site's sessions", async () => {
    const sessions = plans.get('statement 2 (events, facts, earlier click)')!.filter((n) => n.relation.startsWith('sessions'));
    expect(sessions.length).toBeGreaterThan(0);
    for (const n of sessions) {
      const [index] = await fresh.db.query<{ indexdef: string }>('select indexdef from pg_indexes where indexname = $1', [n.index ?? '']);
      // Led by the fingerprint, with 017's condition: not the site's indexes, not a whole-index scan of (site_id, fingerprint).
      expect(index?.indexdef).toMatch(/\(fingerprint\) WHERE/);
    }
  });

  it("statement 4 finds sessions and events by the session's key, and earlier calls by site, number and time", () => {
    const read = callScans.filter((n) => n.node !== 'ModifyTable');
    const calls = read.filter((n) => n.relation === 'calls');
    expect(calls.length).toBeGreaterThan(0);
    for (const n of calls) {
      expect(n.cond).toMatch(/site_id = /);
      expect(n.cond).toMatch(/call_time >= /);
      expect(n.cond).toMatch(/call_time <= /);
    }
    const sessions = read.filter((n) => n.relation.startsWith('sessions'));
    const events = read.filter((n) => n.relation.startsWith('events'));
    expect(sessions.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(0);
    // Not a whole index (014's partial index of conversions, say) read with a filter.
    for (const n of sessions) expect(n.cond).toMatch(/\bid = /);
    for (const n of events) expect(n.cond).toMatch(/session_id = /);
  });

  it("pairs an UPDATE's old and new rows by a key computed inline, not by a function call per row", async () => {
    // EXPLAIN VERBOSE shows an inlined SQL function as its body's expression.
    const rows = await fresh.db.query<{ 'QUERY PLAN': string }>(
      // A row as the trigger has it (a constant argument would be folded away either way).
      'explain (verbose, costs off) select public.opsmantik_row_key(to_jsonb(s)) from public.sessions s',
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).not.toMatch(/opsmantik_row_key/);
    const [key] = await fresh.db.query<{ k: string }>(
      `select public.opsmantik_row_key('{"id": "a", "session_month": "2026-11-01", "site_id": "s"}'::jsonb) as k`,
    );
    expect(key!.k).toBe('a|2026-11-01|s');
  });
});
