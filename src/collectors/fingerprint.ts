import { fingerprintWith, type FingerprintOptions } from '../tracker/fingerprint.js';
import type { Collector } from '../tracker/types.js';

export type { FingerprintOptions };

/**
 * The visitor fingerprint (FingerprintJS, MIT, about 14 KB brotli) in `meta.fp`, loaded by dynamic
 * import as its own chunk, only after consent and without GPC / Do Not Track; computed in idle time
 * and cached for a day. See fingerprintWith for the rules.
 */
/* @__NO_SIDE_EFFECTS__ */
export const fingerprint = (options: FingerprintOptions = {}): Collector =>
  fingerprintWith(() => import('../fingerprint-chunk.js').then((m) => m.visitorId()), options.respectSignals !== false);
