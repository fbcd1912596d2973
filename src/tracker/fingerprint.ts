import { privacySignal } from './consent.js';
import { DEBUG } from './debug.js';
import { load, save } from './storage.js';
import type { Collector } from './types.js';

export interface FingerprintOptions {
  /**
   * Honour Global Privacy Control and Do Not Track (default true): with either set, no fingerprint is
   * taken even after consent. A site owner whose consent flow covers them may turn this off.
   */
  respectSignals?: boolean;
}

/**
 * Computes the visitor id (after the page's load event, in idle time) and caches it under FP_KEY
 * for a day (src/fingerprint-chunk.ts); the npm and script-tag builds load that code differently,
 * and only when needed.
 */
export type VisitorIdLoader = () => Promise<string>;

/** The cached id: [visitor id, expiry (epoch ms)]. The fingerprint chunk writes it (its test checks the key). */
export const FP_KEY = 'om_f';

/**
 * The fingerprint collector, given a loader. Only after consent and without a privacy signal: the
 * id cached for a day, or else the loader, whose code (waiting for load and idle time, computing,
 * caching) arrives only then, so it costs the script tag nothing. The id goes in `meta.fp` of the
 * session's next event, once per session and page, or, when the page is hidden and no event carried it yet,
 * in a `session/fingerprint` event: attribution and call matching need the session to know it.
 * Withdrawn consent forgets it.
 */
/* @__NO_SIDE_EFFECTS__ */
export const fingerprintWith =
  (loadVisitorId: VisitorIdLoader, respectSignals: boolean): Collector =>
  (t) => {
    // Consent withdrawn while the id was loading: check() forgets it again.
    const learn = (v: string) => {
      t._f = v;
      check();
    };
    const check = () => {
      if (t._c === false) {
        // Withdrawn (or refused) consent also forgets the cached id.
        save(FP_KEY, (t._f = ''));
      } else if (t._c && t._f == null && !(respectSignals && privacySignal())) {
        // '' until learned: started, not known yet.
        t._f = '';
        const cached = load<[id: string, expires: number]>(FP_KEY);
        if (cached && cached[1] > Date.now()) learn(cached[0]);
        else loadVisitorId().then(learn, DEBUG ? (e) => console.warn('[opsmantik] fingerprint', e) : () => {});
      }
    };
    // The session that last learned the fingerprint. (At page hide, an event is needed only when none
    // of this page carried it: every new session starts with an event, which carries it.)
    let told: string | undefined;
    t._e = (e) =>
      e
        ? t._f && told != e.sid && ((e.meta = { ...e.meta, fp: t._f }), (told = e.sid))
        : t._f && !told && t.track('session', 'fingerprint');
    t._l = check;
    check();
  };
