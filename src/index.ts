export { createTracker } from './tracker/createTracker.js';
export { pageview } from './collectors/pageview.js';
export { scrollDepth, type ScrollDepthOptions } from './collectors/scrollDepth.js';
export { hoverIntent, type HoverIntentOptions } from './collectors/hoverIntent.js';
export { interactions, type InteractionsOptions } from './collectors/interactions.js';
export { clickIds } from './collectors/clickIds.js';
export { fingerprint, type FingerprintOptions } from './collectors/fingerprint.js';
export type { Collector, ConsentState, Context, Meta, Tracker, TrackerOptions } from './tracker/types.js';
export type { WireEvent } from './wire.js';
