/*
 * 017_write_path_plans: what an ingest group runs stays cheap, whatever the partitions' sizes.
 *
 * 1. sessions_paid_fingerprint_idx: an index that serves the earlier-click lookup alone. Statement
 *    2 of an ingest group (server/src/store/ingest-write.ts) asks, for a session without a click id
 *    of its own: has this site an earlier session with this fingerprint and a click id? With the
 *    site as its leading column, sessions_site_fingerprint_idx (003) competed with the dashboard's
 *    index on (site_id, created_at, ...): on a new, empty partition both cost the same, and a
 *    prepared plan made then kept reading every session of the site through the dashboard index as
 *    the month grew. The lookup now names the site in a condition no index serves, so its only
 *    index is this one: paid sessions by fingerprint (the few rows with a click id: small, cheap
 *    to keep).
 * 2. opsmantik_row_key() (012) was never inlined: an IMMUTABLE SQL function is inlined only when
 *    its body is immutable too, and concat_ws() is only STABLE. So pairing an UPDATE's old and new
 *    rows in opsmantik_notify_changes() ran a SQL function call per row and comparison, most of
 *    the change trigger's cost for a score update (about 0.6 ms of 0.8 for a group of three
 *    sessions). The same key from immutable operators: inlined, computed once per row.
 */
CREATE INDEX IF NOT EXISTS sessions_paid_fingerprint_idx
  ON public.sessions (fingerprint)
  WHERE gclid IS NOT NULL OR gbraid IS NOT NULL OR wbraid IS NOT NULL;

CREATE OR REPLACE FUNCTION public.opsmantik_row_key(p_row jsonb)
  RETURNS text
  LANGUAGE sql
  IMMUTABLE
AS $fn$
  SELECT (p_row ->> 'id') || '|' || coalesce(p_row ->> 'created_month', p_row ->> 'session_month', '') || '|'
         || coalesce(p_row ->> 'site_id', '')
$fn$;
COMMENT ON FUNCTION public.opsmantik_row_key(jsonb)
  IS 'The key an UPDATE''s old and new rows are paired by in opsmantik_notify_changes (id | month | site_id); inlined.';
