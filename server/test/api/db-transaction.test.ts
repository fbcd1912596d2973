/**
 * Db.transaction(): every statement runs inside the one transaction, the `last` one too (its
 * COMMIT travels with it), on both drivers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type FreshDb } from '../support/db.js';

describe.each(backends)('Db.transaction on %s', (kind) => {
  let fresh: FreshDb;
  beforeAll(async () => {
    fresh = await freshDb(kind);
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it('runs the statement marked last inside the transaction, before its commit', async () => {
    const ids = await fresh.db.transaction(async (tx) => {
      const [first] = await tx.query<{ x: string }>('select txid_current()::text as x');
      // Not awaited before the commit is queued: the order of sending is what is tested.
      const [last] = await tx.query<{ x: string }>('select txid_current()::text as x', [], { last: true });
      return [first!.x, last!.x];
    });
    // A statement sent after COMMIT would run in a transaction of its own, with another id.
    expect(ids[1]).toBe(ids[0]);
  });

  it('commits what the last statement wrote, and nothing of a transaction whose last statement fails', async () => {
    await fresh.db.query('create table if not exists public.tx_probe (n int primary key)');
    await fresh.db.transaction(async (tx) => {
      await tx.query('insert into public.tx_probe values (1)');
      await tx.query('insert into public.tx_probe values (2)', [], { last: true });
    });
    await expect(
      fresh.db.transaction(async (tx) => {
        await tx.query('insert into public.tx_probe values (3)');
        await tx.query('insert into public.tx_probe values (1)', [], { last: true });
      }),
    ).rejects.toThrow();
    const rows = await fresh.db.query<{ n: number }>('select n from public.tx_probe order by n');
    expect(rows.map((r) => r.n)).toEqual([1, 2]);
  });
});
