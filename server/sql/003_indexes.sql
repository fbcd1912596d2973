/*
 * 003_indexes: indexes for the architecture's two query patterns and the ingest path's hot paths.
 * Indexes on a partitioned parent are created on every partition, present and future.
 */

/* Session events in time order: WHERE session_id = $1 AND session_month = $2 ORDER BY created_at
 * (session_month prunes to one partition, the index does the rest). */
CREATE INDEX IF NOT EXISTS events_session_created_idx
  ON public.events (session_id, created_at);

/* A user's latest events: the RLS check is site_id IN (the user's sites), then newest first. */
CREATE INDEX IF NOT EXISTS events_site_created_idx
  ON public.events (site_id, created_at DESC);

/* Attribution (earlier session with a click id for this fingerprint) and call matching (the most
 * recent session with this fingerprint): both look up a site's sessions by fingerprint. */
CREATE INDEX IF NOT EXISTS sessions_site_fingerprint_idx
  ON public.sessions (site_id, fingerprint, last_event_at DESC);

/* A site's sessions, newest first (dashboards, live view). */
CREATE INDEX IF NOT EXISTS sessions_site_created_idx
  ON public.sessions (site_id, created_at DESC);

/* A site's calls, newest first. */
CREATE INDEX IF NOT EXISTS calls_site_call_time_idx
  ON public.calls (site_id, call_time DESC);

/* RLS on every table asks for the caller's sites: sites by owner. */
CREATE INDEX IF NOT EXISTS sites_user_id_idx
  ON public.sites (user_id);
