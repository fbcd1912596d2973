/**
 * The fingerprint code, kept out of every tracker bundle: the npm build reaches it by dynamic import
 * (its own chunk), the script tag loads its IIFE build (`opsmantik-fp.min.js`, global `opsmantikFp`)
 * from next to itself.
 */
import { load } from '@fingerprintjs/fingerprintjs';

/**
 * FingerprintJS's visitorId, computed in idle time: it costs about 150 ms of main thread in Chromium.
 * `monitoring: false` stops the library's calls to its vendor.
 */
export const visitorId = (): Promise<string> =>
  new Promise((idle) => (window.requestIdleCallback || setTimeout)(idle, { timeout: 5000 }))
    .then(() => load({ monitoring: false }))
    .then((agent) => agent.get())
    .then((result) => result.visitorId);
