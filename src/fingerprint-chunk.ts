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

/** How long the visitor must leave the page alone before the computation starts (ms). */
const QUIET_MS = 500;

/** Input events the page has seen (Event Timing's counters: read without adding a listener; 0 where there are none). */
const inputs = () => {
  let n = 0;
  (performance as Performance & { eventCounts?: Map<string, number> }).eventCounts?.forEach((c) => (n += c));
  return n;
};

/** How many looks (QUIET_MS apart) before it starts anyway: a call tapped at once needs the id. */
const LOOKS = 10;

/**
 * Resolves in an idle period once the visitor has left the page alone for QUIET_MS: no input event
 * (click, key, pointer, touch) counted between two looks that far apart, or at the latest after
 * LOOKS looks (about 5 s, the deadline the idle wait always had): a visitor who never pauses still
 * gets an id for the call they tap and for their next visit. (Two looks a second at most: reading
 * the counters costs more than it seems. Idle callbacks come after every frame even on a page that
 * animates, so an animation does not hold it back. Without requestIdleCallback, Safari: after one
 * timer, as there are no counters to read either.)
 */
const quiet = () =>
  new Promise((done) => {
    // (Typed as always there; Safari has none.)
    const idle = window.requestIdleCallback as typeof requestIdleCallback | undefined;
    let seen = -1;
    let looks = LOOKS;
    const look = () =>
      idle!(() => {
        const n = inputs();
        n == seen || !--looks ? done(0) : ((seen = n), setTimeout(look, QUIET_MS));
      });
    idle ? look() : setTimeout(done);
  });

/**
 * FingerprintJS's visitorId, computed after the page's load event once the visitor leaves the page
 * alone (it costs about 150 ms of main thread in Chromium, in chunks a click would wait behind), then
 * cached for a day. `monitoring: false` stops the library's calls to its vendor.
 */
export const visitorId = async (): Promise<string> => {
  if (document.readyState != 'complete') await new Promise((loaded) => addEventListener('load', loaded, { once: true }));
  await quiet();
  const id = (await (await load({ monitoring: false })).get()).visitorId;
  try {
    localStorage[KEY] = JSON.stringify([id, Date.now() + DAY_MS]);
  } catch {
    // Storage that throws: the id is simply computed again on the next page.
  }
  return id;
};
