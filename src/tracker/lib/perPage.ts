/**
 * "Once per page" for keys (elements, milestones): truthy the first time for `key` on this URL, so
 * an SPA navigation starts afresh.
 */
export const oncePerPage = <K extends object | number>(): ((key: K) => unknown) => {
  const seen = new Map<K, string>();
  return (key) => seen.get(key) != location.href && seen.set(key, location.href);
};
