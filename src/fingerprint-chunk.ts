/**
 * The fingerprint code, kept out of every tracker bundle and loaded only after consent: the npm
 * build reaches it by dynamic import (its own chunk), the script tag imports its ES module build
 * (`opsmantik-fp.mjs`) from next to itself.
 */
import { load } from '@fingerprintjs/fingerprintjs';

// The same key and shape the tracker reads (FP_KEY in src/tracker/fingerprint.ts). Not imported from
// there: a module shared by the tracker and this chunk becomes a chunk of its own in the npm build,
// which costs every `import { createTracker }` about 100 bytes of module wrapping.
const KEY = 'om_f';
const DAY_MS = 24 * 3600 * 1000;

/**
 * FingerprintJS's visitorId, computed after the page's load event and in idle time (it costs about
 * 150 ms of main thread in Chromium), then cached for a day. `monitoring: false` stops the library's
 * calls to its vendor.
 */
export const visitorId = async (): Promise<string> => {
  if (document.readyState != 'complete') await new Promise((loaded) => addEventListener('load', loaded, { once: true }));
  await new Promise((idle) => (window.requestIdleCallback || setTimeout)(idle, { timeout: 5000 }));
  const id = (await (await load({ monitoring: false })).get()).visitorId;
  try {
    localStorage[KEY] = JSON.stringify([id, Date.now() + DAY_MS]);
  } catch {
    // Storage that throws: the id is simply computed again on the next page.
  }
  return id;
};
