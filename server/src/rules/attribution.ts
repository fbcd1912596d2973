/**
 * Attribution (contract section 5): a pure function of a session's click-id facts.
 */
export type Attribution = 'paid' | 'ads_assisted' | 'organic';

export const CLICK_ID_KEYS = ['gclid', 'gbraid', 'wbraid'] as const;
export type ClickIdKey = (typeof CLICK_ID_KEYS)[number];
export type ClickIds = Partial<Record<ClickIdKey, string>>;

export interface AttributionFacts {
  /** A click id was on a URL (or in `meta`) of this session. */
  ownClickId: boolean;
  /**
   * The same visitor came from an ad before: an earlier session on the same site with the same
   * fingerprint had a click id, or the browser carries one from an earlier visit (the tracker's
   * `meta.prev_gclid`, or the server's first-party click-id cookie).
   */
  earlierClickId: boolean;
}

export function attribute(f: AttributionFacts): Attribution {
  if (f.ownClickId) return 'paid';
  if (f.earlierClickId) return 'ads_assisted';
  return 'organic';
}

const MAX_CLICK_ID = 512;

/**
 * A usable click id, or undefined. Click ids are URL-decoded from `u`, after the body's own NUL check,
 * so `?gclid=a%00b` arrives here with a NUL that PostgreSQL text cannot hold: such a value is no click id.
 */
export function cleanClickId(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CLICK_ID && !value.includes('\u0000')
    ? value
    : undefined;
}

/**
 * Click ids of one event: from its page URL's query (where Google Ads puts them) and from `meta`
 * (where the tracker copies them from the landing URL). The URL wins when both are present.
 */
export function clickIdsOf(url: string, meta: Record<string, unknown> | undefined): ClickIds {
  const out: ClickIds = {};
  let query: URLSearchParams | undefined;
  try {
    query = new URL(url).searchParams;
  } catch {
    query = undefined;
  }
  for (const key of CLICK_ID_KEYS) {
    const value = cleanClickId(query?.get(key)) ?? cleanClickId(meta?.[key]);
    if (value) out[key] = value;
  }
  return out;
}

/** Click ids the browser carried over from an earlier visit (`meta.prev_gclid` etc.). */
export function earlierClickIdsOf(meta: Record<string, unknown> | undefined): ClickIds {
  const out: ClickIds = {};
  for (const key of CLICK_ID_KEYS) {
    const value = cleanClickId(meta?.[`prev_${key}`]);
    if (value) out[key] = value;
  }
  return out;
}

export function hasClickId(ids: ClickIds): boolean {
  return CLICK_ID_KEYS.some((k) => ids[k] !== undefined);
}
