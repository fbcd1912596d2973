/*
 * 004_row_level_security: who may see and change what.
 *
 * - authenticated (a signed-in site owner, auth.uid()) sees and changes only rows of sites whose
 *   user_id is theirs, and only their own credentials; it never inserts tracking data.
 * - anon gets no privilege at all (and no policy), so it reads nothing.
 * - service_role (the ingestion server on Supabase) may do everything; its policies say so
 *   explicitly so that it works even where the role lacks BYPASSRLS (the shim's role).
 * - The table owner (the migration role, which the reference server connects as) is not subject
 *   to RLS, because FORCE ROW LEVEL SECURITY is not set.
 * Policies call auth.uid() as (select auth.uid()) so PostgreSQL evaluates it once per statement
 * (an initplan) instead of once per row; policies on events use events.site_id, not a join.
 */

ALTER TABLE public.sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.user_credentials ENABLE ROW LEVEL SECURITY;

/* Supabase grants every new table in public to anon and authenticated: start from nothing. */
REVOKE ALL ON TABLE public.sites, public.sessions, public.events, public.calls, public.user_credentials
  FROM PUBLIC, anon, authenticated, service_role;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.sites TO authenticated;
GRANT SELECT, UPDATE, DELETE ON TABLE public.sessions, public.events, public.calls TO authenticated;
GRANT SELECT, DELETE ON TABLE public.user_credentials TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE
  ON TABLE public.sites, public.sessions, public.events, public.calls, public.user_credentials
  TO service_role;

/* sites: the owner's own rows; an owner cannot hand a site to someone else (WITH CHECK). */
DROP POLICY IF EXISTS sites_owner_all ON public.sites;
CREATE POLICY sites_owner_all ON public.sites
  AS PERMISSIVE FOR ALL TO authenticated
  USING (user_id = (SELECT auth.uid()))
  WITH CHECK (user_id = (SELECT auth.uid()));

/* sessions, events, calls: rows of the caller's sites; an UPDATE cannot move a row to a site
 * that is not the caller's. */
DROP POLICY IF EXISTS sessions_owner_select ON public.sessions;
CREATE POLICY sessions_owner_select ON public.sessions
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));
DROP POLICY IF EXISTS sessions_owner_update ON public.sessions;
CREATE POLICY sessions_owner_update ON public.sessions
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())))
  WITH CHECK (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));
DROP POLICY IF EXISTS sessions_owner_delete ON public.sessions;
CREATE POLICY sessions_owner_delete ON public.sessions
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));

DROP POLICY IF EXISTS events_owner_select ON public.events;
CREATE POLICY events_owner_select ON public.events
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));
DROP POLICY IF EXISTS events_owner_update ON public.events;
CREATE POLICY events_owner_update ON public.events
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())))
  WITH CHECK (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));
DROP POLICY IF EXISTS events_owner_delete ON public.events;
CREATE POLICY events_owner_delete ON public.events
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));

DROP POLICY IF EXISTS calls_owner_select ON public.calls;
CREATE POLICY calls_owner_select ON public.calls
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));
DROP POLICY IF EXISTS calls_owner_update ON public.calls;
CREATE POLICY calls_owner_update ON public.calls
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())))
  WITH CHECK (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));
DROP POLICY IF EXISTS calls_owner_delete ON public.calls;
CREATE POLICY calls_owner_delete ON public.calls
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));

/* user_credentials: the user's own rows (by user_id, there is no site). */
DROP POLICY IF EXISTS user_credentials_owner_select ON public.user_credentials;
CREATE POLICY user_credentials_owner_select ON public.user_credentials
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS user_credentials_owner_delete ON public.user_credentials;
CREATE POLICY user_credentials_owner_delete ON public.user_credentials
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (user_id = (SELECT auth.uid()));

/* service_role: everything, on every table. */
DROP POLICY IF EXISTS sites_service_all ON public.sites;
CREATE POLICY sites_service_all ON public.sites
  AS PERMISSIVE FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS sessions_service_all ON public.sessions;
CREATE POLICY sessions_service_all ON public.sessions
  AS PERMISSIVE FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS events_service_all ON public.events;
CREATE POLICY events_service_all ON public.events
  AS PERMISSIVE FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS calls_service_all ON public.calls;
CREATE POLICY calls_service_all ON public.calls
  AS PERMISSIVE FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS user_credentials_service_all ON public.user_credentials;
CREATE POLICY user_credentials_service_all ON public.user_credentials
  AS PERMISSIVE FOR ALL TO service_role USING (true) WITH CHECK (true);

/*
 * opsmantik_secure_partition(parent, partition): gives a partition exactly its parent's security.
 * Row-level security, policies and grants on a partitioned table do not reach its partitions, and
 * a partition can be read directly (SELECT * FROM events_2026_11). So: RLS on, the parent's
 * privileges (and nothing else, e.g. not Supabase's default grants to anon), the parent's
 * policies. Idempotent, and it only touches what differs, so calling it again is cheap.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_secure_partition(p_parent regclass, p_partition regclass)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  g record;
  pol record;
  have record;
  role_list text;
  stmt text;
BEGIN
  IF NOT (SELECT c.relrowsecurity FROM pg_class c WHERE c.oid = p_partition) THEN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_partition);
  END IF;

  -- Privileges: compared as sets, replaced only when they differ.
  IF (SELECT array_agg(a::text ORDER BY a::text) FROM pg_class c, unnest(c.relacl) a WHERE c.oid = p_partition)
     IS DISTINCT FROM
     (SELECT array_agg(a::text ORDER BY a::text) FROM pg_class c, unnest(c.relacl) a WHERE c.oid = p_parent)
  THEN
    FOR g IN
      SELECT DISTINCT x.grantee
      FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) x
      WHERE c.oid = p_partition
    LOOP
      EXECUTE format('REVOKE ALL ON TABLE %s FROM %s', p_partition,
        CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END);
    END LOOP;
    FOR g IN
      SELECT x.grantee, x.privilege_type, x.is_grantable
      FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) x
      WHERE c.oid = p_parent
    LOOP
      EXECUTE format('GRANT %s ON TABLE %s TO %s%s', g.privilege_type, p_partition,
        CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
        CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
  END IF;

  -- Policies: the parent's, under the same names; stale or extra ones are replaced or dropped.
  FOR pol IN
    SELECT p.polname, p.polcmd, p.polpermissive, p.polroles,
           pg_get_expr(p.polqual, p.polrelid) AS qual,
           pg_get_expr(p.polwithcheck, p.polrelid) AS wcheck
    FROM pg_policy p
    WHERE p.polrelid = p_parent
  LOOP
    SELECT p.polcmd, p.polpermissive, p.polroles,
           pg_get_expr(p.polqual, p.polrelid) AS qual,
           pg_get_expr(p.polwithcheck, p.polrelid) AS wcheck
      INTO have
      FROM pg_policy p
      WHERE p.polrelid = p_partition AND p.polname = pol.polname;
    IF FOUND THEN
      CONTINUE WHEN have.polcmd = pol.polcmd
        AND have.polpermissive = pol.polpermissive
        AND have.polroles = pol.polroles
        AND have.qual IS NOT DISTINCT FROM pol.qual
        AND have.wcheck IS NOT DISTINCT FROM pol.wcheck;
      EXECUTE format('DROP POLICY %I ON %s', pol.polname, p_partition);
    END IF;
    SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END, ', ')
      INTO role_list
      FROM unnest(pol.polroles) r;
    stmt := format('CREATE POLICY %I ON %s AS %s FOR %s TO %s',
      pol.polname, p_partition,
      CASE WHEN pol.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
      CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                      WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
      role_list);
    IF pol.qual IS NOT NULL THEN
      stmt := stmt || ' USING (' || pol.qual || ')';
    END IF;
    IF pol.wcheck IS NOT NULL THEN
      stmt := stmt || ' WITH CHECK (' || pol.wcheck || ')';
    END IF;
    EXECUTE stmt;
  END LOOP;
  FOR pol IN
    SELECT p.polname FROM pg_policy p
    WHERE p.polrelid = p_partition
      AND NOT EXISTS (SELECT 1 FROM pg_policy q WHERE q.polrelid = p_parent AND q.polname = p.polname)
  LOOP
    EXECUTE format('DROP POLICY %I ON %s', pol.polname, p_partition);
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_secure_partition(regclass, regclass)
  IS 'Gives a partition its parent''s RLS switch, privileges and policies (they are not inherited).';
REVOKE ALL ON FUNCTION public.opsmantik_secure_partition(regclass, regclass) FROM PUBLIC, anon, authenticated;
