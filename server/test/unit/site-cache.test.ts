/**
 * The site lookup's cache (issue 12, finding 4): it used to be cleared wholesale after 10,000
 * entries, so a flood of made-up site ids evicted the real sites too and every request of theirs
 * went to the database again. Now known sites live in a bounded LRU of their own.
 */
import { describe, expect, it } from 'vitest';
import { siteLookup } from '../../src/store/sites.js';
import type { Queryable } from '../../src/store/db/types.js';

/** A database with a few sites that counts the lookups per public id. */
function fakeDb(known: string[]) {
  const lookups = new Map<string, number>();
  const db: Queryable = {
    async query<T>(_text: string, params?: unknown[]) {
      const id = String(params?.[0]);
      lookups.set(id, (lookups.get(id) ?? 0) + 1);
      const rows = known.includes(id)
        ? [{ id: `uuid-${id}`, public_id: id, allowed_origins: [], secret_hash: null, live_token_hash: null, phone_region: null }]
        : [];
      return rows as T[];
    },
  } as Queryable;
  return { db, lookups };
}

describe('site lookup cache', () => {
  it('keeps the real sites through a flood of made-up ids', async () => {
    const { db, lookups } = fakeDb(['shop-a', 'shop-b']);
    const sites = siteLookup(db, { ttlMs: 60_000, now: () => 0, maxSites: 100, maxUnknown: 50 });
    expect((await sites.get('shop-a'))?.id).toBe('uuid-shop-a');
    expect((await sites.get('shop-b'))?.id).toBe('uuid-shop-b');
    for (let n = 0; n < 20_000; n++) expect(await sites.get(`made-up-${n}`)).toBeUndefined();
    expect((await sites.get('shop-a'))?.id).toBe('uuid-shop-a');
    expect((await sites.get('shop-b'))?.id).toBe('uuid-shop-b');
    expect([lookups.get('shop-a'), lookups.get('shop-b')]).toEqual([1, 1]);
  });

  it('answers a repeated unknown id from the cache for a short while, then asks again', async () => {
    let t = 0;
    const { db, lookups } = fakeDb([]);
    const sites = siteLookup(db, { ttlMs: 5000, now: () => t });
    await sites.get('nope');
    await sites.get('nope');
    expect(lookups.get('nope')).toBe(1);
    t += 1001; // unknown ids are cached for at most a second: a new site answers soon
    await sites.get('nope');
    expect(lookups.get('nope')).toBe(2);
  });

  it('evicts the least recently used site when full, not the whole cache', async () => {
    const ids = ['s1', 's2', 's3'];
    const { db, lookups } = fakeDb(ids);
    const sites = siteLookup(db, { ttlMs: 60_000, now: () => 0, maxSites: 2 });
    await sites.get('s1');
    await sites.get('s2');
    await sites.get('s1'); // s1 is now the most recent
    await sites.get('s3'); // evicts s2
    await sites.get('s1');
    await sites.get('s2');
    expect(Object.fromEntries(lookups)).toEqual({ s1: 1, s2: 2, s3: 1 });
  });
});
