/**
 * The names a browser subscribes to, to follow one OpsMantik site live on Supabase
 * (contract section 6). Shared by live.js and its test.
 */

/** The private Broadcast topic the schema's change trigger sends every change of a site to. */
export const siteTopic = (siteId) => `site:${siteId}`;

/** `YYYY_MM` of a date, in UTC (the month partitions' suffix). */
const suffix = (date) => date.toISOString().slice(0, 7).replace('-', '_');

/**
 * The tables to name in `postgres_changes` subscriptions at `now`. Supabase Realtime reports a
 * change under the partition's own name (`events_2026_11`), and sends nothing under the parent's,
 * so the parents `sessions` and `events` are never named. Sessions start in the current month;
 * their events land in the session's month, which is last month for a session that started
 * before midnight on the 1st, so events follow both months. Calls are not partitioned.
 */
export function realtimeTables(now = new Date()) {
  const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return [`sessions_${suffix(now)}`, `events_${suffix(now)}`, `events_${suffix(previous)}`, 'calls'];
}
