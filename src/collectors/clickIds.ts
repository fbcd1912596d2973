import { SESSION_KEY, type Session } from '../tracker/session.js';
import { load, save } from '../tracker/storage.js';
import type { Collector, Meta } from '../tracker/types.js';

/** Ad click ids and campaign fields read from the landing URL. */
const CLICK_IDS = ['gclid', 'gbraid', 'wbraid'];
const FIELDS = [...CLICK_IDS, 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];
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
  const params = new URLSearchParams(location.search);
  const meta: Meta = {};
  for (const f of FIELDS) {
    const v = params.get(f);
    // The server refuses NUL (PostgreSQL text cannot hold it), and the whole batch with it.
    if (v && !v.includes('\0')) meta[f] = v;
  }
  // The tracker started (or continued) the session before its collectors.
  const sid = load<Session>(SESSION_KEY)?.id;
  const prev = load<Click>(KEY);
  if (prev && prev[2] > now && prev[3] !== sid) meta['prev_' + prev[0]] = prev[1];
  const k = CLICK_IDS.find((c) => meta[c]);
  if (k) save(KEY, [k, meta[k], now + REMEMBER_MS, sid]);
  t._m(meta);
};
