/*
 * 005_realtime: live sessions, events and calls for a site owner (contract section 6).
 *
 * Two channels, for two kinds of listener:
 * 1. Logical replication for Supabase Realtime's postgres_changes. Its decoder delivers nothing for a
 *    partition root published with publish_via_partition_root = true, so publication
 *    supabase_realtime holds calls and every partition of sessions and events (each added by
 *    opsmantik_publish_partition when it is created), all with REPLICA IDENTITY FULL so updates and
 *    deletes carry the whole old row (RLS filtering and column filters need it).
 * 2. A trigger on each parent broadcasts every change to a per-site topic:
 *    realtime.broadcast_changes('site:<site uuid>') where Supabase provides it, else pg_notify on
 *    channel opsmantik_site_<site uuid without dashes>, which the reference server's live stream
 *    LISTENs on. Row triggers on a partitioned table are cloned onto every partition, present and
 *    future, so one trigger per parent is enough.
 * PGlite: CREATE PUBLICATION and REPLICA IDENTITY are accepted (they only write catalog rows), but
 * it has no logical decoding, so channel 1 can only be observed on PostgreSQL.
 */

/* The publication, where missing (Supabase creates it, empty, for every project). */
DO $pub$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
END
$pub$;

/* Whole old rows for updates and deletes. On the partitioned parents this records the intent and
 * is what a partition attached by hand would be compared to; each partition gets its own setting
 * in opsmantik_publish_partition. */
ALTER TABLE public.calls REPLICA IDENTITY FULL;
ALTER TABLE public.sessions REPLICA IDENTITY FULL;
ALTER TABLE public.events REPLICA IDENTITY FULL;

/*
 * opsmantik_publish_partition(partition): REPLICA IDENTITY FULL and membership of
 * supabase_realtime for one table. Idempotent; skips the publication step where the publication
 * is missing or already covers all tables (ADD TABLE would fail there).
 */
CREATE OR REPLACE FUNCTION public.opsmantik_publish_partition(p_table regclass)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  pub record;
BEGIN
  IF (SELECT c.relreplident FROM pg_class c WHERE c.oid = p_table) <> 'f' THEN
    EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', p_table);
  END IF;
  SELECT p.oid, p.puballtables INTO pub FROM pg_publication p WHERE p.pubname = 'supabase_realtime';
  IF FOUND AND NOT pub.puballtables
     AND NOT EXISTS (SELECT 1 FROM pg_publication_rel r WHERE r.prpubid = pub.oid AND r.prrelid = p_table)
  THEN
    EXECUTE format('ALTER PUBLICATION supabase_realtime ADD TABLE %s', p_table);
  END IF;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_publish_partition(regclass)
  IS 'Adds a table (a partition of sessions/events, or calls) to supabase_realtime with REPLICA IDENTITY FULL.';
REVOKE ALL ON FUNCTION public.opsmantik_publish_partition(regclass) FROM PUBLIC, anon, authenticated;

SELECT public.opsmantik_publish_partition('public.calls'::regclass);

/*
 * opsmantik_notify_change(): AFTER row trigger on sessions, events and calls (TG_ARGV[0] is the
 * table's name, since on a partition TG_TABLE_NAME is the partition's). Payload:
 * {"table","op","site_id","record"} with the row minus its bulky metadata; when that is still
 * over pg_notify's 8000-byte limit, only the row's identifying columns, and "truncated": true.
 * An UPDATE that changed nothing is not announced.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_notify_change()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  rec jsonb;
  site text;
  payload text;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    rec := to_jsonb(OLD);
  ELSE
    rec := to_jsonb(NEW);
  END IF;
  site := rec ->> 'site_id';

  IF to_regprocedure('realtime.broadcast_changes(text,text,text,text,text,record,record,text)') IS NOT NULL THEN
    -- Supabase: Realtime Broadcast does the fan-out and authorisation (realtime.messages RLS).
    PERFORM realtime.broadcast_changes('site:' || site, TG_OP, TG_OP, TG_ARGV[0], TG_TABLE_SCHEMA, NEW, OLD);
    RETURN NULL;
  END IF;

  rec := rec - 'metadata';
  payload := jsonb_build_object('table', TG_ARGV[0], 'op', TG_OP, 'site_id', site, 'record', rec)::text;
  IF octet_length(payload) > 7900 THEN
    SELECT coalesce(jsonb_object_agg(k, v), '{}'::jsonb) INTO rec
      FROM jsonb_each(rec) AS e(k, v)
      WHERE k IN ('id', 'session_id', 'session_month', 'created_month', 'site_id', 'event_category',
                  'event_action', 'status', 'lead_score', 'attribution', 'event_count',
                  'matched_session_id', 'created_at', 'updated_at', 'call_time');
    payload := jsonb_build_object('table', TG_ARGV[0], 'op', TG_OP, 'site_id', site,
                                  'record', rec, 'truncated', true)::text;
  END IF;
  PERFORM pg_notify('opsmantik_site_' || replace(site, '-', ''), payload);
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_notify_change()
  IS 'Announces a row change on the per-site topic (realtime.broadcast_changes on Supabase, pg_notify elsewhere).';
REVOKE ALL ON FUNCTION public.opsmantik_notify_change() FROM PUBLIC, anon, authenticated;

DROP TRIGGER IF EXISTS sessions_notify_change ON public.sessions;
CREATE TRIGGER sessions_notify_change
  AFTER INSERT OR UPDATE OR DELETE ON public.sessions
  FOR EACH ROW EXECUTE FUNCTION public.opsmantik_notify_change('sessions');
DROP TRIGGER IF EXISTS events_notify_change ON public.events;
CREATE TRIGGER events_notify_change
  AFTER INSERT OR UPDATE OR DELETE ON public.events
  FOR EACH ROW EXECUTE FUNCTION public.opsmantik_notify_change('events');
DROP TRIGGER IF EXISTS calls_notify_change ON public.calls;
CREATE TRIGGER calls_notify_change
  AFTER INSERT OR UPDATE OR DELETE ON public.calls
  FOR EACH ROW EXECUTE FUNCTION public.opsmantik_notify_change('calls');
