/*
 * 006_partitions: monthly partitions of sessions and events.
 *
 * PostgreSQL refuses a row for a month without a partition (SQLSTATE 23514, "no partition of
 * relation found for row") and cannot create the partition inside that statement. The ingest
 * path therefore catches 23514, calls ensure_month_partitions(month) in a statement of its own
 * and retries once; the server only does so for months in [previous, next] of its clock.
 * The DO block at the end creates the months around now; maintain_partitions() (run daily by
 * pg_cron where available, see 008, and by the server at start) keeps the next months ready.
 */

/*
 * ensure_month_partitions(month): creates sessions_YYYY_MM and events_YYYY_MM for the month of
 * p_month if missing, and gives both their parents' security and publication (which partitions
 * do not inherit). Idempotent. Two callers racing for the same month both succeed: a
 * transaction-scoped advisory lock per month serialises them, and a creation that still collides
 * (another session won between our check and our CREATE) is taken as done.
 * SECURITY DEFINER so the ingestion role (service_role on Supabase) can call it without owning
 * the tables.
 */
CREATE OR REPLACE FUNCTION public.ensure_month_partitions(p_month date)
  RETURNS void
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  m date := date_trunc('month', p_month)::date;
  n date := (date_trunc('month', p_month) + interval '1 month')::date;
  suffix text := to_char(p_month, 'YYYY_MM');
  parent text;
  part text;
BEGIN
  IF p_month IS NULL THEN
    RAISE EXCEPTION 'ensure_month_partitions: month is null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('opsmantik.partitions'), (to_char(m, 'YYYYMM'))::int);

  -- sessions first: events' foreign key points at it.
  FOREACH parent IN ARRAY ARRAY['sessions', 'events'] LOOP
    part := parent || '_' || suffix;
    IF to_regclass(format('public.%I', part)) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
                       part, parent, m, n);
      EXCEPTION WHEN duplicate_table OR unique_violation THEN
        NULL; -- created concurrently by another session: the month exists, which is all we want
      END;
    END IF;
    PERFORM public.opsmantik_secure_partition(format('public.%I', parent)::regclass,
                                              format('public.%I', part)::regclass);
    PERFORM public.opsmantik_publish_partition(format('public.%I', part)::regclass);
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION public.ensure_month_partitions(date)
  IS 'Creates (if missing) and secures the sessions/events partitions of the month of p_month.';
REVOKE ALL ON FUNCTION public.ensure_month_partitions(date) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.ensure_month_partitions(date) TO service_role;

/*
 * maintain_partitions(months_ahead): the current month, the previous one (late events of
 * sessions that began last month land there) and the next months_ahead months. Returns how many
 * months it checked.
 */
CREATE OR REPLACE FUNCTION public.maintain_partitions(p_months_ahead integer DEFAULT 2)
  RETURNS integer
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  i integer;
BEGIN
  FOR i IN -1 .. greatest(p_months_ahead, 1) LOOP
    PERFORM public.ensure_month_partitions(
      (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date);
  END LOOP;
  RETURN greatest(p_months_ahead, 1) + 2;
END
$fn$;
COMMENT ON FUNCTION public.maintain_partitions(integer)
  IS 'Ensures the partitions of last month, this month and the next months (UTC).';
REVOKE ALL ON FUNCTION public.maintain_partitions(integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.maintain_partitions(integer) TO service_role;

/* The months around now: last month, this month and the next two. */
DO $months$
BEGIN
  PERFORM public.maintain_partitions(2);
END
$months$;
