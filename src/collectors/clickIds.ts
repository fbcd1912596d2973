import { SESSION_KEY, type Session } from '../tracker/session.js';
import { load, save } from '../tracker/storage.js';
import type { Collector } from '../tracker/types.js';

/**
 * The URL parameters kept: the three ad click ids and every `utm_*` field (the classic five and the
 * ones GA4 added, such as utm_id and utm_source_platform). A URL stuffed with utm_ junk only makes its
 * own meta too large, and the tracker then drops that meta rather than the batch.
 */
const FIELDS = /^(gclid|[gw]braid|utm_\w+)$/;
const KEY = 'om_c';
/** How long a click id is remembered (Google Ads' longest click-through window). */
const REMEMBER_MS = 90 * 24 * 3600 * 1000;

/** A remembered click: key (gclid, gbraid or wbraid), value, expiry, the session it came in. */
type Click = [key: string, value: string, expires: number, sid?: string];

/**
 * Click ids and UTM fields of the landing URL go into `meta` of the page's first event. The click id
 * is remembered for 90 days: the pages of a later session send it as `meta.prev_gclid` (or
 * `prev_gbraid` / `prev_wbraid`).
 */
/* @__NO_SIDE_EFFECTS__ */
export const clickIds = (): Collector => (t) => {
  const now = Date.now();
  // Into the meta of the page's first event.
  const meta = t._m;
  // The tracker started (or continued) the session before its collectors.
  const sid = load<Session>(SESSION_KEY)?.id;
  const prev = load<Click>(KEY);
  let click: Click | undefined;
  new URLSearchParams(location.search).forEach((v, k) => {
    // The server refuses NUL (PostgreSQL text cannot hold it), and the whole batch with it.
    if (v && FIELDS.test(k) && !v.includes('\0')) {
      meta[k] = v;
      // The first click id of the URL is the one remembered.
      if (k[0] != 'u') click ||= [k, v, now + REMEMBER_MS, sid];
    }
  });
  if (prev && prev[2] > now && prev[3] !== sid) meta['prev_' + prev[0]] = prev[1];
  if (click) save(KEY, click);
};
