/*
 * 017_paid_fingerprint_index: an index that serves the ingest path's earlier-click lookup alone.
 *
 * Statement 2 of an ingest group (server/src/store/ingest-write.ts) asks, for a session without a
 * click id of its own: has this site an earlier session with this fingerprint and a click id? With
 * the site as its leading column, sessions_site_fingerprint_idx (003) competed with the dashboard's
 * index on (site_id, created_at, ...): on a new, empty partition both cost the same, and a prepared
 * plan made then kept reading every session of the site through the dashboard index as the month
 * grew. The lookup now names the site in a condition no index serves, so its only index is this
 * one: paid sessions by fingerprint (the few rows with a click id, so it is small and cheap to keep).
 */
CREATE INDEX IF NOT EXISTS sessions_paid_fingerprint_idx
  ON public.sessions (fingerprint)
  WHERE gclid IS NOT NULL OR gbraid IS NOT NULL OR wbraid IS NOT NULL;
