import type { WireEvent } from '../wire.js';

export type Meta = Record<string, unknown>;
export type ConsentState = 'granted' | 'denied';

export interface TrackerOptions {
  /** The site's public id (`s` on the wire). */
  site: string;
  /** Origin (or base URL) of the ingestion server; default: this page's origin. */
  endpoint?: string;
  /** Collectors to start, e.g. `[pageview(), scrollDepth()]`. */
  collectors?: Collector[];
  /** Send as soon as this many events wait (default 10). */
  batchSize?: number;
  /** Otherwise send this many ms after the first waiting event (default 5000). */
  delay?: number;
  /** Most events kept in the outbox; the oldest go first (default 500). */
  maxOutbox?: number;
  /** Initial consent; the fingerprint waits for 'granted' (default: not granted). */
  consent?: ConsentState;
  /** Warn on the console about refused batches, retries and oversized meta (in the debug builds: `opsmantik/debug`, `opsmantik.debug.js`). */
  debug?: boolean;
}

export interface Tracker {
  /** Queues one event. */
  track(category: string, action: string, label?: string, value?: number, meta?: Meta): void;
  /** Queues a `conversion` event named `name`. */
  conversion(name: string, value?: number): void;
  /** Grants or withdraws consent (the fingerprint depends on it). */
  consent(state: ConsentState): void;
  /** Sends what waits now; resolves when everything queued before it was sent (or is back in the outbox). */
  flush(): Promise<void>;
  /** Removes every listener and timer; what waits stays in the outbox for the next page. */
  destroy(): void;
}

/**
 * What a collector sees: the tracker plus a few internal hooks. The `_` names are mangled in the
 * minified builds: they are not part of the public API.
 */
export interface Context extends Tracker {
  /** @internal meta for the next event only (the landing page's click ids): collectors add to it */
  _m: Meta;
  /** @internal consent: true granted, false refused or withdrawn, undefined not stated yet */
  _c?: boolean;
  /** @internal the visitor fingerprint once learned ('' when forgotten); the session's next event carries it */
  _f?: string;
  /**
   * @internal set by the fingerprint collector: called with every new event before it is stored (to
   * add `meta.fp`), and without one when the page is hidden (to add an event that carries it)
   */
  _e?: (event?: WireEvent) => void;
  /** @internal set by the fingerprint collector: called whenever `_c` changes */
  _l?: () => void;
}

/**
 * A collector installs its listeners and returns the function that removes them, or a list of such
 * functions (if it added any): `destroy()` calls them all.
 */
export type Collector = (tracker: Context) => (() => void) | (() => void)[] | void;
