/*
 * 016_dashboard_rollups: daily rollups that answer the dashboard's long periods without reading
 * every session of the period (server/src/store/dashboard-rollup.ts reads them; docs/schema.md,
 * "Dashboard rollups").
 *
 * Closed days only: a day is rolled up lazily, by the first dashboard request that needs it, once
 * it ended (UTC) at least 5 minutes ago; the days after the rollup's last one (today) are read raw.
 * Per site and day, for the whole site (dim 'all', value '') and for every breakdown value of every
 * dimension (attribution and the five sessions.dim_* columns of 014):
 *
 * - dashboard_days: sessions, leads (score >= 50, the default threshold), conversions (sessions
 *   with a conversion event) and calls (matched calls of those sessions).
 * - dashboard_visitor_days: one row per visitor (coalesce(fingerprint, id)), dimension value and
 *   day with a session, with the visitor's previous day with that value (-infinity if none).
 * - dashboard_firsts: those rows counted per day and previous day. Distinct visitors of days
 *   [a, b] are exactly the visitor-days in [a, b] whose previous day is before a, so a period's
 *   visitors are a sum over at most days x distinct previous days rows, with no count(distinct).
 *
 * Late changes to a rolled-up day (a call matched to an old session, a score that changed, a
 * conversion, a fingerprint or breakdown value filled later) are logged by per-statement triggers
 * into dashboard_stale (append-only, so concurrent writers never wait on each other there); the
 * next refresh recomputes those days' counts and those visitors' rows before answering.
 */

CREATE TABLE IF NOT EXISTS public.dashboard_days (
  site_id uuid NOT NULL,
  dim text NOT NULL,
  value text NOT NULL,
  day date NOT NULL,
  sessions integer NOT NULL,
  leads integer NOT NULL,
  conversions integer NOT NULL,
  calls integer NOT NULL,
  PRIMARY KEY (site_id, dim, value, day)
);
CREATE INDEX IF NOT EXISTS dashboard_days_site_dim_day_idx ON public.dashboard_days (site_id, dim, day);

CREATE TABLE IF NOT EXISTS public.dashboard_visitor_days (
  site_id uuid NOT NULL,
  dim text NOT NULL,
  value text NOT NULL,
  visitor text NOT NULL,
  day date NOT NULL,
  prev_day date NOT NULL,
  /* Visitor first: the one index serves a visitor's rows (redone after a late change) and a
   * visitor's days with one value (the previous day; today's visitors seen earlier in a period). */
  PRIMARY KEY (site_id, visitor, dim, value, day)
);

CREATE TABLE IF NOT EXISTS public.dashboard_firsts (
  site_id uuid NOT NULL,
  dim text NOT NULL,
  value text NOT NULL,
  day date NOT NULL,
  prev_day date NOT NULL,
  n integer NOT NULL,
  PRIMARY KEY (site_id, dim, value, day, prev_day)
);
CREATE INDEX IF NOT EXISTS dashboard_firsts_site_dim_day_idx ON public.dashboard_firsts (site_id, dim, day) INCLUDE (value, prev_day, n);

/* The last day rolled up, per site. */
CREATE TABLE IF NOT EXISTS public.dashboard_rollup_state (
  site_id uuid PRIMARY KEY,
  built_through date NOT NULL
);

/* Rolled-up days (and visitors) that changed since; visitor NULL: only the day's counts. */
CREATE TABLE IF NOT EXISTS public.dashboard_stale (
  id bigserial PRIMARY KEY,
  site_id uuid NOT NULL,
  day date NOT NULL,
  visitor text
);
CREATE INDEX IF NOT EXISTS dashboard_stale_site_idx ON public.dashboard_stale (site_id);

ALTER TABLE public.dashboard_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.dashboard_visitor_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.dashboard_firsts ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.dashboard_rollup_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.dashboard_stale ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE public.dashboard_days, public.dashboard_visitor_days, public.dashboard_firsts,
  public.dashboard_rollup_state, public.dashboard_stale FROM PUBLIC, anon, authenticated;

/* A session's UTC day. */
CREATE OR REPLACE FUNCTION public.opsmantik_utc_day(t timestamptz)
  RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (t AT TIME ZONE 'UTC')::date;

/* The rollup cells a session counts in: the whole site, and its value in each dimension. */
CREATE OR REPLACE FUNCTION public.opsmantik_dashboard_cells(
  attribution text, campaign text, keyword text, source text, landing text, device text)
  RETURNS TABLE (dim text, value text) LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
  SELECT * FROM (VALUES ('all', ''), ('attribution', attribution), ('campaign', campaign), ('keyword', keyword),
                        ('source', source), ('landing', landing), ('device', device)) v(dim, value)
$fn$;

/*
 * The start of today (UTC) by the database's clock: a change to a session that started before it
 * is logged. Rolled-up days are all before it, and a refresh only takes days that ended at least 5
 * minutes earlier (no write transaction stays open that long), so none is missed while it runs.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_dashboard_today()
  RETURNS timestamptz LANGUAGE sql STABLE
  RETURN date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';

/*
 * Sessions: a new or deleted session of a closed day changes its day and its visitor; an update
 * changes the day's counts (score), and its visitor's rows too when who the visitor is or a
 * breakdown value changed (then under the old and the new visitor).
 */
CREATE OR REPLACE FUNCTION public.opsmantik_dashboard_sessions_changed()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
BEGIN
  -- The common case (ingest writes today's sessions) ends at the first check.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.dashboard_stale (site_id, day, visitor)
    SELECT DISTINCT n.site_id, public.opsmantik_utc_day(n.created_at), coalesce(n.fingerprint, n.id::text)
      FROM new_rows n WHERE n.created_at < public.opsmantik_dashboard_today();
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO public.dashboard_stale (site_id, day, visitor)
    SELECT DISTINCT o.site_id, public.opsmantik_utc_day(o.created_at), coalesce(o.fingerprint, o.id::text)
      FROM old_rows o WHERE o.created_at < public.opsmantik_dashboard_today();
  ELSIF EXISTS (SELECT 1 FROM old_rows o WHERE o.created_at < public.opsmantik_dashboard_today())
     OR EXISTS (SELECT 1 FROM new_rows n WHERE n.created_at < public.opsmantik_dashboard_today()) THEN
    INSERT INTO public.dashboard_stale (site_id, day, visitor)
    SELECT DISTINCT x.site_id, x.day, x.visitor
      FROM (SELECT o.*, public.opsmantik_utc_day(o.created_at) AS d FROM old_rows o) o
      JOIN new_rows n ON n.id = o.id AND n.created_month = o.created_month
      CROSS JOIN LATERAL (
        SELECT (o.fingerprint, o.attribution, o.dim_campaign, o.dim_keyword, o.dim_source, o.dim_landing, o.dim_device, o.created_at, o.site_id)
               IS DISTINCT FROM
               (n.fingerprint, n.attribution, n.dim_campaign, n.dim_keyword, n.dim_source, n.dim_landing, n.dim_device, n.created_at, n.site_id) AS moved) m
      CROSS JOIN LATERAL (VALUES
        (o.site_id, o.d, CASE WHEN m.moved THEN coalesce(o.fingerprint, o.id::text) END),
        (n.site_id, public.opsmantik_utc_day(n.created_at), CASE WHEN m.moved THEN coalesce(n.fingerprint, n.id::text) END)) x(site_id, day, visitor)
     WHERE (m.moved OR o.lead_score IS DISTINCT FROM n.lead_score)
       AND x.day < (now() AT TIME ZONE 'UTC')::date;
  END IF;
  RETURN NULL;
END
$fn$;

/* Logs the days of these sessions (id, month pairs) that started before today. */
CREATE OR REPLACE FUNCTION public.opsmantik_dashboard_sessions_stale(p_ids uuid[], p_months date[])
  RETURNS void
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
BEGIN ATOMIC
  INSERT INTO public.dashboard_stale (site_id, day)
  SELECT DISTINCT s.site_id, public.opsmantik_utc_day(s.created_at)
    FROM unnest(p_ids, p_months) k(id, m)
    JOIN public.sessions s ON s.id = k.id AND s.created_month = k.m
   WHERE s.created_at < public.opsmantik_dashboard_today();
END;

/* Events: a conversion on a session of a closed day changes that day's conversions. */
CREATE OR REPLACE FUNCTION public.opsmantik_dashboard_events_changed()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows e WHERE e.event_category = 'conversion') THEN
    PERFORM public.opsmantik_dashboard_sessions_stale(array_agg(e.session_id), array_agg(e.session_month))
       FROM new_rows e WHERE e.event_category = 'conversion';
  END IF;
  RETURN NULL;
END
$fn$;

/* Calls: a call matched to (or unmatched from) a session of a closed day changes that day's calls. */
CREATE OR REPLACE FUNCTION public.opsmantik_dashboard_calls_changed()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM public.opsmantik_dashboard_sessions_stale(array_agg(c.matched_session_id), array_agg(c.matched_session_month))
       FROM new_rows c WHERE c.matched_session_id IS NOT NULL;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    PERFORM public.opsmantik_dashboard_sessions_stale(array_agg(c.matched_session_id), array_agg(c.matched_session_month))
       FROM old_rows c WHERE c.matched_session_id IS NOT NULL;
  END IF;
  RETURN NULL;
END
$fn$;

REVOKE ALL ON FUNCTION public.opsmantik_dashboard_sessions_changed(), public.opsmantik_dashboard_events_changed(),
  public.opsmantik_dashboard_calls_changed(), public.opsmantik_dashboard_sessions_stale(uuid[], date[])
  FROM PUBLIC, anon, authenticated;

DO $triggers$
DECLARE
  t text;
  op text;
BEGIN
  FOREACH t IN ARRAY ARRAY['sessions', 'calls'] LOOP
    FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
      EXECUTE format('DROP TRIGGER IF EXISTS %1$s_dashboard_%2$s ON public.%1$I', t, op);
      EXECUTE format('CREATE TRIGGER %1$s_dashboard_%2$s AFTER %3$s ON public.%1$I REFERENCING %4$s
                        FOR EACH STATEMENT EXECUTE FUNCTION public.opsmantik_dashboard_%1$s_changed()',
                     t, op, upper(op),
                     CASE op WHEN 'insert' THEN 'NEW TABLE AS new_rows' WHEN 'delete' THEN 'OLD TABLE AS old_rows'
                             ELSE 'OLD TABLE AS old_rows NEW TABLE AS new_rows' END);
    END LOOP;
  END LOOP;
END
$triggers$;
DROP TRIGGER IF EXISTS events_dashboard_insert ON public.events;
CREATE TRIGGER events_dashboard_insert AFTER INSERT ON public.events REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.opsmantik_dashboard_events_changed();

/*
 * The counts of days [p_from, p_to] of a site, replacing what was there. A session's calls are its
 * matched calls; a conversion is a session with a conversion event (as the raw queries count).
 */
CREATE OR REPLACE FUNCTION public.opsmantik_dashboard_count_days(p_site uuid, p_days date[])
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  lo date := (SELECT min(d) FROM unnest(p_days) d);
  hi date := (SELECT max(d) FROM unnest(p_days) d);
BEGIN
  IF lo IS NULL THEN RETURN; END IF;
  DELETE FROM public.dashboard_days WHERE site_id = p_site AND day = ANY (p_days);
  INSERT INTO public.dashboard_days (site_id, dim, value, day, sessions, leads, conversions, calls)
  SELECT p_site, d.dim, d.value, s.day, count(*), count(*) FILTER (WHERE s.lead_score >= 50),
         count(*) FILTER (WHERE s.conv), coalesce(sum(s.calls), 0)
    FROM (SELECT public.opsmantik_utc_day(s.created_at) AS day, s.lead_score, s.attribution, s.dim_campaign, s.dim_keyword,
                 s.dim_source, s.dim_landing, s.dim_device,
                 EXISTS (SELECT 1 FROM public.events e WHERE e.session_id = s.id AND e.session_month = s.created_month
                            AND e.event_category = 'conversion') AS conv,
                 (SELECT count(*) FROM public.calls c WHERE c.site_id = p_site AND c.matched_session_id = s.id
                     AND c.matched_session_month = s.created_month AND c.status = 'matched') AS calls
            FROM public.sessions s
           WHERE s.site_id = p_site
             AND s.created_month BETWEEN (date_trunc('month', lo) - interval '1 month')::date AND (date_trunc('month', hi) + interval '1 month')::date
             AND s.created_at >= lo::timestamp AT TIME ZONE 'UTC' AND s.created_at < (hi + 1)::timestamp AT TIME ZONE 'UTC'
             AND public.opsmantik_utc_day(s.created_at) = ANY (p_days)) s
   CROSS JOIN LATERAL public.opsmantik_dashboard_cells(s.attribution, s.dim_campaign, s.dim_keyword, s.dim_source, s.dim_landing, s.dim_device) d
   GROUP BY d.dim, d.value, s.day;
END
$fn$;

/*
 * Visitor-days of the days [p_from, p_to] (after every day already rolled up): each visitor's
 * previous day with the same value is the one before it within these days, or else the latest
 * rolled-up one.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_dashboard_append_visitors(p_site uuid, p_from date, p_to date)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
AS $fn$
BEGIN
  INSERT INTO public.dashboard_visitor_days (site_id, dim, value, visitor, day, prev_day)
  SELECT p_site, x.dim, x.value, x.visitor, x.day,
         coalesce(lag(x.day) OVER (PARTITION BY x.dim, x.value, x.visitor ORDER BY x.day),
                  (SELECT max(v.day) FROM public.dashboard_visitor_days v
                    WHERE v.site_id = p_site AND v.dim = x.dim AND v.value = x.value AND v.visitor = x.visitor AND v.day < p_from),
                  '-infinity'::date)
    FROM (SELECT DISTINCT d.dim, d.value, coalesce(s.fingerprint, s.id::text) AS visitor, public.opsmantik_utc_day(s.created_at) AS day
            FROM public.sessions s
           CROSS JOIN LATERAL public.opsmantik_dashboard_cells(s.attribution, s.dim_campaign, s.dim_keyword, s.dim_source, s.dim_landing, s.dim_device) d
           WHERE s.site_id = p_site
             AND s.created_month BETWEEN (date_trunc('month', p_from) - interval '1 month')::date AND (date_trunc('month', p_to) + interval '1 month')::date
             AND s.created_at >= p_from::timestamp AT TIME ZONE 'UTC' AND s.created_at < (p_to + 1)::timestamp AT TIME ZONE 'UTC') x;
  INSERT INTO public.dashboard_firsts (site_id, dim, value, day, prev_day, n)
  SELECT p_site, v.dim, v.value, v.day, v.prev_day, count(*)
    FROM public.dashboard_visitor_days v
   WHERE v.site_id = p_site AND v.day BETWEEN p_from AND p_to
   GROUP BY v.dim, v.value, v.day, v.prev_day;
END
$fn$;

/*
 * Recomputes every rolled-up row (days up to p_through) of the visitors p_visitors, from all their
 * sessions, and the firsts of every (dimension, value, day) their old or new rows are in.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_dashboard_redo_visitors(p_site uuid, p_visitors text[], p_through date)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
AS $fn$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS dashboard_cells (dim text, value text, day date) ON COMMIT DROP;
  DELETE FROM dashboard_cells;
  WITH gone AS (
    DELETE FROM public.dashboard_visitor_days v WHERE v.site_id = p_site AND v.visitor = ANY (p_visitors)
    RETURNING v.dim, v.value, v.day)
  INSERT INTO dashboard_cells SELECT DISTINCT dim, value, day FROM gone;
  WITH came AS (
    INSERT INTO public.dashboard_visitor_days (site_id, dim, value, visitor, day, prev_day)
    SELECT p_site, x.dim, x.value, x.visitor, x.day,
           coalesce(lag(x.day) OVER (PARTITION BY x.dim, x.value, x.visitor ORDER BY x.day), '-infinity'::date)
      FROM (SELECT DISTINCT d.dim, d.value, s.visitor, public.opsmantik_utc_day(s.created_at) AS day
              FROM (SELECT s.*, s.fingerprint AS visitor FROM public.sessions s
                     WHERE s.site_id = p_site AND s.fingerprint = ANY (p_visitors)
                    UNION ALL
                    SELECT s.*, s.id::text FROM public.sessions s
                     WHERE s.site_id = p_site AND s.fingerprint IS NULL
                       AND s.id = ANY (SELECT v::uuid FROM unnest(p_visitors) v
                                        WHERE v ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')) s
             CROSS JOIN LATERAL public.opsmantik_dashboard_cells(s.attribution, s.dim_campaign, s.dim_keyword, s.dim_source, s.dim_landing, s.dim_device) d
             WHERE public.opsmantik_utc_day(s.created_at) <= p_through) x
    RETURNING dim, value, day)
  INSERT INTO dashboard_cells SELECT DISTINCT dim, value, day FROM came;
  DELETE FROM public.dashboard_firsts f
   USING (SELECT DISTINCT dim, value, day FROM dashboard_cells) c
   WHERE f.site_id = p_site AND f.dim = c.dim AND f.value = c.value AND f.day = c.day;
  INSERT INTO public.dashboard_firsts (site_id, dim, value, day, prev_day, n)
  SELECT p_site, v.dim, v.value, v.day, v.prev_day, count(*)
    FROM (SELECT DISTINCT dim, value, day FROM dashboard_cells) c
    JOIN public.dashboard_visitor_days v ON v.site_id = p_site AND v.dim = c.dim AND v.value = c.value AND v.day = c.day
   GROUP BY v.dim, v.value, v.day, v.prev_day;
END
$fn$;

/*
 * Brings a site's rollups up to date: first what changed in rolled-up days, then at most
 * p_max_days more days up to p_through (never a day that ended less than 5 minutes ago). Returns
 * the last day rolled up (NULL: none yet). One site at a time (an advisory lock); a request that
 * waited finds the work done.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_dashboard_refresh(p_site uuid, p_through date, p_max_days integer DEFAULT 31)
  RETURNS date
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  built date;
  target date := least(p_through, ((now() - interval '5 minutes') AT TIME ZONE 'UTC')::date - 1);
  ids bigint[];
  days date[];
  visitors text[];
  upto date;
  oldest date;
BEGIN
  SELECT r.built_through INTO built FROM public.dashboard_rollup_state r WHERE r.site_id = p_site;
  IF (built IS NOT NULL AND built >= target)
     AND NOT EXISTS (SELECT 1 FROM public.dashboard_stale x WHERE x.site_id = p_site) THEN
    RETURN built;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('opsmantik.dashboard:' || p_site::text, 0));
  SELECT r.built_through INTO built FROM public.dashboard_rollup_state r WHERE r.site_id = p_site;
  -- What changed, by id: a change committed after this read is left for the next refresh.
  SELECT array_agg(x.id), array_agg(DISTINCT x.day) FILTER (WHERE x.day <= built),
         array_agg(DISTINCT x.visitor) FILTER (WHERE x.day <= built AND x.visitor IS NOT NULL)
    INTO ids, days, visitors
    FROM public.dashboard_stale x WHERE x.site_id = p_site;
  IF ids IS NOT NULL THEN
    IF visitors IS NOT NULL THEN
      PERFORM public.opsmantik_dashboard_redo_visitors(p_site, visitors, built);
    END IF;
    PERFORM public.opsmantik_dashboard_count_days(p_site, days);
    DELETE FROM public.dashboard_stale x WHERE x.id = ANY (ids);
  END IF;
  IF built IS NULL THEN
    -- Nothing rolled up yet: start from the site's first session.
    SELECT public.opsmantik_utc_day(min(s.created_at)) - 1 INTO built FROM public.sessions s WHERE s.site_id = p_site;
    IF built IS NULL THEN
      built := target;
    END IF;
    built := least(built, target);
    INSERT INTO public.dashboard_rollup_state (site_id, built_through) VALUES (p_site, built)
      ON CONFLICT (site_id) DO UPDATE SET built_through = excluded.built_through;
  END IF;
  IF built < target THEN
    -- Once a day (when a day is added): forget the days of months retention dropped (007).
    oldest := (SELECT min(to_date(right(c.relname, 7), 'YYYY_MM')) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'public.sessions'::regclass AND c.relname ~ '_\d{4}_\d{2}$');
    IF oldest IS NOT NULL THEN
      DELETE FROM public.dashboard_days WHERE site_id = p_site AND day < oldest;
      DELETE FROM public.dashboard_visitor_days WHERE site_id = p_site AND day < oldest;
      DELETE FROM public.dashboard_firsts WHERE site_id = p_site AND day < oldest;
    END IF;
    upto := least(target, built + p_max_days);
    PERFORM public.opsmantik_dashboard_count_days(p_site, ARRAY(SELECT generate_series(built + 1, upto, interval '1 day')::date));
    PERFORM public.opsmantik_dashboard_append_visitors(p_site, built + 1, upto);
    UPDATE public.dashboard_rollup_state SET built_through = upto WHERE site_id = p_site;
    built := upto;
  END IF;
  RETURN built;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_dashboard_refresh(uuid, date, integer)
  IS 'Brings a site''s dashboard rollups up to date (stale days and visitors first, then up to p_max_days new closed days); returns the last day rolled up.';
REVOKE ALL ON FUNCTION public.opsmantik_dashboard_refresh(uuid, date, integer),
  public.opsmantik_dashboard_count_days(uuid, date[]), public.opsmantik_dashboard_append_visitors(uuid, date, date),
  public.opsmantik_dashboard_redo_visitors(uuid, text[], date) FROM PUBLIC, anon, authenticated;

COMMENT ON TABLE public.dashboard_days
  IS 'Dashboard rollup: per site, dimension value (dim all: the whole site) and closed UTC day, sessions, leads (score >= 50), conversions, matched calls.';
COMMENT ON TABLE public.dashboard_visitor_days
  IS 'Dashboard rollup: one row per visitor, dimension value and closed day with a session, with the visitor''s previous such day (-infinity: none).';
COMMENT ON TABLE public.dashboard_firsts
  IS 'Dashboard rollup: dashboard_visitor_days counted per day and previous day; visitors of days [a, b] = sum of n over days in [a, b] with prev_day < a.';
COMMENT ON TABLE public.dashboard_rollup_state
  IS 'The last day each site''s dashboard rollups hold.';
COMMENT ON TABLE public.dashboard_stale
  IS 'Rolled-up days (and visitors) changed since they were rolled up, append-only; the next refresh redoes them and deletes the rows it read.';
COMMENT ON FUNCTION public.opsmantik_dashboard_cells(text, text, text, text, text, text)
  IS 'The rollup cells of a session: (all, '''') and (dimension, value) for each breakdown.';
COMMENT ON FUNCTION public.opsmantik_utc_day(timestamptz) IS 'The UTC day of a time.';
COMMENT ON FUNCTION public.opsmantik_dashboard_today() IS 'Midnight UTC today by the database clock: changes to sessions before it are logged for the rollups.';
COMMENT ON FUNCTION public.opsmantik_dashboard_sessions_changed()
  IS 'Trigger (per statement): logs rolled-up days and visitors that session inserts, updates and deletes change.';
COMMENT ON FUNCTION public.opsmantik_dashboard_sessions_stale(uuid[], date[])
  IS 'Logs the days of these sessions (ids and months) that began before today as stale.';
COMMENT ON FUNCTION public.opsmantik_dashboard_events_changed()
  IS 'Trigger (per statement): logs the days of sessions that got a conversion event.';
COMMENT ON FUNCTION public.opsmantik_dashboard_calls_changed()
  IS 'Trigger (per statement): logs the days of sessions whose matched calls changed.';
COMMENT ON FUNCTION public.opsmantik_dashboard_count_days(uuid, date[])
  IS 'Recomputes a site''s dashboard_days rows of these days.';
COMMENT ON FUNCTION public.opsmantik_dashboard_append_visitors(uuid, date, date)
  IS 'Adds the visitor-days and firsts of days after the last rolled-up one.';
COMMENT ON FUNCTION public.opsmantik_dashboard_redo_visitors(uuid, text[], date)
  IS 'Recomputes every rolled-up visitor-day of these visitors and the firsts of the cells they touch.';
