/*
 * 002_tables: the five tables of the contract (section 6).
 *
 * sessions and events are partitioned by month (partitions come from 006_partitions.sql). Every
 * event row carries its session's month, and the composite foreign key below makes the database
 * itself refuse an event whose month is missing or differs from its session's.
 * There is deliberately no DEFAULT partition: a row for a month without a partition fails with
 * SQLSTATE 23514 instead of landing somewhere nobody looks.
 */

/*
 * sites: one tracked web site, owned by one user. public_id is what the tracker sends as `s`;
 * secret_hash and live_token_hash are SHA-256 hex digests, never the secrets themselves.
 */
CREATE TABLE IF NOT EXISTS public.sites (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL,
  public_id text NOT NULL,
  name text,
  allowed_origins text[] NOT NULL DEFAULT '{}',
  secret_hash text,
  live_token_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sites_pkey PRIMARY KEY (id),
  CONSTRAINT sites_public_id_key UNIQUE (public_id),
  CONSTRAINT sites_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE,
  CONSTRAINT sites_public_id_check CHECK (length(public_id) BETWEEN 1 AND 128),
  CONSTRAINT sites_secret_hash_check CHECK (secret_hash IS NULL OR secret_hash ~ '^[0-9a-f]{64}$'),
  CONSTRAINT sites_live_token_hash_check CHECK (live_token_hash IS NULL OR live_token_hash ~ '^[0-9a-f]{64}$')
);
COMMENT ON TABLE public.sites IS 'Tracked web sites; a user sees only the sites whose user_id is theirs.';

/*
 * sessions: one browser visit, partitioned by the UTC month in which it started (created_month,
 * always the first day of a month). Attribution and lead_score are recomputed by the ingest path.
 */
CREATE TABLE IF NOT EXISTS public.sessions (
  id uuid NOT NULL,
  created_month date NOT NULL,
  site_id uuid NOT NULL,
  fingerprint text,
  gclid text,
  gbraid text,
  wbraid text,
  attribution text NOT NULL DEFAULT 'organic',
  lead_score smallint NOT NULL DEFAULT 0,
  referrer text,
  landing_url text,
  utm jsonb,
  user_agent text,
  event_count integer NOT NULL DEFAULT 0,
  first_event_at timestamptz,
  last_event_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sessions_pkey PRIMARY KEY (id, created_month),
  CONSTRAINT sessions_site_id_fkey FOREIGN KEY (site_id) REFERENCES public.sites (id) ON DELETE CASCADE,
  CONSTRAINT sessions_created_month_check CHECK (created_month = date_trunc('month', created_month)::date),
  CONSTRAINT sessions_attribution_check CHECK (attribution IN ('paid', 'ads_assisted', 'organic')),
  CONSTRAINT sessions_lead_score_check CHECK (lead_score BETWEEN 0 AND 100),
  CONSTRAINT sessions_event_count_check CHECK (event_count >= 0)
) PARTITION BY RANGE (created_month);
COMMENT ON TABLE public.sessions IS 'Visits, partitioned by created_month into sessions_YYYY_MM.';

/*
 * events: what happened in a session, partitioned by the session's month (session_month), which
 * is also part of the foreign key to sessions. created_at is the event time (client `t`, clamped
 * by the server); received_at is when the server stored it. (session_id, session_month,
 * client_event_id) is unique so a repeated client event id is stored once (ON CONFLICT DO NOTHING).
 */
CREATE TABLE IF NOT EXISTS public.events (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL,
  session_month date NOT NULL,
  site_id uuid NOT NULL,
  client_event_id text,
  event_category text NOT NULL,
  event_action text NOT NULL,
  event_label text,
  event_value double precision,
  url text NOT NULL,
  referrer text,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  received_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_pkey PRIMARY KEY (id, session_month),
  CONSTRAINT events_session_fkey FOREIGN KEY (session_id, session_month)
    REFERENCES public.sessions (id, created_month) ON DELETE CASCADE,
  CONSTRAINT events_site_id_fkey FOREIGN KEY (site_id) REFERENCES public.sites (id) ON DELETE CASCADE,
  CONSTRAINT events_client_event_key UNIQUE (session_id, session_month, client_event_id),
  CONSTRAINT events_session_month_check CHECK (session_month = date_trunc('month', session_month)::date)
) PARTITION BY RANGE (session_month);
COMMENT ON TABLE public.events IS 'Events, partitioned by their session''s month into events_YYYY_MM.';

/*
 * calls: phone calls reported by the tracker (tel: click) or a telephony system, matched to the
 * most recent session with the same fingerprint. matched_session_* is a loose reference on purpose:
 * a foreign key into sessions would stop retention from dropping old session partitions.
 */
CREATE TABLE IF NOT EXISTS public.calls (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  site_id uuid NOT NULL,
  phone_number text NOT NULL,
  matched_session_id uuid,
  matched_session_month date,
  matched_fingerprint text,
  lead_score smallint,
  status text NOT NULL,
  source text NOT NULL DEFAULT 'tracker',
  call_time timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT calls_pkey PRIMARY KEY (id),
  CONSTRAINT calls_site_id_fkey FOREIGN KEY (site_id) REFERENCES public.sites (id) ON DELETE CASCADE,
  CONSTRAINT calls_status_check CHECK (status IN ('matched', 'unmatched')),
  CONSTRAINT calls_lead_score_check CHECK (lead_score IS NULL OR lead_score BETWEEN 0 AND 100),
  CONSTRAINT calls_match_check CHECK (
    (status = 'matched') = (matched_session_id IS NOT NULL AND matched_session_month IS NOT NULL)
  )
);
COMMENT ON TABLE public.calls IS 'Phone calls and the session each was matched to, if any.';

/*
 * user_credentials: OAuth tokens (e.g. Google Ads) of a user, only as AES-256-GCM ciphertext made
 * by the server (src/server/credentials.ts) with a key the database never sees. The format check
 * refuses anything that is not the server's envelope, so a plain token cannot be stored by mistake.
 */
CREATE TABLE IF NOT EXISTS public.user_credentials (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL,
  provider text NOT NULL,
  ciphertext text NOT NULL,
  key_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT user_credentials_pkey PRIMARY KEY (id),
  CONSTRAINT user_credentials_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE,
  CONSTRAINT user_credentials_user_provider_key UNIQUE (user_id, provider),
  CONSTRAINT user_credentials_ciphertext_check
    CHECK (ciphertext ~ '^gcm1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$'),
  CONSTRAINT user_credentials_key_id_check CHECK (key_id ~ '^[A-Za-z0-9_.-]{1,64}$')
);
COMMENT ON TABLE public.user_credentials IS 'OAuth tokens as AES-256-GCM ciphertext (gcm1.<iv>.<ciphertext>.<tag>, base64url).';
