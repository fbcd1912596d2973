/*
 * 008_scheduling: a daily job that keeps the next months' partitions ready, where pg_cron is
 * installed (Supabase: Database > Extensions > pg_cron). It is not created here: pg_cron needs
 * shared_preload_libraries and lives in one database per cluster, which an application migration
 * must not decide. Without it, the server calls maintain_partitions() at start and daily, and the
 * ingest path creates a missing valid month on demand. Retention is not scheduled: how long to
 * keep data is the operator's decision (drop_months_before).
 */
DO $cron$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    -- cron.schedule with a job name replaces an existing job of that name, so this is idempotent.
    PERFORM cron.schedule('opsmantik-maintain-partitions', '17 3 * * *',
                          'SELECT public.maintain_partitions(2)');
  END IF;
END
$cron$;
