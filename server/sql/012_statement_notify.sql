/*
 * 012_statement_notify: change notifications once per statement, from transition tables.
 *
 * 005_realtime announced every changed row from an AFTER ... FOR EACH ROW trigger: one PL/pgSQL call
 * per row. The ingest path now writes a whole group of requests in three statements, so the
 * announcements move to AFTER ... FOR EACH STATEMENT triggers that read the statement's transition
 * tables (REFERENCING NEW/OLD TABLE) and send every row's change from one query. What a listener
 * receives is unchanged: one message per changed row on the site's topic, the same payload
 * (realtime.broadcast_changes on Supabase, pg_notify with the 8000-byte fallback elsewhere), an
 * UPDATE that changed nothing still silent. Transition tables allow one event per trigger, hence
 * three triggers per table. They fire for statements on the partitioned parents (what every
 * writer in this project uses); a statement aimed at one partition directly is not announced.
 */

/*
 * opsmantik_change_payload(table, op, row): the pg_notify payload of one changed row:
 * {"table","op","site_id","record"} with the row minus its bulky metadata; when that is over
 * pg_notify's limit, only the identifying columns, and "truncated": true. The trigger builds the
 * common case inline (a SQL function with a query in it is not inlined, and a call per row costs
 * more than the row's payload); this function is the one definition, used there for long rows
 * and by anyone who wants the payload of a row.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_change_payload(p_table text, p_op text, p_row jsonb)
  RETURNS text
  LANGUAGE sql
  IMMUTABLE
  SET search_path = pg_catalog, public
AS $fn$
  SELECT CASE WHEN octet_length(f.payload) <= 7900 THEN f.payload ELSE (
    SELECT jsonb_build_object('table', p_table, 'op', p_op, 'site_id', p_row ->> 'site_id',
                              'record', coalesce(jsonb_object_agg(k, v), '{}'::jsonb), 'truncated', true)::text
      FROM jsonb_each(p_row) AS e(k, v)
     WHERE k IN ('id', 'session_id', 'session_month', 'created_month', 'site_id', 'event_category',
                 'event_action', 'status', 'lead_score', 'attribution', 'event_count',
                 'matched_session_id', 'created_at', 'updated_at', 'call_time'))
  END
  FROM (SELECT jsonb_build_object('table', p_table, 'op', p_op, 'site_id', p_row ->> 'site_id',
                                  'record', p_row - 'metadata')::text AS payload) AS f
$fn$;
COMMENT ON FUNCTION public.opsmantik_change_payload(text, text, jsonb)
  IS 'The pg_notify payload announcing one changed row (metadata left out; identifying columns only past 7900 bytes).';
REVOKE ALL ON FUNCTION public.opsmantik_change_payload(text, text, jsonb) FROM PUBLIC, anon, authenticated;

/*
 * opsmantik_row_key(row): the identity of a sessions, events or calls row as one text: id, month
 * (created_month or session_month, where the table has one) and site_id. No SET search_path, so
 * that it is inlined (it names only pg_catalog operators and functions).
 */
CREATE OR REPLACE FUNCTION public.opsmantik_row_key(p_row jsonb)
  RETURNS text
  LANGUAGE sql
  IMMUTABLE
AS $fn$
  SELECT concat_ws('|', p_row ->> 'id', coalesce(p_row ->> 'created_month', p_row ->> 'session_month'), p_row ->> 'site_id')
$fn$;
COMMENT ON FUNCTION public.opsmantik_row_key(jsonb)
  IS 'The key an UPDATE''s old and new rows are paired by in opsmantik_notify_changes (id | month | site_id).';
REVOKE ALL ON FUNCTION public.opsmantik_row_key(jsonb) FROM PUBLIC, anon, authenticated;

/*
 * opsmantik_notify_changes(): AFTER ... FOR EACH STATEMENT trigger on sessions, events and calls
 * (TG_ARGV[0] is the table's name). The INSERT trigger names its transition table new_rows, the
 * DELETE trigger old_rows, the UPDATE trigger both; PL/pgSQL plans each branch only when it runs,
 * so a branch never sees a table its trigger does not have. Each row becomes jsonb once
 * (MATERIALIZED: a flattened subquery would build it once per use). An UPDATE pairs old and new rows by
 * opsmantik_row_key, each row turned into jsonb once (MATERIALIZED) and paired by a hash join on
 * one text key: pairing by several jsonb expressions let the planner pick a nested loop that
 * rebuilt every row's jsonb for every other row (5 s for a 256-session group instead of 50 ms).
 */
CREATE OR REPLACE FUNCTION public.opsmantik_notify_changes()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  supabase boolean := to_regprocedure('realtime.broadcast_changes(text,text,text,text,text,record,record,text)') IS NOT NULL;
BEGIN
  IF supabase THEN
    -- Supabase: Realtime Broadcast does the fan-out and authorisation (realtime.messages RLS).
    IF TG_OP = 'INSERT' THEN
      PERFORM realtime.broadcast_changes('site:' || n.site_id, TG_OP, TG_OP, TG_ARGV[0], TG_TABLE_SCHEMA, n, NULL)
         FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
      PERFORM realtime.broadcast_changes('site:' || o.site_id, TG_OP, TG_OP, TG_ARGV[0], TG_TABLE_SCHEMA, NULL, o)
         FROM old_rows o;
    ELSE
      PERFORM realtime.broadcast_changes('site:' || (p.r ->> 'site_id'), TG_OP, TG_OP, TG_ARGV[0], TG_TABLE_SCHEMA, p.new_rec, p.old_rec)
         FROM (WITH n AS MATERIALIZED (SELECT x AS rec, to_jsonb(x) AS r FROM new_rows x),
                    o AS MATERIALIZED (SELECT y AS rec, to_jsonb(y) AS r FROM old_rows y)
               SELECT n.rec AS new_rec, o.rec AS old_rec, n.r
                 FROM n JOIN o ON public.opsmantik_row_key(n.r) = public.opsmantik_row_key(o.r)
                WHERE n.r IS DISTINCT FROM o.r) AS p;
    END IF;
    RETURN NULL;
  END IF;

  -- The rows to announce, each as jsonb once (MATERIALIZED), then one query sends them all with
  -- opsmantik_change_payload's payload, built inline while it fits (a call per row would cost more
  -- than the row's payload). EXECUTE sees the trigger's transition tables like static SQL does.
  EXECUTE format($q$
    SELECT count(pg_notify('opsmantik_site_' || replace(q.r ->> 'site_id', '-', ''),
                           CASE WHEN octet_length(q.payload) <= 7900 THEN q.payload
                                ELSE public.opsmantik_change_payload($1, $2, q.r) END))
      FROM (SELECT c.r, jsonb_build_object('table', $1, 'op', $2, 'site_id', c.r ->> 'site_id',
                                           'record', c.r - 'metadata')::text AS payload
              FROM (WITH x AS MATERIALIZED (%s) SELECT r FROM x) AS c) AS q$q$,
    CASE TG_OP
      WHEN 'INSERT' THEN 'SELECT to_jsonb(n) AS r FROM new_rows n'
      WHEN 'DELETE' THEN 'SELECT to_jsonb(o) AS r FROM old_rows o'
      -- An UPDATE pairs old and new rows by one text key (hash join) and keeps the changed ones.
      ELSE 'WITH n AS MATERIALIZED (SELECT to_jsonb(x) AS r FROM new_rows x),
                 o AS MATERIALIZED (SELECT to_jsonb(y) AS r FROM old_rows y)
            SELECT n.r FROM n JOIN o ON public.opsmantik_row_key(n.r) = public.opsmantik_row_key(o.r)
             WHERE n.r IS DISTINCT FROM o.r'
    END)
    USING TG_ARGV[0], TG_OP;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_notify_changes()
  IS 'Announces every row a statement changed on its per-site topic, from the statement''s transition tables.';
REVOKE ALL ON FUNCTION public.opsmantik_notify_changes() FROM PUBLIC, anon, authenticated;

/* The per-row triggers of 005_realtime give way to the per-statement ones. */
DROP TRIGGER IF EXISTS sessions_notify_change ON public.sessions;
DROP TRIGGER IF EXISTS events_notify_change ON public.events;
DROP TRIGGER IF EXISTS calls_notify_change ON public.calls;
DROP FUNCTION IF EXISTS public.opsmantik_notify_change();

DO $triggers$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['sessions', 'events', 'calls'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %1$s_notify_insert ON public.%1$I', t);
    EXECUTE format('CREATE TRIGGER %1$s_notify_insert AFTER INSERT ON public.%1$I
                      REFERENCING NEW TABLE AS new_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION public.opsmantik_notify_changes(%1$L)', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %1$s_notify_update ON public.%1$I', t);
    EXECUTE format('CREATE TRIGGER %1$s_notify_update AFTER UPDATE ON public.%1$I
                      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION public.opsmantik_notify_changes(%1$L)', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %1$s_notify_delete ON public.%1$I', t);
    EXECUTE format('CREATE TRIGGER %1$s_notify_delete AFTER DELETE ON public.%1$I
                      REFERENCING OLD TABLE AS old_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION public.opsmantik_notify_changes(%1$L)', t);
  END LOOP;
END
$triggers$;
