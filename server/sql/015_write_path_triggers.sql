/*
 * 015_write_path_triggers: the triggers every ingest group runs cost less, with the same effects.
 *
 * 1. opsmantik_notify_changes() (012) built its query with EXECUTE format(...) at every call, so
 *    PostgreSQL parsed and planned it again for each statement: four times a group (the session
 *    upsert fires both the INSERT and the UPDATE trigger, then the events insert, then the score
 *    update). Static SQL is planned once per connection and table (PL/pgSQL keeps a trigger
 *    function's plans per table). A statement that changed no row returns before any query (an
 *    upsert whose rows all conflicted still fires the INSERT trigger, with an empty table).
 *    What a listener receives is unchanged: one message per changed row, the same topic and payload.
 * 2. opsmantik_session_dims() (014) ran on every UPDATE that named utm, referrer, landing_url or
 *    user_agent, and the ingest upsert names all four (coalesce(stored, new)) for every returning
 *    session, which almost never changes them. On UPDATE it now runs only when one of them changed
 *    (a WHEN clause, checked without calling the function); on INSERT as before.
 */
/*
 * opsmantik_send_changes(table, op, rows): one pg_notify per row on its site's topic, with
 * opsmantik_change_payload's payload built inline while it fits (a call per row would cost more
 * than the row's payload). PL/pgSQL, so that its query is planned once per connection.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_send_changes(p_table text, p_op text, p_rows jsonb[])
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
AS $fn$
BEGIN
  PERFORM count(pg_notify('opsmantik_site_' || replace(q.r ->> 'site_id', '-', ''),
                          CASE WHEN octet_length(q.payload) <= 7900 THEN q.payload
                               ELSE public.opsmantik_change_payload(p_table, p_op, q.r) END))
     FROM (SELECT c.r, jsonb_build_object('table', p_table, 'op', p_op, 'site_id', c.r ->> 'site_id',
                                          'record', c.r - 'metadata')::text AS payload
             FROM unnest(p_rows) AS c(r)) AS q;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_send_changes(text, text, jsonb[])
  IS 'Sends one change notification per row (the payload of opsmantik_change_payload) on the row''s site topic.';
REVOKE ALL ON FUNCTION public.opsmantik_send_changes(text, text, jsonb[]) FROM PUBLIC, anon, authenticated;

CREATE OR REPLACE FUNCTION public.opsmantik_notify_changes()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  supabase boolean := to_regprocedure('realtime.broadcast_changes(text,text,text,text,text,record,record,text)') IS NOT NULL;
BEGIN
  -- PL/pgSQL plans each statement when it first runs it, so a branch never sees a transition table
  -- its trigger does not have.
  IF TG_OP = 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
  ELSIF NOT EXISTS (SELECT 1 FROM new_rows) THEN
    RETURN NULL;
  END IF;

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

  -- Each changed row as jsonb once; an UPDATE pairs old and new rows by one text key (hash join)
  -- and announces the changed ones.
  IF TG_OP = 'INSERT' THEN
    PERFORM public.opsmantik_send_changes(TG_ARGV[0], TG_OP, ARRAY(SELECT to_jsonb(n) FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM public.opsmantik_send_changes(TG_ARGV[0], TG_OP, ARRAY(SELECT to_jsonb(o) FROM old_rows o));
  ELSE
    PERFORM public.opsmantik_send_changes(TG_ARGV[0], TG_OP, ARRAY(
      WITH n AS MATERIALIZED (SELECT to_jsonb(x) AS r FROM new_rows x),
           o AS MATERIALIZED (SELECT to_jsonb(y) AS r FROM old_rows y)
      SELECT n.r FROM n JOIN o ON public.opsmantik_row_key(n.r) = public.opsmantik_row_key(o.r)
       WHERE n.r IS DISTINCT FROM o.r));
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_notify_changes()
  IS 'Announces every row a statement changed on its per-site topic, from the statement''s transition tables.';
REVOKE ALL ON FUNCTION public.opsmantik_notify_changes() FROM PUBLIC, anon, authenticated;

/* Dimensions: on INSERT always, on UPDATE only when a column they are made from changed. */
DROP TRIGGER IF EXISTS sessions_dims ON public.sessions;
CREATE TRIGGER sessions_dims
  BEFORE INSERT ON public.sessions
  FOR EACH ROW EXECUTE FUNCTION public.opsmantik_session_dims();
DROP TRIGGER IF EXISTS sessions_dims_update ON public.sessions;
CREATE TRIGGER sessions_dims_update
  BEFORE UPDATE OF utm, referrer, landing_url, user_agent ON public.sessions
  FOR EACH ROW
  WHEN (OLD.utm IS DISTINCT FROM NEW.utm OR OLD.referrer IS DISTINCT FROM NEW.referrer
        OR OLD.landing_url IS DISTINCT FROM NEW.landing_url OR OLD.user_agent IS DISTINCT FROM NEW.user_agent)
  EXECUTE FUNCTION public.opsmantik_session_dims();
