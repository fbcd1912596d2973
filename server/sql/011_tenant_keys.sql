/*
 * 011_tenant_keys: every row's session belongs to its site, for every role.
 *
 * Before this file an event named its session by (session_id, session_month) only, and its site
 * by site_id, checked separately: a tenant allowed to UPDATE its own events could point one at
 * another tenant's session (the foreign key is checked without row-level security), and the
 * error of a failed attempt told it whether that session existed anywhere. Here:
 * - sessions are unique on (id, created_month, site_id) and events reference that triple, so an
 *   event can only name a session of its own site, and a failed attempt fails the same way
 *   whether the session exists under another site or not at all;
 * - a session id belongs to one site in every month (a trigger, since a unique key on a
 *   partitioned table must include the month);
 * - calls.matched_session_id can only name a session of the call's site (a trigger: a foreign
 *   key would stop retention from dropping old session partitions), and calls remember the session
 *   their reporter named, which with the normalised phone number and call_time names a call once;
 * - tenants may not change the columns that tie rows together (ids, months, site ids, public ids),
 *   so no unique-key error can answer "does this id exist elsewhere";
 * - sites get a default phone region, and public ids the server reserves (demo and the like)
 *   cannot be taken by tenants.
 */

/* ---------------------------------------------------------------------------------------------
 * Sessions and events: keys that carry site_id.
 */

/* Target of the events' key; also what distributing the tables by site needs later. */
DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
                 WHERE conrelid = 'public.sessions'::regclass AND conname = 'sessions_id_month_site_key') THEN
    ALTER TABLE public.sessions
      ADD CONSTRAINT sessions_id_month_site_key UNIQUE (id, created_month, site_id);
  END IF;
END
$do$;

/*
 * Events whose site is not their session's site can only have been made by such an update; they
 * would stop the new key from being added, and they are not the session's site's data. They go.
 */
DELETE FROM public.events e
  USING public.sessions s
  WHERE s.id = e.session_id AND s.created_month = e.session_month AND s.site_id <> e.site_id;

DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
                 WHERE conrelid = 'public.events'::regclass AND conname = 'events_session_site_fkey') THEN
    ALTER TABLE public.events
      ADD CONSTRAINT events_session_site_fkey FOREIGN KEY (session_id, session_month, site_id)
        REFERENCES public.sessions (id, created_month, site_id) ON DELETE CASCADE;
  END IF;
END
$do$;
ALTER TABLE public.events DROP CONSTRAINT IF EXISTS events_session_fkey;

/*
 * opsmantik_session_one_site(): a session id names one site's session, whatever the month. The
 * primary key (id, created_month) already refuses a second row in the same month; this refuses it
 * in another month too. An advisory lock on the id makes two concurrent first writes of the same
 * id queue, so the second sees the first. SECURITY DEFINER so that the check sees every site's
 * rows for whichever role writes. The message names no site and says nothing more than "this id
 * cannot be used here"; the code is unique_violation with this function's name as constraint.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_session_one_site()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('opsmantik.session:' || NEW.id::text, 0));
  IF EXISTS (SELECT 1 FROM public.sessions s WHERE s.id = NEW.id AND s.site_id <> NEW.site_id) THEN
    RAISE EXCEPTION 'this session id cannot be used'
      USING ERRCODE = 'unique_violation', CONSTRAINT = 'sessions_one_site';
  END IF;
  RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_session_one_site()
  IS 'Trigger: a session id belongs to one site in every month.';
REVOKE ALL ON FUNCTION public.opsmantik_session_one_site() FROM PUBLIC, anon, authenticated;

DROP TRIGGER IF EXISTS sessions_one_site ON public.sessions;
CREATE TRIGGER sessions_one_site
  BEFORE INSERT OR UPDATE OF id, site_id ON public.sessions
  FOR EACH ROW EXECUTE FUNCTION public.opsmantik_session_one_site();

/* ---------------------------------------------------------------------------------------------
 * Calls: the matched session is the site's own; the session the reporter named; one call once.
 */

/* The session id the reporter named (the tracker's own session), kept even when it did not match. */
ALTER TABLE public.calls ADD COLUMN IF NOT EXISTS reported_session_id uuid;
COMMENT ON COLUMN public.calls.reported_session_id
  IS 'The session id the reporter named (the tracker sends its own); matched or not.';

/*
 * Calls already pointing at another site's session (made by an update like the one above) lose
 * the match: they are calls of their site that matched none of its sessions.
 */
UPDATE public.calls c
   SET status = 'unmatched', matched_session_id = NULL, matched_session_month = NULL, lead_score = NULL
  FROM public.sessions s
 WHERE s.id = c.matched_session_id AND s.created_month = c.matched_session_month AND s.site_id <> c.site_id;

/*
 * opsmantik_call_session_of_site(): a call's matched session must be a session of the call's site.
 * SECURITY INVOKER on purpose: for a tenant, row-level security hides every other site's
 * sessions, so naming one fails exactly like naming one that does not exist (no existence oracle);
 * the server's roles see every row. It runs only when the match or the site is written, so calls
 * whose session's month was dropped by retention can still be updated otherwise.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_call_session_of_site()
  RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
AS $fn$
BEGIN
  IF NEW.matched_session_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM public.sessions s
     WHERE s.id = NEW.matched_session_id AND s.created_month = NEW.matched_session_month
       AND s.site_id = NEW.site_id)
  THEN
    RAISE EXCEPTION 'matched_session_id must name a session of the call''s site'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'calls_session_of_site';
  END IF;
  RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_call_session_of_site()
  IS 'Trigger: calls.matched_session_id names a session of the call''s own site.';
REVOKE ALL ON FUNCTION public.opsmantik_call_session_of_site() FROM PUBLIC, anon;

DROP TRIGGER IF EXISTS calls_session_of_site ON public.calls;
CREATE TRIGGER calls_session_of_site
  BEFORE INSERT OR UPDATE OF matched_session_id, matched_session_month, site_id ON public.calls
  FOR EACH ROW EXECUTE FUNCTION public.opsmantik_call_session_of_site();

/*
 * One call, once: (site, phone number, call_time, and who reported it: the session it named, or
 * else its fingerprint). The phone number is stored normalised (E.164) from now on, so one number
 * written two ways is one call. Rows from before have no reported session, so their key is the
 * one of 010_call_once.sql and no existing row can collide. recordCall's ON CONFLICT repeats the
 * expression exactly (PostgreSQL infers the index from it).
 */
CREATE UNIQUE INDEX IF NOT EXISTS calls_once_key
  ON public.calls (site_id, phone_number, call_time, (coalesce(reported_session_id::text, matched_fingerprint)));
DROP INDEX IF EXISTS public.calls_site_fingerprint_phone_time_key;

/* ---------------------------------------------------------------------------------------------
 * Sites: the default phone region; reserved public ids.
 */

ALTER TABLE public.sites ADD COLUMN IF NOT EXISTS phone_region text;
DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
                 WHERE conrelid = 'public.sites'::regclass AND conname = 'sites_phone_region_check') THEN
    ALTER TABLE public.sites
      ADD CONSTRAINT sites_phone_region_check CHECK (phone_region IS NULL OR phone_region ~ '^[A-Z]{2}$');
  END IF;
END
$do$;
COMMENT ON COLUMN public.sites.phone_region
  IS 'ISO 3166-1 alpha-2 region for phone numbers written without +country code; NULL: only international numbers.';

/*
 * opsmantik_reserved_public_id(id): public ids the server keeps for itself (the demo and names a
 * visitor could mistake for it). Compared case-insensitively.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_reserved_public_id(p_public_id text)
  RETURNS boolean
  LANGUAGE sql
  IMMUTABLE
  SET search_path = pg_catalog
AS $fn$
  SELECT lower(p_public_id) = ANY (ARRAY['demo', 'opsmantik', 'test', 'example', 'localhost', 'admin', 'api', 'live', 'www'])
      OR lower(p_public_id) LIKE 'demo-%' OR lower(p_public_id) LIKE 'opsmantik-%'
$fn$;
COMMENT ON FUNCTION public.opsmantik_reserved_public_id(text)
  IS 'True for public ids tenants may not take (demo and the like).';
GRANT EXECUTE ON FUNCTION public.opsmantik_reserved_public_id(text) TO authenticated, service_role;

/* A tenant cannot create a site under a reserved public id (restrictive: on top of the owner policy). */
DROP POLICY IF EXISTS sites_reserved_public_id ON public.sites;
CREATE POLICY sites_reserved_public_id ON public.sites
  AS RESTRICTIVE FOR INSERT TO authenticated
  WITH CHECK (NOT public.opsmantik_reserved_public_id(public_id));

/* ---------------------------------------------------------------------------------------------
 * Tenants update contents, never the columns that tie rows together: ids, months, site ids and
 * public ids. (Changing them would either break the links above or, through a unique key's
 * error, tell whether an id exists under another tenant.) The server's roles keep every column.
 */
REVOKE UPDATE ON TABLE public.sites, public.sessions, public.events, public.calls FROM authenticated;
GRANT UPDATE (name, allowed_origins, secret_hash, live_token_hash, phone_region)
  ON TABLE public.sites TO authenticated;
GRANT UPDATE (fingerprint, gclid, gbraid, wbraid, attribution, lead_score, referrer, landing_url, utm,
              user_agent, event_count, first_event_at, last_event_at, updated_at)
  ON TABLE public.sessions TO authenticated;
GRANT UPDATE (client_event_id, event_category, event_action, event_label, event_value, url, referrer,
              metadata, created_at, received_at)
  ON TABLE public.events TO authenticated;
GRANT UPDATE (phone_number, matched_session_id, matched_session_month, matched_fingerprint, lead_score,
              status, source, call_time)
  ON TABLE public.calls TO authenticated;

/*
 * Partitions take their parent's table privileges (opsmantik_secure_partition); the event trigger
 * of 009 does it after the ALTER TABLEs above where it exists, and this does it where it does not.
 * Column privileges stay on the parents: a partition read or written directly gets no UPDATE.
 */
DO $do$
DECLARE
  part record;
BEGIN
  FOR part IN
    SELECT i.inhparent::regclass AS parent, i.inhrelid::regclass AS child
    FROM pg_inherits i
    WHERE i.inhparent IN ('public.sessions'::regclass, 'public.events'::regclass)
  LOOP
    PERFORM public.opsmantik_secure_partition(part.parent, part.child);
  END LOOP;
END
$do$;
