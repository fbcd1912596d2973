/*
 * pgTAP: the shape the rest of OpsMantik relies on. Run on a migrated database with pgtap
 * installed (test/sql/pgtap.test.ts does it on PostgreSQL; `supabase test db` works too).
 */
BEGIN;
SELECT plan(32);

SELECT has_table('public', t, t || ' exists')
  FROM unnest(ARRAY['sites', 'sessions', 'events', 'calls', 'user_credentials']) t;

SELECT is((SELECT relkind::text FROM pg_class WHERE oid = 'public.sessions'::regclass), 'p', 'sessions is partitioned');
SELECT is((SELECT relkind::text FROM pg_class WHERE oid = 'public.events'::regclass), 'p', 'events is partitioned');
SELECT is(pg_get_partkeydef('public.sessions'::regclass), 'RANGE (created_month)', 'sessions by created_month');
SELECT is(pg_get_partkeydef('public.events'::regclass), 'RANGE (session_month)', 'events by session_month');
SELECT col_is_pk('public', 'sessions', ARRAY['id', 'created_month'], 'sessions key is (id, created_month)');
SELECT col_not_null('public', 'events', 'session_month', 'events.session_month is required');
-- pgTAP's fk_ok does not handle foreign keys between partitioned tables; read the catalog.
SELECT is(
  (SELECT pg_get_constraintdef(oid) FROM pg_constraint
   WHERE conrelid = 'public.events'::regclass AND conname = 'events_session_site_fkey'),
  'FOREIGN KEY (session_id, session_month, site_id) REFERENCES sessions(id, created_month, site_id) ON DELETE CASCADE',
  'events -> sessions by (id, month, site)');
SELECT is(
  (SELECT count(*)::int FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
   WHERE i.inhparent IN ('public.sessions'::regclass, 'public.events'::regclass)
     AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'),
  0, 'no DEFAULT partition swallows rows');
-- recordCall's ON CONFLICT names these columns: without the index it fails with 42P10.
SELECT index_is_unique('public', 'calls', 'calls_once_key',
  'a call (site, phone number, call_time, reported session or fingerprint) is stored once');
SELECT has_table('public', 'sessions_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM'), 'this month''s sessions partition');
SELECT has_table('public', 'events_' || to_char((now() AT TIME ZONE 'UTC') + interval '1 month', 'YYYY_MM'), 'next month''s events partition');

SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = ('public.' || t)::regclass), t || ' has RLS on')
  FROM unnest(ARRAY['sites', 'sessions', 'events', 'calls', 'user_credentials']) t;
SELECT ok(bool_and(c.relrowsecurity), 'every partition has RLS on')
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent IN ('public.sessions'::regclass, 'public.events'::regclass);

SELECT policies_are('public', 'events',
  ARRAY['events_owner_select', 'events_owner_update', 'events_owner_delete', 'events_service_all']);
SELECT ok(
  (SELECT bool_and(qual LIKE '%SELECT auth.uid()%') FROM pg_policies
   WHERE schemaname = 'public' AND roles = '{authenticated}' AND qual IS NOT NULL),
  'policies call auth.uid() through a subquery (once per statement)');
SELECT ok(
  (SELECT bool_and(qual NOT LIKE '%sessions%') FROM pg_policies WHERE tablename = 'events'),
  'events policies do not join sessions');

SELECT table_privs_are('public', 'events', 'anon', ARRAY[]::text[], 'anon has no privilege on events');
SELECT table_privs_are('public', 'user_credentials', 'authenticated', ARRAY['SELECT', 'DELETE'],
  'authenticated may only read and delete credentials');

SELECT has_function('public', 'ensure_month_partitions', ARRAY['date']);
SELECT has_function('public', 'drop_months_before', ARRAY['date']);
SELECT function_privs_are('public', 'ensure_month_partitions', ARRAY['date'], 'anon', ARRAY[]::text[],
  'anon cannot create partitions');

SELECT ok(EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime'), 'publication exists');
SELECT is(
  (SELECT count(*)::int FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid
   WHERE p.pubname = 'supabase_realtime'
     AND r.prrelid IN ('public.sessions'::regclass, 'public.events'::regclass)),
  0, 'partitioned parents are not published (their partitions are)');

SELECT * FROM finish();
ROLLBACK;
