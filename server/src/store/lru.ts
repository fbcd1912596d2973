/**
 * A bounded least-recently-used map with an expiry per entry: a Map keeps insertion order, so
 * re-inserting on every hit keeps the oldest entry first, and that one goes when the map is full.
 */
export interface Lru<V> {
  get(key: string, now: number): V | undefined;
  /** Whether a live entry exists (its value may be `undefined`, e.g. a cached "not found"). */
  has(key: string, now: number): boolean;
  set(key: string, value: V, until: number): void;
  readonly size: number;
}

export function lru<V>(max: number): Lru<V> {
  const map = new Map<string, { value: V; until: number }>();
  const live = (key: string, now: number) => {
    const hit = map.get(key);
    if (!hit) return undefined;
    map.delete(key);
    if (hit.until <= now) return undefined;
    map.set(key, hit);
    return hit;
  };
  return {
    get: (key, now) => live(key, now)?.value,
    has: (key, now) => live(key, now) !== undefined,
    set(key, value, until) {
      map.delete(key);
      map.set(key, { value, until });
      while (map.size > max) map.delete(map.keys().next().value!);
    },
    get size() {
      return map.size;
    },
  };
}
