import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, migrationFiles, migrationsDir } from '../../src/store/db/migrate.js';
import { openPglite } from '../../src/store/db/pglite.js';
import { openPostgres } from '../../src/store/db/postgres.js';
import type { Queryable } from '../../src/store/db/types.js';
import postgres from 'postgres';
import { backends, DATABASE_URL, emptyPostgres, withAdmin } from '../support/db.js';
import { addSite, addUser, sqlState } from './fixtures.js';

const names = migrationFiles().map((f) => f.name);

/** What the migrations made: relations, policies, functions, triggers, publication members. */
async function shape(db: Queryable) {
  const [row] = await db.query<Record<string, string[]>>(`
    SELECT
      (SELECT array_agg(c.relname::text || ':' || c.relkind::text ORDER BY c.relname) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'auth') AND c.relkind IN ('r', 'p')) AS tables,
      (SELECT array_agg(c.relname::text || '.' || p.polname::text ORDER BY c.relname::text || '.' || p.polname::text) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid) AS policies,
      (SELECT array_agg(p.proname::text ORDER BY p.proname::text) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('public', 'auth')) AS functions,
      (SELECT array_agg(t.tgname::text || '@' || t.tgrelid::regclass::text ORDER BY t.tgname::text || '@' || t.tgrelid::regclass::text) FROM pg_trigger t WHERE NOT t.tgisinternal) AS triggers,
      (SELECT array_agg(r.prrelid::regclass::text ORDER BY r.prrelid::regclass::text) FROM pg_publication_rel r) AS published`);
  return row!;
}

describe('migration files', () => {
  it('are found from the source tree and numbered without gaps', () => {
    expect(migrationsDir()).toMatch(/sql$/);
    expect(names.map((n) => n.slice(0, 3))).toEqual(names.map((_, i) => String(i + 1).padStart(3, '0')));
  });

  it('can be pasted into an SQL editor: no psql meta-commands, no transaction control', () => {
    for (const { name, sql } of migrationFiles()) {
      expect([name, /^\s*\\/m.test(sql)]).toEqual([name, false]);
      expect([name, /^\s*(BEGIN|COMMIT|ROLLBACK)\s*;/im.test(sql)]).toEqual([name, false]);
    }
  });

  it('comment every table and function they create', () => {
    for (const { name, sql } of migrationFiles()) {
      // Statements at the start of a line; a CREATE inside a format() string is not one.
      const creates = sql.match(/^\s*CREATE (TABLE|(OR REPLACE )?FUNCTION)\b/gm) ?? [];
      const comments = sql.match(/COMMENT ON (TABLE|FUNCTION)/g) ?? [];
      expect([name, comments.length]).toEqual([name, creates.length]);
    }
  });
});

describe.each(backends)('migration runner on %s', (backend) => {
  it('applies every file once; a second run changes nothing', async () => {
    const target = backend === 'pglite' ? { db: await openPglite(), drop: async () => {} } : await emptyPostgres();
    try {
      expect(await migrate(target.db)).toEqual(names);
      const before = await shape(target.db);
      expect(await migrate(target.db)).toEqual([]);
      expect(await shape(target.db)).toEqual(before);
      const recorded = await target.db.query<{ name: string; checksum: string }>(
        'SELECT name, checksum FROM public.opsmantik_migrations ORDER BY name');
      expect(recorded.map((r) => r.name)).toEqual(names);
      expect(recorded.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
    } finally {
      await target.db.close();
      await target.drop();
    }
  });

  it('gives the same result when the files are pasted, twice, as one script (SQL editor)', async () => {
    const target = backend === 'pglite' ? { db: await openPglite(), drop: async () => {} } : await emptyPostgres();
    try {
      const script = migrationFiles().map((f) => f.sql).join('\n');
      await target.db.exec(script);
      const once = await shape(target.db);
      await target.db.exec(script);
      expect(await shape(target.db)).toEqual(once);
      expect(once.tables).toEqual(expect.arrayContaining(['events:p', 'sessions:p', 'calls:r', 'sites:r', 'user_credentials:r', 'users:r']));
    } finally {
      await target.db.close();
      await target.drop();
    }
  });
});

describe.each(backends)('010_call_once on a database with calls already stored, on %s', (backend) => {
  it('keeps the first of the calls stored twice, then refuses a third copy', async () => {
    const target = backend === 'pglite' ? { db: await openPglite(), drop: async () => {} } : await emptyPostgres();
    const before = mkdtempSync(join(tmpdir(), 'opsmantik-sql-'));
    try {
      for (const name of names.filter((n) => n < '010_')) copyFileSync(join(migrationsDir(), name), join(before, name));
      await migrate(target.db, { dir: before });
      const site = await addSite(target.db, await addUser(target.db, 'a@example.test'), 'site-a');
      const at = '2026-11-25T10:00:00.123Z';
      const add = (fingerprint: string | null, phone: string, createdAt: string) =>
        target.db.query<{ id: string }>(
          `INSERT INTO public.calls (site_id, phone_number, matched_fingerprint, status, call_time, created_at)
           VALUES ($1, $2, $3, 'unmatched', $4, $5) RETURNING id`,
          [site, phone, fingerprint, at, createdAt]).then((r) => r[0]!.id);
      const first = await add('fp-1', '+15550100', '2026-11-25T10:00:01Z');
      await add('fp-1', '+15550100', '2026-11-25T10:00:05Z'); // a retry stored again
      await add('fp-1', '+15550100', '2026-11-25T10:00:09Z');
      const otherPhone = await add('fp-1', '+15550199', '2026-11-25T10:00:05Z');
      const noFp = [await add(null, '+15550100', '2026-11-25T10:00:05Z'), await add(null, '+15550100', '2026-11-25T10:00:06Z')];

      expect(await migrate(target.db)).toEqual(names.filter((n) => n >= '010_'));
      const left = await target.db.query<{ id: string }>('SELECT id FROM public.calls ORDER BY created_at, id');
      expect(left.map((r) => r.id).sort()).toEqual([first, otherPhone, ...noFp].sort());
      expect(await sqlState(add('fp-1', '+15550100', '2026-11-25T10:01:00Z'))).toBe('23505');
    } finally {
      rmSync(before, { recursive: true, force: true });
      await target.db.close();
      await target.drop();
    }
  });
});

describe.runIf(backends.includes('postgres'))('migration runner on postgres, concurrently and on Supabase', () => {
  it('applies each file exactly once when two runners start together', async () => {
    const target = await emptyPostgres();
    const second = openPostgres(target.url, { max: 2 });
    try {
      const [x, y] = await Promise.all([migrate(target.db), migrate(second)]);
      expect([...x, ...y].sort()).toEqual(names);
      const [row] = await target.db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.opsmantik_migrations');
      expect(row!.n).toBe(names.length);
    } finally {
      await second.close();
      await target.drop();
    }
  });

  it('creates no auth object where Supabase already has them', async () => {
    const target = await emptyPostgres();
    try {
      // A stand-in for Supabase's own auth schema, with a differently written auth.uid().
      await target.db.exec(`
        CREATE SCHEMA auth;
        CREATE TABLE auth.users (id uuid PRIMARY KEY, email text, phone text);
        CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
          AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
        GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
        CREATE PUBLICATION supabase_realtime;`);
      await migrate(target.db);
      const [fn] = await target.db.query<{ src: string }>("SELECT prosrc AS src FROM pg_proc WHERE proname = 'uid'");
      expect(fn!.src).toContain('request.jwt.claim.sub');
      const cols = await target.db.query<{ c: string }>(
        "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'users' ORDER BY 1");
      expect(cols.map((r) => r.c)).toEqual(['email', 'id', 'phone']);
      // Our tables and policies still work with Supabase's auth.uid().
      const [pol] = await target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_policies WHERE tablename = 'events'");
      expect(pol!.n).toBe(4);
    } finally {
      await target.drop();
    }
  });

  it('creates the shim roles safely when several databases race for them', async () => {
    // The roles block of 001 with fresh names, so the race really happens on this shared server.
    const tag = `opsm_t_${Math.random().toString(36).slice(2, 8)}`;
    const roles = [`${tag}_anon`, `${tag}_authenticated`, `${tag}_service_role`];
    const block = readFileSync(`${migrationsDir()}/001_auth_shim.sql`, 'utf8')
      .match(/DO \$roles\$[\s\S]*?\$roles\$;/)![0]
      .replace("ARRAY['anon', 'authenticated', 'service_role']", `ARRAY['${roles.join("', '")}']`);
    const conns = [1, 2, 3].map(() => postgres(DATABASE_URL, { max: 1, onnotice: () => {} }));
    try {
      let release!: () => void;
      const released = new Promise<void>((r) => { release = r; });
      let markCreated!: () => void;
      const created = new Promise<void>((r) => { markCreated = r; });
      // First creator: creates the roles and holds its transaction open.
      const first = conns[0]!.begin(async (tx) => {
        await tx.unsafe(block);
        markCreated();
        await released;
      });
      await created;
      // Two more creators start while the first is uncommitted: they wait on pg_authid's index.
      const others = conns.slice(1).map((c) => c.begin((tx) => tx.unsafe(block)));
      await withAdmin(async (sql) => {
        for (;;) {
          const [row] = await sql`SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%$roles$%' AND query LIKE ${'%' + tag + '%'}`;
          if (row!.n >= 2) break;
          await new Promise((r) => setTimeout(r, 20));
        }
      });
      release();
      await first;
      await Promise.all(others); // neither fails: the loser's unique_violation is caught
      const made = await withAdmin((sql) => sql`SELECT rolname FROM pg_roles WHERE rolname LIKE ${tag + '%'} ORDER BY 1`);
      expect(made.map((r) => r.rolname)).toEqual([...roles].sort());
    } finally {
      await Promise.all(conns.map((c) => c.end({ timeout: 5 })));
      await withAdmin((sql) => sql.unsafe(roles.map((r) => `DROP ROLE IF EXISTS ${r};`).join('\n')).simple());
    }
  });

  it('survives parallel first migrations of several databases (roles are cluster-wide)', async () => {
    const targets = await Promise.all([1, 2, 3].map(() => emptyPostgres(2)));
    try {
      const applied = await Promise.all(targets.map((t) => migrate(t.db)));
      expect(applied).toEqual([names, names, names]);
    } finally {
      await Promise.all(targets.map((t) => t.drop()));
    }
  });
});

it('reads the migration text it records', () => {
  const first = readFileSync(`${migrationsDir()}/${names[0]}`, 'utf8');
  expect(migrationFiles()[0]!.sql).toBe(first);
});
