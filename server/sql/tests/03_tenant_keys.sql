/*
 * pgTAP: a session belongs to its site, for every role (migration 011_tenant_keys).
 * Each refusal a tenant can provoke must fail the same way whether the other tenant's row exists
 * or not: no existence oracle.
 */
BEGIN;
SELECT plan(15);

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
INSERT INTO public.events (id, session_id, session_month, site_id, event_category, event_action, url)
  SELECT ('30000000-0000-4000-8000-00000000000' || right(s.site_id::text, 1))::uuid,
         s.id, s.created_month, s.site_id, 'pageview', 'view', 'https://tap.test/' FROM public.sessions s;
INSERT INTO public.calls (id, site_id, phone_number, status)
  VALUES ('40000000-0000-4000-8000-00000000000a', '10000000-0000-4000-8000-00000000000a', '+15550100', 'unmatched');

-- The keys themselves.
SELECT is(
  (SELECT pg_get_constraintdef(oid) FROM pg_constraint
   WHERE conrelid = 'public.events'::regclass AND conname = 'events_session_site_fkey'),
  'FOREIGN KEY (session_id, session_month, site_id) REFERENCES sessions(id, created_month, site_id) ON DELETE CASCADE',
  'events -> sessions by (id, month, site)');
SELECT is((SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'public.events'::regclass AND contype = 'f'
             AND conname = 'events_session_fkey'), 0, 'no key without the site is left');

-- The server's role: an event cannot hang under another site's session.
SET LOCAL ROLE service_role;
SELECT throws_ok($$INSERT INTO public.events (session_id, session_month, site_id, event_category, event_action, url)
  VALUES ('20000000-0000-4000-8000-00000000000b', date_trunc('month', now() AT TIME ZONE 'UTC')::date,
          '10000000-0000-4000-8000-00000000000a', 'pageview', 'view', 'https://x.test/')$$,
  '23503', NULL, 'an event of site A cannot name a session of site B');
SELECT throws_ok($$INSERT INTO public.sessions (id, created_month, site_id)
  VALUES ('20000000-0000-4000-8000-00000000000b', (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month')::date,
          '10000000-0000-4000-8000-00000000000a')$$,
  '23505', 'this session id cannot be used', 'a session id of site B is refused for site A in another month');
SELECT lives_ok($$INSERT INTO public.sessions (id, created_month, site_id)
  VALUES ('20000000-0000-4000-8000-00000000000b', (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month')::date,
          '10000000-0000-4000-8000-00000000000b')$$,
  'the same site may continue its session id in another month');
SELECT throws_ok($$UPDATE public.calls SET status = 'matched', matched_session_id = '20000000-0000-4000-8000-00000000000b',
  matched_session_month = date_trunc('month', now() AT TIME ZONE 'UTC')::date
  WHERE id = '40000000-0000-4000-8000-00000000000a'$$,
  '23503', NULL, 'a call of site A cannot be matched to a session of site B, even by the server');
RESET ROLE;

-- Alice, signed in.
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-00000000000a","role":"authenticated"}', true);
SELECT throws_ok($$UPDATE public.events SET session_id = '20000000-0000-4000-8000-00000000000b'
  WHERE id = '30000000-0000-4000-8000-00000000000a'$$,
  '42501', NULL, 'alice cannot point her event at bob''s session');
SELECT throws_ok($$UPDATE public.events SET session_id = '2fffffff-0000-4000-8000-000000000000'
  WHERE id = '30000000-0000-4000-8000-00000000000a'$$,
  '42501', NULL, '... and fails the same way for a session that does not exist');
SELECT throws_ok($$UPDATE public.sessions SET id = '20000000-0000-4000-8000-00000000000b'
  WHERE id = '20000000-0000-4000-8000-00000000000a'$$,
  '42501', NULL, 'alice cannot rename her session onto bob''s id');
SELECT throws_ok($$UPDATE public.calls SET status = 'matched', matched_session_id = '20000000-0000-4000-8000-00000000000b',
  matched_session_month = date_trunc('month', now() AT TIME ZONE 'UTC')::date
  WHERE id = '40000000-0000-4000-8000-00000000000a'$$,
  '23503', 'matched_session_id must name a session of the call''s site', 'alice cannot match her call to bob''s session');
SELECT throws_ok($$UPDATE public.calls SET status = 'matched', matched_session_id = '2fffffff-0000-4000-8000-000000000000',
  matched_session_month = date_trunc('month', now() AT TIME ZONE 'UTC')::date
  WHERE id = '40000000-0000-4000-8000-00000000000a'$$,
  '23503', 'matched_session_id must name a session of the call''s site', '... and fails the same way for a session that does not exist');
SELECT lives_ok($$UPDATE public.calls SET status = 'matched', matched_session_id = '20000000-0000-4000-8000-00000000000a',
  matched_session_month = date_trunc('month', now() AT TIME ZONE 'UTC')::date
  WHERE id = '40000000-0000-4000-8000-00000000000a'$$,
  'alice may match her call to her own session');
SELECT throws_ok($$INSERT INTO public.sites (user_id, public_id) VALUES ('00000000-0000-4000-8000-00000000000a', 'demo')$$,
  '42501', NULL, 'alice cannot take the public id demo');
SELECT throws_ok($$UPDATE public.sites SET public_id = 'demo' WHERE public_id = 'tap-alice'$$,
  '42501', NULL, 'nor rename her site to it');
SELECT lives_ok($$INSERT INTO public.sites (user_id, public_id) VALUES ('00000000-0000-4000-8000-00000000000a', 'alice-shop')$$,
  'alice may take an ordinary public id');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
