-- The cost of the trigger sessions_one_site (sql/011_tenant_keys.sql) on the session upsert:
-- 20,000 upserts (10,000 new sessions, then the same again) with the trigger, then with it disabled.
-- Run on a migrated database: psql -X -d DB -f bench/session-one-site.sql (it leaves a site "bench"
-- and its sessions behind; delete them with: delete from public.sites where public_id = 'bench').
INSERT INTO auth.users (id, email) VALUES ('00000000-0000-4000-8000-0000000000ff', 'bench@example.test') ON CONFLICT DO NOTHING;
INSERT INTO public.sites (id, user_id, public_id) VALUES ('10000000-0000-4000-8000-0000000000ff', '00000000-0000-4000-8000-0000000000ff', 'bench') ON CONFLICT DO NOTHING;
\timing on
-- 20000 upserts: 10000 new sessions, then the same 10000 again (the common case: a session's later batches)
DO $$ DECLARE i int; m date := date_trunc('month', now() AT TIME ZONE 'UTC')::date; BEGIN
  FOR i IN 1..10000 LOOP
    INSERT INTO public.sessions AS s (id, created_month, site_id) VALUES (md5('a' || i)::uuid, m, '10000000-0000-4000-8000-0000000000ff')
    ON CONFLICT (id, created_month) DO UPDATE SET fingerprint = coalesce(s.fingerprint, excluded.fingerprint) WHERE s.site_id = excluded.site_id;
  END LOOP;
  FOR i IN 1..10000 LOOP
    INSERT INTO public.sessions AS s (id, created_month, site_id) VALUES (md5('a' || i)::uuid, m, '10000000-0000-4000-8000-0000000000ff')
    ON CONFLICT (id, created_month) DO UPDATE SET fingerprint = coalesce(s.fingerprint, excluded.fingerprint) WHERE s.site_id = excluded.site_id;
  END LOOP; END $$;
ALTER TABLE public.sessions DISABLE TRIGGER sessions_one_site;
DO $$ DECLARE i int; m date := date_trunc('month', now() AT TIME ZONE 'UTC')::date; BEGIN
  FOR i IN 1..10000 LOOP
    INSERT INTO public.sessions AS s (id, created_month, site_id) VALUES (md5('b' || i)::uuid, m, '10000000-0000-4000-8000-0000000000ff')
    ON CONFLICT (id, created_month) DO UPDATE SET fingerprint = coalesce(s.fingerprint, excluded.fingerprint) WHERE s.site_id = excluded.site_id;
  END LOOP;
  FOR i IN 1..10000 LOOP
    INSERT INTO public.sessions AS s (id, created_month, site_id) VALUES (md5('b' || i)::uuid, m, '10000000-0000-4000-8000-0000000000ff')
    ON CONFLICT (id, created_month) DO UPDATE SET fingerprint = coalesce(s.fingerprint, excluded.fingerprint) WHERE s.site_id = excluded.site_id;
  END LOOP; END $$;
ALTER TABLE public.sessions ENABLE TRIGGER sessions_one_site;
