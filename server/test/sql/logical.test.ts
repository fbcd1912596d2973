/**
 * What logical replication (Supabase Realtime's postgres_changes) actually receives, decoded from
 * pgoutput on a private PostgreSQL 15 cluster with wal_level = logical. PostgreSQL only: PGlite
 * has no logical decoding, and the shared test server runs with wal_level = replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/db/migrate.js';
import { openPostgres } from '../../src/store/db/postgres.js';
import type { Db } from '../../src/store/db/types.js';
import { backends } from '../support/db.js';
import { addEvent, addSession, addSite, addUser, monthOf, partitionName } from './fixtures.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';

interface Decoded {
  relations: Map<number, { name: string; identity: string }>;
  changes: Array<{ kind: string; table: string; old?: string }>;
}

/** Decodes the pgoutput (protocol 1) messages we care about: Relation, Insert, Update, Delete. */
function decode(messages: Buffer[]): Decoded {
  const relations = new Map<number, { name: string; identity: string }>();
  const changes: Decoded['changes'] = [];
  const cstring = (b: Buffer, at: number): [string, number] => {
    const end = b.indexOf(0, at);
    return [b.toString('utf8', at, end), end + 1];
  };
  for (const m of messages) {
    const kind = String.fromCharCode(m[0]!);
    if (kind === 'R') {
      const oid = m.readUInt32BE(1);
      const [, afterNs] = cstring(m, 5);
      const [name, afterName] = cstring(m, afterNs);
      relations.set(oid, { name, identity: String.fromCharCode(m[afterName]!) });
    } else if (kind === 'I' || kind === 'U' || kind === 'D') {
      const table = relations.get(m.readUInt32BE(1))?.name ?? '?';
      const next = String.fromCharCode(m[5]!);
      changes.push(kind === 'I' ? { kind, table } : { kind, table, old: next });
    }
  }
  return { relations, changes };
}

describe.runIf(backends.includes('postgres'))('logical decoding of the realtime publication (private PostgreSQL 15)', () => {
  let server: PrivatePostgres;
  let db: Db;

  beforeAll(async () => {
    server = await startPrivatePostgres({ wal_level: 'logical', max_replication_slots: '4', max_wal_senders: '4' });
    db = openPostgres(server.url, { max: 2 });
    await migrate(db);
  });
  afterAll(async () => {
    await db?.close();
    await server?.stop();
  });

  async function changesOf(publication: string, work: () => Promise<void>): Promise<Decoded> {
    const slot = `s_${Math.random().toString(36).slice(2, 8)}`;
    await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
    try {
      await work();
      const rows = await db.query<{ data: Buffer }>(
        "SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
        [slot, publication]);
      return decode(rows.map((r) => r.data));
    } finally {
      await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
    }
  }

  it('sends partition rows under the partition name, calls as calls, with whole old rows', async () => {
    const month = monthOf(0);
    const site = await addSite(db, await addUser(db, 'a@example.test'), 'site-a');
    const decoded = await changesOf('supabase_realtime', async () => {
      const session = await addSession(db, site, month);
      const event = await addEvent(db, site, session, month);
      await db.query("UPDATE public.events SET event_label = 'x' WHERE id = $1", [event]);
      await db.query("INSERT INTO public.calls (site_id, phone_number, status) VALUES ($1, '+1555', 'unmatched')", [site]);
      await db.query('DELETE FROM public.calls WHERE site_id = $1', [site]);
    });
    const sessions = partitionName('sessions', month);
    const events = partitionName('events', month);
    expect(decoded.changes).toEqual([
      { kind: 'I', table: sessions },
      { kind: 'I', table: events },
      { kind: 'U', table: events, old: 'O' }, // 'O': the whole old row (REPLICA IDENTITY FULL)
      { kind: 'I', table: 'calls' },
      { kind: 'D', table: 'calls', old: 'O' },
    ]);
    expect([...decoded.relations.values()].every((r) => r.identity === 'f')).toBe(true);
  });

  it('publishes a partition created while a subscriber is already streaming', async () => {
    const site = await addSite(db, await addUser(db, 'b@example.test'), 'site-b');
    const decoded = await changesOf('supabase_realtime', async () => {
      await db.query('SELECT public.ensure_month_partitions($1)', ['2031-07-01']);
      const session = await addSession(db, site, '2031-07-01');
      await addEvent(db, site, session, '2031-07-01');
    });
    expect(decoded.changes).toEqual([
      { kind: 'I', table: 'sessions_2031_07' },
      { kind: 'I', table: 'events_2031_07' },
    ]);
  });

  it('names the root instead when a publication publishes via the partition root', async () => {
    await db.exec('CREATE PUBLICATION opsmantik_via_root FOR TABLE public.events WITH (publish_via_partition_root = true)');
    const month = monthOf(0);
    const site = await addSite(db, await addUser(db, 'c@example.test'), 'site-c');
    const decoded = await changesOf('opsmantik_via_root', async () => {
      const session = await addSession(db, site, month);
      await addEvent(db, site, session, month);
    });
    // The sessions insert is not in this publication; the event arrives as "events".
    expect(decoded.changes).toEqual([{ kind: 'I', table: 'events' }]);
  });
});
