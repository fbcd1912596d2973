/*
 * pgTAP: two tenants, each role's view of them.
 */
BEGIN;
SELECT plan(14);

INSERT INTO auth.users (id, email) VALUES
  ('00000000-0000-4000-8000-00000000000a', 'alice@example.test'),
  ('00000000-0000-4000-8000-00000000000b', 'bob@example.test');
INSERT INTO public.sites (id, user_id, public_id) VALUES
  ('10000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000a', 'tap-alice'),
  ('10000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000b', 'tap-bob');
INSERT INTO public.sessions (id, created_month, site_id)
  SELECT ('20000000-0000-4000-8000-00000000000' || x)::uuid, date_trunc('month', now() AT TIME ZONE 'UTC')::date,
         ('10000000-0000-4000-8000-00000000000' || x)::uuid
  FROM unnest(ARRAY['a', 'b']) x;
INSERT INTO public.events (session_id, session_month, site_id, event_category, event_action, url)
  SELECT s.id, s.created_month, s.site_id, 'pageview', 'view', 'https://tap.test/' FROM public.sessions s;
INSERT INTO public.calls (site_id, phone_number, status) SELECT id, '+15550100', 'unmatched' FROM public.sites;

-- Alice, signed in.
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-00000000000a","role":"authenticated"}', true);
SELECT results_eq('SELECT public_id FROM public.sites', ARRAY['tap-alice'], 'alice sees her site only');
SELECT results_eq('SELECT site_id FROM public.sessions',
  ARRAY['10000000-0000-4000-8000-00000000000a'::uuid], 'alice sees her sessions only');
SELECT results_eq('SELECT site_id FROM public.events',
  ARRAY['10000000-0000-4000-8000-00000000000a'::uuid], 'alice sees her events only');
SELECT results_eq(format('SELECT site_id FROM public.%I', 'events_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')),
  ARRAY['10000000-0000-4000-8000-00000000000a'::uuid], 'alice sees her events only, read from the partition too');
SELECT results_eq('SELECT site_id FROM public.calls',
  ARRAY['10000000-0000-4000-8000-00000000000a'::uuid], 'alice sees her calls only');
SELECT is_empty($$UPDATE public.calls SET phone_number = 'x' WHERE site_id = '10000000-0000-4000-8000-00000000000b' RETURNING id$$,
  'alice cannot update bob''s calls');
SELECT is_empty($$DELETE FROM public.events WHERE site_id = '10000000-0000-4000-8000-00000000000b' RETURNING id$$,
  'alice cannot delete bob''s events');
SELECT throws_ok($$INSERT INTO public.sites (user_id, public_id) VALUES ('00000000-0000-4000-8000-00000000000b', 'tap-x')$$,
  '42501', NULL, 'alice cannot create a site for bob');
RESET ROLE;

-- Anonymous.
SET LOCAL ROLE anon;
SELECT set_config('request.jwt.claims', '{"role":"anon"}', true);
SELECT throws_ok('SELECT * FROM public.sites', '42501', NULL, 'anon cannot read sites');
SELECT throws_ok('SELECT * FROM public.events', '42501', NULL, 'anon cannot read events');
SELECT throws_ok(format('SELECT * FROM public.%I', 'sessions_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')),
  '42501', NULL, 'anon cannot read a sessions partition');
RESET ROLE;

-- The server.
SET LOCAL ROLE service_role;
SELECT is((SELECT count(*)::int FROM public.events), 2, 'service_role reads every event');
SELECT is((SELECT count(*)::int FROM public.sites), 2, 'service_role reads every site');
RESET ROLE;

-- Bob's rows are untouched.
SELECT is((SELECT count(*)::int FROM public.calls WHERE phone_number = '+15550100'), 2, 'no call was changed');

SELECT * FROM finish();
ROLLBACK;
