/*
 * 014_dashboard_indexes: indexes for the dashboard's queries (server/src/store/dashboard.ts).
 * The period's sessions already come from sessions_site_created_idx (003); these cover what the
 * dashboard asks besides. Each is created on every partition, present and future.
 */

/* "Visitors now": a site's sessions with an event in the last five minutes. */
CREATE INDEX IF NOT EXISTS sessions_site_last_event_idx
  ON public.sessions (site_id, last_event_at DESC);

/* Conversions: the sessions of a site with a conversion event, read without touching the other
 * events (partial: conversions are a small share of all events). */
CREATE INDEX IF NOT EXISTS events_site_conversion_idx
  ON public.events (site_id, created_at, session_id)
  WHERE event_category = 'conversion';

/* A session's calls (the leads list, a lead's page, calls per breakdown row). */
CREATE INDEX IF NOT EXISTS calls_site_matched_session_idx
  ON public.calls (site_id, matched_session_id, call_time DESC)
  WHERE matched_session_id IS NOT NULL;
