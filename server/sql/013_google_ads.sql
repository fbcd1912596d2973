/*
 * 013_google_ads: sending leads back to Google Ads (offline click conversions).
 *
 * Two tables:
 * - site_ads_settings: per site, how its stored facts become Google Ads conversions (conversion
 *   action name per kind, value, currency, time zone, lead-score threshold, consent, and whether
 *   the server uploads through the Google Ads API). A site without a row uses the defaults below.
 * - ad_uploads: one row per conversion the server tried to upload through the API, keyed by site
 *   and order id (the conversion's stable id, which Google also uses to refuse a second copy). It
 *   records every attempt and its result; a row in status 'uploaded' or 'rejected' is never sent
 *   again.
 * The OAuth refresh token, developer token and customer id live in user_credentials (encrypted by
 * the server, provider 'google_ads'), never here.
 */

/*
 * site_ads_settings: conversion rules of one site. A NULL action name turns that kind off.
 * conversion_actions maps a conversion event's action (`ea`, e.g. "lead_form") to its own
 * conversion action name, or to JSON null to leave such events out.
 */
CREATE TABLE IF NOT EXISTS public.site_ads_settings (
  site_id uuid NOT NULL,
  time_zone text NOT NULL DEFAULT 'UTC',
  currency text NOT NULL DEFAULT 'USD',
  call_action text DEFAULT 'OpsMantik call',
  call_value double precision NOT NULL DEFAULT 0,
  conversion_action text DEFAULT 'OpsMantik conversion',
  conversion_value double precision NOT NULL DEFAULT 0,
  conversion_actions jsonb NOT NULL DEFAULT '{}',
  lead_action text,
  lead_threshold smallint,
  lead_value double precision NOT NULL DEFAULT 0,
  ad_user_data text NOT NULL DEFAULT 'from_tracker',
  customer_id text,
  api_upload boolean NOT NULL DEFAULT false,
  last_run_at timestamptz,
  last_run_status text,
  last_run_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT site_ads_settings_pkey PRIMARY KEY (site_id),
  CONSTRAINT site_ads_settings_site_id_fkey FOREIGN KEY (site_id) REFERENCES public.sites (id) ON DELETE CASCADE,
  CONSTRAINT site_ads_settings_time_zone_check CHECK (time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$'),
  CONSTRAINT site_ads_settings_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
  CONSTRAINT site_ads_settings_names_check CHECK (
    (call_action IS NULL OR length(call_action) BETWEEN 1 AND 100)
    AND (conversion_action IS NULL OR length(conversion_action) BETWEEN 1 AND 100)
    AND (lead_action IS NULL OR length(lead_action) BETWEEN 1 AND 100)),
  CONSTRAINT site_ads_settings_values_check CHECK (call_value >= 0 AND conversion_value >= 0 AND lead_value >= 0),
  CONSTRAINT site_ads_settings_actions_check CHECK (jsonb_typeof(conversion_actions) = 'object'),
  CONSTRAINT site_ads_settings_lead_check CHECK (
    (lead_threshold IS NULL OR lead_threshold BETWEEN 1 AND 100)
    AND ((lead_action IS NULL) = (lead_threshold IS NULL))),
  CONSTRAINT site_ads_settings_consent_check CHECK (ad_user_data IN ('from_tracker', 'granted', 'denied', 'unspecified')),
  CONSTRAINT site_ads_settings_customer_id_check CHECK (customer_id IS NULL OR customer_id ~ '^[0-9]{10}$'),
  CONSTRAINT site_ads_settings_run_status_check CHECK (last_run_status IS NULL OR last_run_status IN ('ok', 'partial', 'failed', 'auth'))
);
COMMENT ON TABLE public.site_ads_settings IS 'Per site: how stored calls, conversion events and leads become Google Ads conversions.';

/*
 * ad_uploads: what was sent to the Google Ads API and what came back. status:
 * - sending: claimed by a running upload until lease_until (a crashed run's claim expires);
 * - uploaded: Google accepted it (or answered that it already has it): never sent again;
 * - failed: a retryable error; sent again from next_attempt_at on;
 * - rejected: a permanent error (or too many attempts): never sent again by the job.
 * history holds the last attempts as {at, status, code}.
 */
CREATE TABLE IF NOT EXISTS public.ad_uploads (
  site_id uuid NOT NULL,
  order_id text NOT NULL,
  kind text NOT NULL,
  conversion_action text NOT NULL,
  click_id_kind text NOT NULL,
  conversion_time timestamptz NOT NULL,
  conversion_value double precision NOT NULL,
  currency text NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  error_code text,
  error_message text,
  history jsonb NOT NULL DEFAULT '[]',
  lease_until timestamptz,
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  uploaded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ad_uploads_pkey PRIMARY KEY (site_id, order_id),
  CONSTRAINT ad_uploads_site_id_fkey FOREIGN KEY (site_id) REFERENCES public.sites (id) ON DELETE CASCADE,
  CONSTRAINT ad_uploads_kind_check CHECK (kind IN ('call', 'conversion', 'lead')),
  CONSTRAINT ad_uploads_click_id_kind_check CHECK (click_id_kind IN ('gclid', 'gbraid', 'wbraid')),
  CONSTRAINT ad_uploads_status_check CHECK (status IN ('sending', 'uploaded', 'failed', 'rejected')),
  CONSTRAINT ad_uploads_order_id_check CHECK (length(order_id) BETWEEN 1 AND 64),
  CONSTRAINT ad_uploads_attempts_check CHECK (attempts >= 0),
  CONSTRAINT ad_uploads_history_check CHECK (jsonb_typeof(history) = 'array')
);
COMMENT ON TABLE public.ad_uploads IS 'Conversions sent to the Google Ads API, one row per (site, order id), with every attempt''s result.';

/* The job's question: which of a site's rows are due again. */
CREATE INDEX IF NOT EXISTS ad_uploads_site_status_idx
  ON public.ad_uploads (site_id, status, next_attempt_at);

/* No index of its own for the conversion query: it reads a site's calls by time
 * (calls_site_call_time_idx), conversion events by time (events_site_created_idx) and, for leads,
 * the site's sessions through their site_id indexes. An index on (site_id, last_event_at) was
 * tried and dropped: the planner then preferred it for call matching's fingerprint lookup. */

/* Security: the owner sees (and may change the settings of) their own sites' rows; the server's
 * role (service_role on Supabase) does everything; anon nothing. */
ALTER TABLE public.site_ads_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.ad_uploads ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE public.site_ads_settings, public.ad_uploads FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.site_ads_settings TO authenticated;
GRANT SELECT ON TABLE public.ad_uploads TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.site_ads_settings, public.ad_uploads TO service_role;

DROP POLICY IF EXISTS site_ads_settings_owner_all ON public.site_ads_settings;
CREATE POLICY site_ads_settings_owner_all ON public.site_ads_settings
  AS PERMISSIVE FOR ALL TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())))
  WITH CHECK (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));
DROP POLICY IF EXISTS ad_uploads_owner_select ON public.ad_uploads;
CREATE POLICY ad_uploads_owner_select ON public.ad_uploads
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (site_id IN (SELECT s.id FROM public.sites s WHERE s.user_id = (SELECT auth.uid())));

DROP POLICY IF EXISTS site_ads_settings_service_all ON public.site_ads_settings;
CREATE POLICY site_ads_settings_service_all ON public.site_ads_settings
  AS PERMISSIVE FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS ad_uploads_service_all ON public.ad_uploads;
CREATE POLICY ad_uploads_service_all ON public.ad_uploads
  AS PERMISSIVE FOR ALL TO service_role USING (true) WITH CHECK (true);
