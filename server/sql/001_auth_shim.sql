/*
 * 001_auth_shim: what Supabase provides and plain PostgreSQL / PGlite do not.
 *
 * The other migrations rely on three roles (anon, authenticated, service_role), an `auth.users`
 * table for site owners and `auth.uid()`, which returns the `sub` claim of the JSON Web Token the
 * API gateway put in the `request.jwt.claims` setting. On Supabase all of these exist already and
 * this file creates nothing: every object is created only where it is missing.
 */

/*
 * Roles are cluster-wide, so parallel test databases on one server race to create them. A role
 * created by another session between our check and our CREATE shows up as duplicate_object (or,
 * when both inserts hit pg_authid at once, unique_violation); either way the role now exists.
 */
DO $roles$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
END
$roles$;

/*
 * The auth schema, auth.users and auth.uid(), each only where missing. On Supabase the schema
 * belongs to another role and plain CREATE ... IF NOT EXISTS would still fail its permission check,
 * hence the catalog lookups.
 */
DO $auth$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') THEN
    CREATE SCHEMA auth;
    GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
  END IF;

  IF to_regclass('auth.users') IS NULL THEN
    /*
     * auth.users: the site owners. Supabase keeps far more here; the shim keeps what the schema
     * references (id) and what a person recognises (email).
     */
    CREATE TABLE auth.users (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      email text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT users_pkey PRIMARY KEY (id),
      CONSTRAINT users_email_key UNIQUE (email)
    );
    COMMENT ON TABLE auth.users IS 'Site owners (shim of Supabase auth.users for plain PostgreSQL and PGlite).';
    REVOKE ALL ON TABLE auth.users FROM PUBLIC, anon, authenticated;
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE auth.users TO service_role;
  END IF;

  IF to_regprocedure('auth.uid()') IS NULL THEN
    /*
     * auth.uid(): the caller's user id, the `sub` claim of request.jwt.claims, NULL when there is
     * none (anon, or a server connection that set no claims). STABLE so a policy written as
     * (select auth.uid()) evaluates it once per statement.
     */
    CREATE FUNCTION auth.uid() RETURNS uuid
      LANGUAGE sql STABLE
      AS $fn$
        SELECT nullif(
          (nullif(current_setting('request.jwt.claims', true), '')::jsonb) ->> 'sub',
          ''
        )::uuid
      $fn$;
    COMMENT ON FUNCTION auth.uid() IS 'The sub claim of request.jwt.claims as uuid (shim of Supabase auth.uid()).';
    GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated, service_role;
  END IF;
END
$auth$;
