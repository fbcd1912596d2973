/*
 * 014_dashboard: what the dashboard's queries (server/src/store/dashboard.ts) read, so that a
 * period's counts and breakdowns come from one index instead of from every session row.
 *
 * Each breakdown value of a session (campaign, keyword, source, landing page, device class) is a
 * column filled by a trigger when the row is written, rather than computed by every query; the
 * covering index below then holds everything a period's counts need, so PostgreSQL answers them
 * with an index-only scan of the period's partitions. Values are cut to 256 characters to keep
 * index entries well under the btree limit (a filter compares the same cut value).
 * Not generated columns: PostgreSQL 18 refuses UPDATE/DELETE on a table whose REPLICA IDENTITY
 * FULL (005) includes unpublished generated columns.
 */

ALTER TABLE public.sessions ADD COLUMN IF NOT EXISTS dim_campaign text;
ALTER TABLE public.sessions ADD COLUMN IF NOT EXISTS dim_keyword text;
ALTER TABLE public.sessions ADD COLUMN IF NOT EXISTS dim_source text;
ALTER TABLE public.sessions ADD COLUMN IF NOT EXISTS dim_landing text;
ALTER TABLE public.sessions ADD COLUMN IF NOT EXISTS dim_device text;
COMMENT ON COLUMN public.sessions.dim_campaign IS 'Dashboard breakdown value: utm_campaign, else (none).';
COMMENT ON COLUMN public.sessions.dim_keyword IS 'Dashboard breakdown value: utm_term, else (none).';
COMMENT ON COLUMN public.sessions.dim_source IS 'Dashboard breakdown value: utm_source, else the referrer host without www., else (direct).';
COMMENT ON COLUMN public.sessions.dim_landing IS 'Dashboard breakdown value: the landing URL''s path, without query or fragment.';
COMMENT ON COLUMN public.sessions.dim_device IS 'Dashboard breakdown value: tablet, mobile, desktop or unknown, from the user agent.';

/*
 * opsmantik_session_dims(): sets a session's dim_* columns from its utm, referrer, landing_url and
 * user_agent; a BEFORE trigger on every insert and on updates of those four columns.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_session_dims()
  RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
AS $fn$
BEGIN
  NEW.dim_campaign := left(coalesce(nullif(NEW.utm->>'utm_campaign', ''), '(none)'), 256);
  NEW.dim_keyword := left(coalesce(nullif(NEW.utm->>'utm_term', ''), '(none)'), 256);
  NEW.dim_source := left(coalesce(
    nullif(NEW.utm->>'utm_source', ''),
    nullif(regexp_replace(lower(substring(NEW.referrer from '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)')), '^www\.', ''), ''),
    '(direct)'), 256);
  NEW.dim_landing := left(CASE WHEN NEW.landing_url IS NULL THEN '(unknown)'
    ELSE coalesce(nullif(substring(NEW.landing_url from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)'), ''), '/') END, 256);
  NEW.dim_device := CASE
    WHEN NEW.user_agent IS NULL THEN 'unknown'
    WHEN NEW.user_agent ~* '(ipad|tablet|kindle|silk|playbook)' OR (NEW.user_agent ~* 'android' AND NEW.user_agent !~* 'mobi') THEN 'tablet'
    WHEN NEW.user_agent ~* '(mobi|iphone|ipod|android|blackberry|opera mini|windows phone)' THEN 'mobile'
    ELSE 'desktop' END;
  RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_session_dims()
  IS 'Fills sessions.dim_* (dashboard breakdown values) from utm, referrer, landing_url and user_agent.';
REVOKE ALL ON FUNCTION public.opsmantik_session_dims() FROM PUBLIC, anon, authenticated;

DROP TRIGGER IF EXISTS sessions_dims ON public.sessions;
CREATE TRIGGER sessions_dims
  BEFORE INSERT OR UPDATE OF utm, referrer, landing_url, user_agent ON public.sessions
  FOR EACH ROW EXECUTE FUNCTION public.opsmantik_session_dims();

/*
 * Sessions stored before this migration: set their values once (a no-op update fires the trigger),
 * without a change notification per row (005's trigger would queue one for every session).
 */
DO $backfill$
DECLARE
  notifying boolean := EXISTS (SELECT 1 FROM pg_trigger
                               WHERE tgrelid = 'public.sessions'::regclass AND tgname = 'sessions_notify_change');
BEGIN
  IF notifying THEN
    ALTER TABLE public.sessions DISABLE TRIGGER sessions_notify_change;
  END IF;
  UPDATE public.sessions SET utm = utm WHERE dim_device IS NULL;
  IF notifying THEN
    ALTER TABLE public.sessions ENABLE TRIGGER sessions_notify_change;
  END IF;
END
$backfill$;

/* A site's sessions of a period with everything the counts and breakdowns read (index-only scans). */
CREATE INDEX IF NOT EXISTS sessions_site_created_dims_idx
  ON public.sessions (site_id, created_at)
  INCLUDE (created_month, id, lead_score, attribution, fingerprint, dim_campaign, dim_keyword, dim_source, dim_landing, dim_device);

/* Conversions: the sessions of a site with a conversion event, read from the index alone without
 * touching the other events (partial: conversions are a small share of all events). */
CREATE INDEX IF NOT EXISTS events_site_conversion_idx
  ON public.events (site_id, created_at) INCLUDE (session_id, session_month)
  WHERE event_category = 'conversion';

/* A session's calls (the leads list, a lead's page, calls per breakdown row). */
CREATE INDEX IF NOT EXISTS calls_site_matched_session_idx
  ON public.calls (site_id, matched_session_id, call_time DESC)
  WHERE matched_session_id IS NOT NULL;
