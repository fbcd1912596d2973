/**
 * The request path's deadline (store/db/deadline.ts): a call that cannot start in time is answered
 * at the deadline, and when it does start later it writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';
import { withDeadline } from '../../src/store/db/deadline.js';
import { StorageUnavailableError } from '../../src/store/unavailable.js';
import type { Db } from '../../src/store/db/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)('the database deadline on %s', (kind) => {
  let fresh: FreshDb;
  beforeAll(async () => {
    fresh = await freshDb(kind);
    await fresh.db.exec('create table if not exists public.deadline_probe (n int)');
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  /** The same database, with every transaction starting `delayMs` late (a busy pool). */
  const slowToStart = (db: Db, delayMs: number): Db => ({
    ...db,
    kind: db.kind,
    transaction: async (fn) => {
      await sleep(delayMs);
      return db.transaction(fn);
    },
  });

  const count = async () => (await fresh.db.query<{ n: number }>('select count(*)::int as n from public.deadline_probe'))[0]!.n;

  it('answers at the deadline, and the late call writes nothing', async () => {
    const bounded = withDeadline(slowToStart(fresh.db, 400), 100);
    await expect(bounded.query('insert into public.deadline_probe values (1)')).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(bounded.transaction((tx) => tx.query('insert into public.deadline_probe values (2)'))).rejects.toBeInstanceOf(StorageUnavailableError);
    await sleep(800);
    expect(await count()).toBe(0);
  });

  it('runs and commits a call that finishes in time', async () => {
    const bounded = withDeadline(fresh.db, 5000);
    await bounded.transaction(async (tx) => {
      await tx.query('insert into public.deadline_probe values (3)');
    });
    expect(await bounded.query<{ n: number }>('select n from public.deadline_probe')).toEqual([{ n: 3 }]);
  });
});
