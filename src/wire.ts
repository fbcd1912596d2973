/**
 * The OpsMantik wire format (contract.md sections 1 and 2): keys, limits, types and validation.
 *
 * The one source of truth shared by the tracker (which only takes the constants and types, so its
 * bundle pays for none of the validation) and the server (which validates every body with it).
 * valibot's builders are marked side-effect free, so a bundler drops every schema the tracker does
 * not reference.
 */
import * as v from 'valibot';

/** Limits, in characters unless the name says bytes. */
export const MAX_BODY_BYTES = 65536;
export const MAX_BATCH = 100;
export const MAX_META_BYTES = 4096;
export const MAX_URL = 2048;
export const MAX_REFERRER = 2048;
export const MAX_SITE_ID = 64;
export const MAX_CATEGORY = 64;
export const MAX_ACTION = 128;
export const MAX_LABEL = 512;
export const MAX_CLIENT_ID = 64;
export const MAX_PHONE = 32;
export const MAX_FINGERPRINT = 128;
/** The server clamps a client time `t` to [now - 7 days, now]. */
export const CLIENT_TIME_WINDOW_MS = 7 * 24 * 3600 * 1000;
/** A call_time may be at most 5 minutes in the future (clock skew) and 7 days in the past. */
export const CALL_TIME_FUTURE_MS = 5 * 60 * 1000;
/** Call matching looks at events in the 30 minutes before the call. */
export const CALL_MATCH_WINDOW_MS = 30 * 60 * 1000;

export const PATH_SYNC = '/api/sync';
export const PATH_CALL = '/api/call-event';

/** Event categories the contract names; any other string is a custom category. */
export const CATEGORY = {
  pageview: 'pageview',
  interaction: 'interaction',
  scroll: 'scroll',
  hoverIntent: 'hover_intent',
  conversion: 'conversion',
} as const;

/**
 * The action of the `conversion` event a click on a `tel:` link sends, its label the number: the
 * server records the call from it (contract section 2).
 */
export const PHONE_CLICK = 'phone_click';

/** One event on the wire. Short keys because every byte is sent by every visitor. */
export interface WireEvent {
  /** site public_id */
  s: string;
  /** page URL */
  u: string;
  /** session id, UUID v4 */
  sid: string;
  /** session month, UTC `YYYY-MM` at session start */
  sm: string;
  /** event category */
  ec: string;
  /** event action */
  ea: string;
  /** event label */
  el?: string;
  /** event value */
  ev?: number;
  /** fingerprint `fp`, click ids, UTM, device info, custom data */
  meta?: Record<string, unknown>;
  /** document.referrer */
  r?: string;
  /** client event id: a repeated (sid, i) is stored once */
  i?: string;
  /** client time, epoch ms */
  t?: number;
}

/**
 * POST /api/call-event body. The tracker names its own session (`sid`, `sm`, as on its events)
 * and adds the fingerprint when it knows one; the site's own systems (with the site secret) may
 * name a fingerprint only. At least one of `sid` or `fingerprint`; `sid` and `sm` go together.
 */
export interface CallEventBody {
  site_id: string;
  phone_number: string;
  /** the caller's session id (the tracker's own), UUID */
  sid?: string;
  /** that session's month, `YYYY-MM` */
  sm?: string;
  fingerprint?: string;
  call_time?: string;
}

export interface SyncOk {
  status: 'synced';
  score: number;
  accepted: number;
}

/**
 * `matched`/`unmatched` with the session and its score go to the site's own systems (site secret)
 * and to a browser asking about its own session (`sid`); any other caller gets `recorded` and the
 * call id only: the call is stored and matched, but the answer tells nothing about which browsers
 * visited the site.
 */
export type CallOk =
  | { status: 'matched'; call_id: string; session_id: string; lead_score: number }
  | { status: 'unmatched'; call_id: string; session_id: null; lead_score: null }
  | { status: 'recorded'; call_id: string };

export interface WireError {
  status: 'error';
  error: ErrorCode;
  message: string;
}

/** Machine codes of every 4xx/5xx the server answers. */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_body'
  | 'batch_too_large'
  | 'empty_batch'
  | 'meta_too_large'
  | 'body_too_large'
  | 'unsupported_content_type'
  | 'unknown_site'
  | 'origin_not_allowed'
  | 'unauthorized'
  | 'month_out_of_window'
  | 'invalid_call_time'
  | 'invalid_query'
  | 'invalid_phone_number'
  | 'session_unavailable'
  | 'rate_limited'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'too_many_streams'
  | 'client_closed'
  | 'storage_unavailable'
  | 'storage_error';

/** UTC `YYYY-MM` of an epoch-ms time. */
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

// ---------------------------------------------------------------------------------------------
// Validation (server side). Nothing below is referenced by the tracker.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
// NUL cannot be stored in PostgreSQL text or jsonb; refuse it instead of failing in storage.
const NO_NUL = /^[^\u0000]*$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// Strings JSON can carry (`"\ud800"`) but PostgreSQL's jsonb cannot: lone UTF-16 surrogates.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const text = (max: number) =>
  v.pipe(v.string(), v.maxLength(max), v.regex(NO_NUL, 'must not contain NUL characters'));
const required = (max: number) => v.pipe(text(max), v.minLength(1));

/**
 * A call's `phone_number`, and a phone_click label that records a call: up to 32 of these characters
 * (the tracker keeps only these from a `tel:` href, with its own copy of the set: imported, the
 * hoisted constant cost the script tag 9 B).
 */
const phoneNumber = v.pipe(required(MAX_PHONE), v.regex(/^[\d+()\-. /]+$/, 'must be a phone number'));
/** True for a string the contract takes as a phone number (before it is normalised). */
export const isPhoneNumber = (s: string): boolean => v.is(phoneNumber, s);

const sessionId = v.pipe(v.string(), v.regex(UUID, 'must be a UUID'));
const sessionMonth = v.pipe(v.string(), v.regex(MONTH, 'must be YYYY-MM'));

export const wireEventSchema = v.strictObject({
  s: required(MAX_SITE_ID),
  // Only web pages: a `javascript:` or `data:` URL stored here would be a link in someone's dashboard.
  u: v.pipe(required(MAX_URL), v.regex(/^https?:\/\/[^\s]/i, 'must be an http(s) URL')),
  sid: sessionId,
  sm: sessionMonth,
  ec: required(MAX_CATEGORY),
  ea: required(MAX_ACTION),
  el: v.optional(text(MAX_LABEL)),
  ev: v.optional(v.pipe(v.number(), v.finite())),
  // v.record alone would take an array (and turn it into an object).
  meta: v.optional(
    v.pipe(
      v.custom<Record<string, unknown>>((m) => !Array.isArray(m), 'must be an object, not an array'),
      v.record(v.string(), v.unknown()),
    ),
  ),
  r: v.optional(text(MAX_REFERRER)),
  i: v.optional(required(MAX_CLIENT_ID)),
  t: v.optional(v.pipe(v.number(), v.finite())),
});

export const callEventSchema = v.pipe(
  v.strictObject({
    site_id: required(MAX_SITE_ID),
    phone_number: phoneNumber,
    sid: v.optional(sessionId),
    sm: v.optional(sessionMonth),
    fingerprint: v.optional(required(MAX_FINGERPRINT)),
    call_time: v.optional(v.pipe(v.string(), v.isoTimestamp('must be an ISO 8601 time'))),
  }),
  v.check((b) => (b.sid === undefined) === (b.sm === undefined), 'sid and sm go together'),
  v.check((b) => b.sid !== undefined || b.fingerprint !== undefined, 'a call names its session (sid, sm) or a fingerprint'),
);

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ErrorCode; message: string };

const fail = <T>(error: ErrorCode, message: string): Parsed<T> => ({ ok: false, error, message });

function issueMessage(issues: readonly v.BaseIssue<unknown>[], prefix: string): string {
  const issue = issues[0]!;
  const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
  return `${prefix}${path ? `${path}: ` : ''}${issue.message}`;
}

/**
 * Walks a raw parsed JSON value (before schema validation, which would drop a `__proto__` key
 * silently instead of refusing it) and reports keys that could pollute prototypes, and NUL
 * characters or lone surrogates in strings and keys, which PostgreSQL cannot store.
 */
function unsafeContent(value: unknown, depth = 0): string | undefined {
  if (depth > 8) return 'nested too deeply';
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'contains a NUL character';
    return LONE_SURROGATE.test(value) ? 'contains an unpaired UTF-16 surrogate' : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return `key "${key}" is not allowed`;
    if (key.includes('\u0000')) return 'a key contains a NUL character';
    if (LONE_SURROGATE.test(key)) return 'a key contains an unpaired UTF-16 surrogate';
    const bad = unsafeContent((value as Record<string, unknown>)[key], depth + 1);
    if (bad) return bad;
  }
  return undefined;
}

/**
 * Validates a parsed /api/sync body: one event or an array of 1..MAX_BATCH events.
 * Pure: the month window and site checks that need a clock or a database are the server's.
 */
export function parseSyncBody(body: unknown): Parsed<WireEvent[]> {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) return fail('empty_batch', 'The batch holds no events.');
  if (list.length > MAX_BATCH) {
    return fail('batch_too_large', `A batch holds at most ${MAX_BATCH} events; this one has ${list.length}.`);
  }
  const out: WireEvent[] = [];
  for (let n = 0; n < list.length; n++) {
    const at = Array.isArray(body) ? `event ${n}: ` : '';
    const unsafe = unsafeContent(list[n]);
    if (unsafe) return fail('invalid_body', `${at}the body ${unsafe}.`);
    const result = v.safeParse(wireEventSchema, list[n]);
    if (!result.success) return fail('invalid_body', issueMessage(result.issues, at));
    const event = result.output as WireEvent;
    if (event.meta && new TextEncoder().encode(JSON.stringify(event.meta)).length > MAX_META_BYTES) {
      return fail('meta_too_large', `${at}meta is larger than ${MAX_META_BYTES} bytes when serialised.`);
    }
    out.push(event);
  }
  return { ok: true, value: out };
}

/** Validates a parsed /api/call-event body. */
export function parseCallBody(body: unknown): Parsed<CallEventBody> {
  const unsafe = unsafeContent(body);
  if (unsafe) return fail('invalid_body', `The body ${unsafe}.`);
  const result = v.safeParse(callEventSchema, body);
  if (!result.success) return fail('invalid_body', issueMessage(result.issues, ''));
  return { ok: true, value: result.output as CallEventBody };
}
