/**
 * The script-tag entry (dist/opsmantik.min.js):
 *   <script async src="https://HOST/opsmantik.min.js" data-site="PUBLIC_ID"></script>
 * Options come from its own data-* attributes; the endpoint defaults to the script's origin. Starts
 * every collector, then replays the calls the stub snippet queued in `opsmantik.q`, in order.
 */
import { clickIds } from './collectors/clickIds.js';
import { hoverIntent } from './collectors/hoverIntent.js';
import { interactions } from './collectors/interactions.js';
import { pageview } from './collectors/pageview.js';
import { scrollDepth } from './collectors/scrollDepth.js';
import { createTracker } from './tracker/createTracker.js';
import { DEBUG } from './tracker/debug.js';
import { fingerprintWith } from './tracker/fingerprint.js';
import type { ConsentState, Tracker } from './tracker/types.js';

/** The snippet's queueing stub, or once loaded the API (`t`: the tracker, which marks a started copy). */
type Stub = ((...a: unknown[]) => void) & { q?: Iterable<unknown>[]; t?: Tracker };

const w = window as unknown as { opsmantik?: Stub };
// Loaded twice (the tag pasted twice, a tag manager injecting it again): the first copy is the
// tracker and this one leaves it alone, so nothing is counted twice.
if (!w.opsmantik?.t) {
  // Read while this script runs: the one moment `currentScript` is this element (async, or injected).
  const me = document.currentScript as HTMLScriptElement;
  const d = me.dataset;

  /**
   * The fingerprint code is a separate ES module next to this file, imported only when needed. (A
   * cross-origin module import needs `Access-Control-Allow-Origin` on that file; the server sends it.)
   */
  const loadFingerprint = () => {
    // Built only now: most page views never load the module (no consent, or the id is cached).
    const url = `${new URL('opsmantik-fp.mjs', me.src)}`;
    const loaded = import(/* @vite-ignore */ url);
    // A site hosting the script itself must host the module beside it: the debug build says so.
    if (DEBUG) loaded.catch((e: unknown) => console.warn(`[opsmantik] no fingerprint: ${url} did not load. Host opsmantik-fp.mjs beside opsmantik.min.js.`, e));
    return loaded.then((m: typeof import('./fingerprint-chunk.js')) => m.visitorId());
  };

  // Read here rather than in the collector list: the minifier then passes it without a wrapper.
  const respectSignals = d.respectSignals != 'false';

  const tracker = createTracker({
    site: d.site!,
    endpoint: d.endpoint || new URL(me.src).origin,
    consent: d.consent as ConsentState | undefined,
    ...(DEBUG && { debug: d.debug != null }),
    collectors: [
      clickIds(),
      pageview(),
      scrollDepth(),
      hoverIntent(),
      interactions(),
      fingerprintWith(loadFingerprint, respectSignals),
    ],
  });

  const queued = w.opsmantik?.q;
  const api: Stub = (name, ...args) => (tracker as unknown as Record<string, (...a: unknown[]) => void>)[name as keyof Tracker]?.(...args);
  api.t = tracker;
  w.opsmantik = api;
  // Each queued entry is an `arguments` object, which spreads like an array.
  queued?.forEach((call) => api(...call));
}
