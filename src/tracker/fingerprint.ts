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

/** Computes the visitor id; the npm and script-tag builds load that code differently. */
export type VisitorIdLoader = () => Promise<string>;

const KEY = 'om_f';
const DAY_MS = 24 * 3600 * 1000;

/**
 * The fingerprint collector, given a loader. Only after consent and without a privacy signal: the
 * id cached for a day, or else the loader after the page's load event (the loader computes in idle
 * time, never on the load path). The tracker puts the id in `meta.fp` of the session's next event
 * (or a `session/fingerprint` event at page hide). Withdrawn consent forgets it.
 */
/* @__NO_SIDE_EFFECTS__ */
export const fingerprintWith =
  (loadVisitorId: VisitorIdLoader, respectSignals: boolean): Collector =>
  (t) => {
    const learn = (v: string) => {
      t._f = v;
      t._u();
    };
    const compute = () =>
      loadVisitorId().then(
        (v) => {
          save(KEY, [v, Date.now() + DAY_MS]);
          learn(v);
        },
        DEBUG ? (e) => console.warn('[opsmantik] fingerprint', e) : () => {},
      );
    const check = () => {
      if (t._c === false) {
        // Withdrawn (or refused) consent also forgets the cached id.
        save(KEY, (t._f = ''));
      } else if (t._c && t._f == null && !(respectSignals && privacySignal())) {
        // '' until learned: started, not known yet.
        t._f = '';
        // [visitor id, expiry]
        const cached = load<[string, number]>(KEY);
        if (cached && cached[1] > Date.now()) learn(cached[0]);
        else if (document.readyState === 'complete') compute();
        // (The load event fires once: no need to remove the listener.)
        else addEventListener('load', compute);
      }
    };
    t._l.add(check);
    check();
    };
