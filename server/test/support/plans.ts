/**
 * What PostgreSQL plans to read for a query: the tables (partitions) and indexes named in its
 * EXPLAIN. Used to show that the dashboard's queries touch only their period's partitions.
 */
import type { Queryable } from '../../src/store/db/types.js';

export interface RecordedQuery {
  text: string;
  params: readonly unknown[];
}

/** A Queryable that runs through `db` and remembers every statement. */
export function recording(db: Queryable): { db: Queryable; calls: RecordedQuery[] } {
  const calls: RecordedQuery[] = [];
  return {
    calls,
    db: {
      query: (text, params) => {
        calls.push({ text, params: params ?? [] });
        return db.query(text, params);
      },
    },
  };
}

/** A node that reads a relation: its type ('Seq Scan', 'Index Scan', ...), the relation, the index if any. */
export interface Scan {
  node: string;
  relation: string;
  index?: string;
}

export interface Plan {
  relations: string[];
  indexes: string[];
  nodes: string[];
  scans: Scan[];
}

export async function planOf(db: Queryable, q: RecordedQuery): Promise<Plan> {
  const [row] = await db.query<Record<string, unknown>>(`explain (format json) ${q.text}`, q.params);
  let json = Object.values(row!)[0];
  if (typeof json === 'string') json = JSON.parse(json);
  const plan: Plan = { relations: [], indexes: [], nodes: [], scans: [] };
  const walk = (node: Record<string, unknown>) => {
    const relation = node['Relation Name'];
    const index = node['Index Name'];
    if (typeof relation === 'string') {
      plan.scans.push({ node: String(node['Node Type']), relation, ...(typeof index === 'string' && { index }) });
    }
    if (typeof index === 'string') plan.indexes.push(index);
    if (typeof node['Node Type'] === 'string') plan.nodes.push(node['Node Type']);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  for (const top of json as { Plan: Record<string, unknown> }[]) walk(top.Plan);
  // Every relation read is a scan's.
  plan.relations = plan.scans.map((s) => s.relation);
  return plan;
}

/** The months (YYYY_MM) of the sessions_/events_ partitions a plan reads. */
export const partitionMonths = (plan: Plan): string[] =>
  [...new Set(plan.relations.map((r) => /^(?:sessions|events)_(\d{4}_\d{2})$/.exec(r)?.[1]).filter((m): m is string => !!m))].sort();
