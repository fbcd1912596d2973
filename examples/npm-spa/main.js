// A single-page app using the npm package. Only what is imported is bundled: leave out a collector
// and none of its code ships. The fingerprint is imported lazily, after consent.
import { clickIds, createTracker, fingerprint, hoverIntent, interactions, pageview, scrollDepth } from 'opsmantik';

const tracker = createTracker({
  site: 'demo',
  // The endpoint defaults to this page's origin.
  collectors: [clickIds(), pageview(), scrollDepth(), hoverIntent(), interactions(), fingerprint()],
});

// The same call style as the script tag, for the shared demo code (and the end-to-end tests).
window.opsmantik = (name, ...args) => tracker[name](...args);
window.demoLead = () => tracker.conversion('lead_form');
