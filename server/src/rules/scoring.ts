/**
 * Lead score (contract section 4): a pure function of what a session did.
 * Each signal counts once per session; the sum is capped at 100.
 */
import type { Attribution } from './attribution.js';

/** What the scorer needs to know about one session, gathered from all of its events. */
export interface SessionSignals {
  conversion: boolean;
  interaction: boolean;
  hoverIntent: boolean;
  /** Deepest scroll milestone reached, in percent (0 when none). */
  maxScrollDepth: number;
  /** The session's referrer (its first event's `r`), if any. */
  referrer: string | null;
  attribution: Attribution;
}

/** The event action that carries a scroll milestone (category `scroll`), in `ev` percent. */
export const SCROLL_DEPTH_ACTION = 'depth';

export const POINTS = {
  conversion: 50,
  interaction: 10,
  scroll50: 10,
  scroll90: 20,
  hoverIntent: 15,
  googleReferrer: 5,
  returningAdUser: 25,
} as const;

const MAX_SCORE = 100;

// google.com, www.google.co.uk, google.de ... but not mail.google.com or google.evil.com.
const GOOGLE_SEARCH_HOST = /^(www\.)?google\.(com|[a-z]{2,3}|com?\.[a-z]{2})$/;

/** True when `referrer` is a URL on a Google search host. */
export function isGoogleSearchReferrer(referrer: string | null | undefined): boolean {
  if (!referrer) return false;
  try {
    return GOOGLE_SEARCH_HOST.test(new URL(referrer).hostname.toLowerCase());
  } catch {
    return false;
  }
}

export function leadScore(s: SessionSignals): number {
  let score = 0;
  if (s.conversion) score += POINTS.conversion;
  if (s.interaction) score += POINTS.interaction;
  // 90% includes 50%: a session that reached 90% gets both (10 + 20).
  if (s.maxScrollDepth >= 50) score += POINTS.scroll50;
  if (s.maxScrollDepth >= 90) score += POINTS.scroll90;
  if (s.hoverIntent) score += POINTS.hoverIntent;
  if (isGoogleSearchReferrer(s.referrer)) score += POINTS.googleReferrer;
  if (s.attribution === 'ads_assisted') score += POINTS.returningAdUser;
  return Math.min(score, MAX_SCORE);
}
