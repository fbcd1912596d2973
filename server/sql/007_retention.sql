/*
 * 007_retention: dropping whole old months, the cheap way to forget data.
 */

/*
 * drop_months_before(month): drops every events and sessions partition whose months all lie
 * before the month of p_month, and returns the dropped tables' names. Order matters because of
 * the foreign key events -> sessions: the events partition goes first, then the sessions
 * partition is detached (PostgreSQL checks that no event still references it) and dropped.
 * It refuses a cut-off later than the previous month: the ingest path still writes to the
 * previous month (late events of sessions that began then), so that month is never dropped here.
 */
CREATE OR REPLACE FUNCTION public.drop_months_before(p_month date)
  RETURNS text[]
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  cutoff date := date_trunc('month', p_month)::date;
  newest_allowed date := (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date;
  part record;
  dropped text[] := '{}';
BEGIN
  IF p_month IS NULL OR cutoff > newest_allowed THEN
    RAISE EXCEPTION 'drop_months_before(%): the cut-off must be % or earlier', p_month, newest_allowed
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  FOR part IN
    SELECT c.oid::regclass AS rel, c.relname, p.relname AS parent
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    WHERE i.inhparent IN ('public.events'::regclass, 'public.sessions'::regclass)
      AND substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([0-9-]+)''\)')::date <= cutoff
    ORDER BY (p.relname = 'sessions'), c.relname -- events partitions first
  LOOP
    IF part.parent = 'sessions' THEN
      EXECUTE format('ALTER TABLE public.sessions DETACH PARTITION %s', part.rel);
    END IF;
    EXECUTE format('DROP TABLE %s', part.rel);
    dropped := dropped || part.relname::text;
  END LOOP;
  RETURN dropped;
END
$fn$;
COMMENT ON FUNCTION public.drop_months_before(date)
  IS 'Retention: drops events then sessions partitions of months before p_month (at most the previous month).';
REVOKE ALL ON FUNCTION public.drop_months_before(date) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.drop_months_before(date) TO service_role;
