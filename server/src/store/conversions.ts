/**
 * The facts behind Google Ads conversions, read from what ingest and call matching stored, and a
 * site's conversion settings (table site_ads_settings, sql/013_google_ads.sql). Which facts become
 * conversions, and how they are written, is decided in rules/conversions.ts.
 */
import type { Queryable } from './db/types.js';
import type { ClickIds } from '../rules/attribution.js';
import {
  DEFAULT_ADS_SETTINGS,
  toConversions,
  type AdUserDataSetting,
  type AdsSettings,
  type Conversion,
  type ConversionFacts,
  type ConversionKind,
} from '../rules/conversions.js';

interface SettingsRow {
  time_zone: string;
  currency: string;
  call_action: string | null;
  call_value: number | string;
  conversion_action: string | null;
  conversion_value: number | string;
  conversion_actions: Record<string, string | null> | string;
  lead_action: string | null;
  lead_threshold: number | null;
  lead_value: number | string;
  ad_user_data: AdUserDataSetting;
  customer_id: string | null;
  api_upload: boolean;
}

/** A site's settings; the defaults when it has no row. */
export async function loadAdsSettings(db: Queryable, siteId: string): Promise<AdsSettings> {
  const [row] = await db.query<SettingsRow>('select * from public.site_ads_settings where site_id = $1::uuid', [siteId]);
  if (!row) return { ...DEFAULT_ADS_SETTINGS, conversionActions: {} };
  return {
    timeZone: row.time_zone,
    currency: row.currency,
    callAction: row.call_action,
    callValue: Number(row.call_value),
    conversionAction: row.conversion_action,
    conversionValue: Number(row.conversion_value),
    conversionActions: typeof row.conversion_actions === 'string' ? JSON.parse(row.conversion_actions) : row.conversion_actions,
    leadAction: row.lead_action,
    leadThreshold: row.lead_threshold === null ? null : Number(row.lead_threshold),
    leadValue: Number(row.lead_value),
    adUserData: row.ad_user_data,
    customerId: row.customer_id,
    apiUpload: row.api_upload,
  };
}

/** Writes a site's settings whole (callers merge a change into loadAdsSettings' answer first). */
export async function saveAdsSettings(db: Queryable, siteId: string, s: AdsSettings): Promise<void> {
  await db.query(
    `insert into public.site_ads_settings as x
       (site_id, time_zone, currency, call_action, call_value, conversion_action, conversion_value,
        conversion_actions, lead_action, lead_threshold, lead_value, ad_user_data, customer_id, api_upload)
     values ($1::uuid, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9, $10, $11, $12, $13, $14)
     on conflict (site_id) do update set
       time_zone = excluded.time_zone, currency = excluded.currency,
       call_action = excluded.call_action, call_value = excluded.call_value,
       conversion_action = excluded.conversion_action, conversion_value = excluded.conversion_value,
       conversion_actions = excluded.conversion_actions, lead_action = excluded.lead_action,
       lead_threshold = excluded.lead_threshold, lead_value = excluded.lead_value,
       ad_user_data = excluded.ad_user_data, customer_id = excluded.customer_id,
       api_upload = excluded.api_upload, updated_at = now()`,
    [
      siteId,
      s.timeZone,
      s.currency,
      s.callAction,
      s.callValue,
      s.conversionAction,
      s.conversionValue,
      JSON.stringify(s.conversionActions),
      s.leadAction,
      s.leadThreshold,
      s.leadValue,
      s.adUserData,
      s.customerId,
      s.apiUpload,
    ],
  );
}

interface FactRow {
  kind: ConversionKind;
  source_id: string;
  at: string | Date;
  action: string | null;
  value: number | string | null;
  score: number | null;
  has_fp: boolean;
  gclid: string | null;
  gbraid: string | null;
  wbraid: string | null;
  prev_gclid: string | null;
  prev_gbraid: string | null;
  prev_wbraid: string | null;
  e_gclid: string | null;
  e_gbraid: string | null;
  e_wbraid: string | null;
}

const ids = (gclid: string | null, gbraid: string | null, wbraid: string | null): ClickIds => {
  const out: ClickIds = {};
  if (gclid) out.gclid = gclid;
  if (gbraid) out.gbraid = gbraid;
  if (wbraid) out.wbraid = wbraid;
  return out;
};

export interface Period {
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
}

/**
 * Candidates of a site in a period: matched calls, conversion events, and sessions whose lead
 * score is at least `leadThreshold` (none when null), each with its session's click-id facts.
 * Only the session's own ids are read when it has them; the carried `prev_*` ids come from its
 * events' metadata (earliest first), the earlier session from the same fingerprint's latest session
 * with a click id in the 90 days before it (Google's longest click-through window).
 */
export async function conversionFacts(
  db: Queryable,
  siteId: string,
  period: Period,
  kinds: { calls: boolean; conversions: boolean; leadThreshold: number | null },
): Promise<ConversionFacts[]> {
  const rows = await db.query<FactRow>(
    `with cand as (
       select 'call'::text as kind, c.id::text as source_id, c.call_time as at, null::text as action,
              null::double precision as value, null::int as score,
              c.matched_session_id as session_id, c.matched_session_month as session_month
         from public.calls c
        where $4::boolean and c.site_id = $1::uuid and c.status = 'matched'
          and c.call_time >= $2::timestamptz and c.call_time < $3::timestamptz
       union all
       select 'conversion', e.id::text, e.created_at, e.event_action, e.event_value, null,
              e.session_id, e.session_month
         from public.events e
        where $5::boolean and e.site_id = $1::uuid and e.event_category = 'conversion'
          and e.created_at >= $2::timestamptz and e.created_at < $3::timestamptz
       union all
       select 'lead', s.id::text, s.last_event_at, null, null, s.lead_score::int, s.id, s.created_month
         from public.sessions s
        where $6::int is not null and s.site_id = $1::uuid and s.lead_score >= $6::int
          and s.last_event_at >= $2::timestamptz and s.last_event_at < $3::timestamptz)
     select cand.kind, cand.source_id, cand.at, cand.action, cand.value, cand.score,
            s.fingerprint is not null as has_fp, s.gclid, s.gbraid, s.wbraid,
            pv.prev_gclid, pv.prev_gbraid, pv.prev_wbraid,
            ea.gclid as e_gclid, ea.gbraid as e_gbraid, ea.wbraid as e_wbraid
       from cand
       join public.sessions s
         on s.id = cand.session_id and s.created_month = cand.session_month and s.site_id = $1::uuid
       left join lateral (
         select (array_agg(v.metadata ->> 'prev_gclid' order by v.created_at) filter (where v.metadata ? 'prev_gclid'))[1] as prev_gclid,
                (array_agg(v.metadata ->> 'prev_gbraid' order by v.created_at) filter (where v.metadata ? 'prev_gbraid'))[1] as prev_gbraid,
                (array_agg(v.metadata ->> 'prev_wbraid' order by v.created_at) filter (where v.metadata ? 'prev_wbraid'))[1] as prev_wbraid
           from public.events v
          where v.session_id = s.id and v.session_month = s.created_month
            and s.gclid is null and s.gbraid is null and s.wbraid is null) pv on true
       left join lateral (
         select p.gclid, p.gbraid, p.wbraid
           from public.sessions p
          where p.site_id = $1::uuid and p.fingerprint = s.fingerprint
            and s.gclid is null and s.gbraid is null and s.wbraid is null
            and (p.gclid is not null or p.gbraid is not null or p.wbraid is not null)
            and p.created_at < s.created_at and p.created_at >= s.created_at - interval '90 days'
          order by p.created_at desc
          limit 1) ea on true
      order by cand.at, cand.source_id`,
    [
      siteId,
      new Date(period.from).toISOString(),
      new Date(period.to).toISOString(),
      kinds.calls,
      kinds.conversions,
      kinds.leadThreshold,
    ],
  );
  return rows.map((r) => ({
    kind: r.kind,
    sourceId: r.source_id,
    at: new Date(r.at).getTime(),
    action: r.action,
    value: r.value === null ? null : Number(r.value),
    score: r.score === null ? null : Number(r.score),
    hasFingerprint: r.has_fp,
    own: ids(r.gclid, r.gbraid, r.wbraid),
    carried: ids(r.prev_gclid, r.prev_gbraid, r.prev_wbraid),
    earlier: ids(r.e_gclid, r.e_gbraid, r.e_wbraid),
  }));
}

/** A site's conversions in a period under its settings, oldest first. */
export async function siteConversions(db: Queryable, siteId: string, settings: AdsSettings, period: Period, now: number): Promise<Conversion[]> {
  const facts = await conversionFacts(db, siteId, period, {
    calls: settings.callAction !== null,
    // Off only when neither the default name nor any per-action name would send something.
    conversions: settings.conversionAction !== null || Object.values(settings.conversionActions).some((v) => v !== null),
    leadThreshold: settings.leadAction !== null ? settings.leadThreshold : null,
  });
  return toConversions(facts, settings, now);
}
