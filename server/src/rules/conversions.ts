/**
 * Which stored facts become Google Ads click conversions, and how they are written: pure functions
 * of the facts the store gathers (store/conversions.ts) and the site's settings.
 *
 * Kinds: a matched call (`call`), a `conversion` event (`conversion`), and a session whose lead
 * score reached the site's threshold (`lead`). Each needs a click id of the session: its own, else
 * one the browser carried from an earlier visit (`prev_*`), else the latest earlier session of the
 * same visitor (fingerprint) with one. One id per conversion, gclid before gbraid before wbraid
 * (Google refuses a conversion with two of them).
 */
import { CLICK_ID_KEYS, type ClickIdKey, type ClickIds } from './attribution.js';

export type ConversionKind = 'call' | 'conversion' | 'lead';
/** Google Ads' ConsentStatus values for `consent.adUserData`. */
export type ConsentStatus = 'GRANTED' | 'DENIED' | 'UNSPECIFIED';
export type AdUserDataSetting = 'from_tracker' | 'granted' | 'denied' | 'unspecified';

/** A site's conversion rules (table site_ads_settings; DEFAULT_ADS_SETTINGS without a row). */
export interface AdsSettings {
  /** IANA time zone the conversion times are written in (the Google Ads account's, ideally). */
  timeZone: string;
  /** ISO 4217 code of every value. */
  currency: string;
  /** Conversion action names per kind; null leaves the kind out. */
  callAction: string | null;
  callValue: number;
  conversionAction: string | null;
  /** Value of a conversion event without its own value (`ev`). */
  conversionValue: number;
  /** A conversion event's action (`ea`) -> its own conversion action name, or null to leave it out. */
  conversionActions: Record<string, string | null>;
  leadAction: string | null;
  leadThreshold: number | null;
  leadValue: number;
  adUserData: AdUserDataSetting;
  /** Google Ads customer id (10 digits) for API uploads; else the one stored with the credentials. */
  customerId: string | null;
  /** Whether the server's job uploads this site's conversions through the API. */
  apiUpload: boolean;
}

export const DEFAULT_ADS_SETTINGS: Readonly<AdsSettings> = {
  timeZone: 'UTC',
  currency: 'USD',
  callAction: 'OpsMantik call',
  callValue: 0,
  conversionAction: 'OpsMantik conversion',
  conversionValue: 0,
  conversionActions: {},
  leadAction: null,
  leadThreshold: null,
  leadValue: 0,
  adUserData: 'from_tracker',
  customerId: null,
  apiUpload: false,
};

/** The neutral facts of one candidate, as the store gathers them. */
export interface ConversionFacts {
  kind: ConversionKind;
  /** The call's, event's or session's id: the conversion's identity. */
  sourceId: string;
  /** When it happened (epoch ms): call time, event time, or the session's last activity. */
  at: number;
  /** The conversion event's action (`ea`), for `conversion`. */
  action: string | null;
  /** The conversion event's value (`ev`), for `conversion`. */
  value: number | null;
  /** The session's lead score, for `lead`. */
  score: number | null;
  /** The session has a fingerprint, which the tracker takes only after the visitor's consent. */
  hasFingerprint: boolean;
  own: ClickIds;
  carried: ClickIds;
  earlier: ClickIds;
}

/** One conversion ready to write as a CSV row or send as a ClickConversion. */
export interface Conversion {
  kind: ConversionKind;
  orderId: string;
  conversionAction: string;
  clickIdKind: ClickIdKey;
  clickId: string;
  at: number;
  value: number;
  currency: string;
  adUserData: ConsentStatus;
}

/**
 * A lead's time is the session's last activity, which moves while the visitor is still there; a
 * session counts once it has been idle this long (the tracker's own session timeout), so the time
 * sent to Google never changes afterwards.
 */
export const LEAD_SETTLE_MS = 30 * 60 * 1000;

// Real click ids are base64url-like. Anything else (a visitor can type any ?gclid=) is left out,
// which also keeps spreadsheet formulas (`=...`) out of the CSV.
const CLICK_ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9_.~+/=-]{0,511}$/;

/** The click id a conversion is attributed to, or undefined when the session has none usable. */
export function pickClickId(f: Pick<ConversionFacts, 'own' | 'carried' | 'earlier'>): { kind: ClickIdKey; value: string } | undefined {
  for (const source of [f.own, f.carried, f.earlier]) {
    for (const kind of CLICK_ID_KEYS) {
      const value = source[kind];
      if (value !== undefined && CLICK_ID_SHAPE.test(value)) return { kind, value };
    }
  }
  return undefined;
}

const ORDER_PREFIX: Record<ConversionKind, string> = { call: 'om-call-', conversion: 'om-conv-', lead: 'om-lead-' };

/**
 * The order id Google keeps per conversion action so that a second upload of the same conversion
 * is refused instead of counted: derived from the stored row's id, so it never changes and holds
 * nothing personal.
 */
export function orderIdOf(kind: ConversionKind, sourceId: string): string {
  return ORDER_PREFIX[kind] + sourceId.toLowerCase();
}

function actionOf(f: ConversionFacts, s: AdsSettings): string | null {
  if (f.kind === 'call') return s.callAction;
  if (f.kind === 'lead') return s.leadAction;
  if (f.action !== null && Object.prototype.hasOwnProperty.call(s.conversionActions, f.action)) {
    return s.conversionActions[f.action] ?? null;
  }
  return s.conversionAction;
}

function valueOf(f: ConversionFacts, s: AdsSettings): number {
  if (f.kind === 'call') return s.callValue;
  if (f.kind === 'lead') return s.leadValue;
  return f.value !== null && Number.isFinite(f.value) && f.value >= 0 ? f.value : s.conversionValue;
}

export function consentOf(hasFingerprint: boolean, setting: AdUserDataSetting): ConsentStatus {
  if (setting === 'granted') return 'GRANTED';
  if (setting === 'denied') return 'DENIED';
  if (setting === 'unspecified') return 'UNSPECIFIED';
  // The fingerprint is only taken after consent('granted'); without it consent was never stated.
  return hasFingerprint ? 'GRANTED' : 'UNSPECIFIED';
}

/** The conversion for one candidate, or undefined when its kind is off, it has no click id, or it is not settled. */
export function toConversion(f: ConversionFacts, s: AdsSettings, now: number): Conversion | undefined {
  const action = actionOf(f, s);
  if (!action) return undefined;
  if (f.kind === 'lead') {
    if (s.leadThreshold === null || f.score === null || f.score < s.leadThreshold) return undefined;
    if (now - f.at < LEAD_SETTLE_MS) return undefined;
  }
  const click = pickClickId(f);
  if (!click) return undefined;
  return {
    kind: f.kind,
    orderId: orderIdOf(f.kind, f.sourceId),
    conversionAction: action,
    clickIdKind: click.kind,
    clickId: click.value,
    at: f.at,
    value: valueOf(f, s),
    currency: s.currency,
    adUserData: consentOf(f.hasFingerprint, s.adUserData),
  };
}

/** Conversions of many candidates, oldest first (then by order id, so the order is stable). */
export function toConversions(facts: readonly ConversionFacts[], s: AdsSettings, now: number): Conversion[] {
  const out: Conversion[] = [];
  for (const f of facts) {
    const c = toConversion(f, s, now);
    if (c) out.push(c);
  }
  return out.sort((a, b) => a.at - b.at || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock parts of `ms` in `timeZone`, and the zone's offset then as `+hh:mm`. */
function wallClock(ms: number, timeZone: string): { date: string; time: string; offset: string } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  // longOffset is "GMT" for UTC itself, else "GMT+03:00" / "GMT-05:30".
  const m = /^GMT([+-]\d{2}:\d{2})?$/.exec(parts.timeZoneName ?? '');
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}:${parts.second}`,
    offset: m?.[1] ?? '+00:00',
  };
}

/** Google Ads API date time: `yyyy-mm-dd hh:mm:ss+|-hh:mm` in the site's time zone. */
export function adsDateTime(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.date} ${w.time}${w.offset}`;
}

/** The import file's Conversion Time: wall-clock time in the zone named on the Parameters line. */
export function localDateTime(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.date} ${w.time}`;
}

// ---------------------------------------------------------------------------------------------
// The click-conversion import file

/** Which click ids the file carries: gclid only (Google's template), or gbraid/wbraid columns too. */
export type CsvIds = 'gclid' | 'all';

/** One CSV field (RFC 4180: quoted when it holds a comma, quote or line break). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A value as the file writes it: plain decimal, at most 2 decimals, no exponent. */
export function formatValue(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export const CSV_COLUMNS = ['Google Click ID', 'Conversion Name', 'Conversion Time', 'Conversion Value', 'Conversion Currency'] as const;
export const CSV_BRAID_COLUMNS = ['GBRAID', 'WBRAID'] as const;

/**
 * Google Ads' click-conversion import file: a `Parameters:TimeZone=` line, the header, one row per
 * conversion. With ids 'gclid' only gclid conversions are written (the template's columns); with
 * 'all' the GBRAID and WBRAID columns follow and each row fills exactly one of the three id columns.
 */
export function conversionsCsv(conversions: readonly Conversion[], timeZone: string, ids: CsvIds = 'gclid'): string {
  const header = ids === 'all' ? [...CSV_COLUMNS, ...CSV_BRAID_COLUMNS] : [...CSV_COLUMNS];
  const lines = [`Parameters:TimeZone=${timeZone}`, header.join(',')];
  for (const c of conversions) {
    if (ids === 'gclid' && c.clickIdKind !== 'gclid') continue;
    const row = [
      c.clickIdKind === 'gclid' ? c.clickId : '',
      c.conversionAction,
      localDateTime(c.at, timeZone),
      formatValue(c.value),
      c.currency,
    ];
    if (ids === 'all') row.push(c.clickIdKind === 'gbraid' ? c.clickId : '', c.clickIdKind === 'wbraid' ? c.clickId : '');
    lines.push(row.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
