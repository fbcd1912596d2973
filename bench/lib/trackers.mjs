// Every tracker the benchmark loads: which file a website would load, how the page installs it
// (pointed at the local sink instead of the vendor's servers) and how the wire part calls its API.
// Peers run with their defaults; only the endpoints change.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH, ROOT } from './paths.mjs';

const NM = join(BENCH, 'node_modules');

export function versionOf(pkg) {
  const file = join(NM, pkg, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
}

const json = (doc) => ({ type: 'application/json', body: JSON.stringify(doc) });

/** The site's public id, write key or token every tracker is given. */
const KEY = 'bench';

/**
 * @typedef {object} Tracker
 * @property {string} id
 * @property {string} name
 * @property {string} [pkg]         npm package (peers)
 * @property {boolean} [chromiumOnly]  a diagnostic page, left out of part 2b (Firefox)
 * @property {() => boolean} [done]  for a page that computes a fingerprint: true in the page once it has (part 2 waits for it)
 * @property {{file?: string, minify?: string, bundle?: string}} [source]  how to get the loaded file
 * @property {string} [servedAs]    sink path of the loaded file
 * @property {string} loads         one sentence: which file this is and why
 * @property {(sink: string, src: string) => string} head  snippet for <head>
 * @property {{scroll: string, event: (i: number) => string} | null} wire  page-side API calls
 * @property {(sink: string) => Record<string, {type: string, body: string}>} [serves]  vendor documents the sink plays
 */

/** src/fingerprint-chunk.ts's wait (`quiet`: LOOKS, QUIET_MS); test/unit/bench-quiet-synced.test.ts keeps them alike. */
export const CHUNK_WAIT = { looks: 10, pauseMs: 500 };

/** That wait as a page script taking its callback. */
const QUIET_PAGE_SCRIPT =
  `function(done){var seen=-1,looks=${CHUNK_WAIT.looks};function n(){var c=0;performance.eventCounts&&performance.eventCounts.forEach(function(x){c+=x});return c}` +
  `function look(){requestIdleCallback(function(){var x=n();x==seen||!--looks?done():(seen=x,setTimeout(look,${CHUNK_WAIT.pauseMs}))})}look()}`;

/** FingerprintJS computing the visitor id once; the page marks it done in `window.__fp`. */
const FPJS_GET = 'FingerprintJS.load({monitoring:false}).then(function(a){return a.get()}).then(function(r){window.__fp=r.visitorId})';

/** @type {Tracker} */
const FINGERPRINTJS = {
  id: 'fingerprintjs',
  name: 'FingerprintJS alone',
  pkg: '@fingerprintjs/fingerprintjs',
  source: { file: join(NM, '@fingerprintjs/fingerprintjs/dist/fp.min.js') },
  servedAs: '/t/fingerprintjs/fp.min.js',
  loads: '`dist/fp.min.js`, the minified script-tag build; the page calls `load({ monitoring: false })` and `get()` once',
  head: (sink, src) => `<script async src="${src}" onload="${FPJS_GET}"></script>`,
  done: () => !!window.__fp,
  wire: null,
};

/** @type {Tracker[]} */
export const TRACKERS = [
  {
    id: 'none',
    name: 'No tracker (baseline)',
    loads: 'the demo page alone',
    head: () => '',
    wire: null,
  },
  {
    id: 'opsmantik',
    name: 'OpsMantik (script tag)',
    ours: true,
    source: { file: join(ROOT, 'dist', 'opsmantik.min.js') },
    servedAs: '/dist/opsmantik.min.js',
    loads: '`dist/opsmantik.min.js`, the script-tag bundle with every collector; no consent given, so no fingerprint',
    head: (sink, src) => `<script async src="${src}" data-site="${KEY}"></script>`,
    wire: {
      // The same event the scroll-depth collector sends at a milestone.
      scroll: `opsmantik('track', 'scroll', 'depth', undefined, 50)`,
      event: (i) => `opsmantik('track', 'interaction', 'click', 'cta-${i}')`,
    },
  },
  {
    id: 'opsmantik-fp',
    name: 'OpsMantik + fingerprint',
    ours: true,
    source: { file: join(ROOT, 'dist', 'opsmantik.min.js') },
    servedAs: '/dist/opsmantik.min.js',
    loads: 'the same script tag with consent granted, so it also loads its FingerprintJS chunk (`dist/opsmantik-fp.*`) and computes the visitor id in idle time',
    head: (sink, src) =>
      `<script>window.opsmantik=window.opsmantik||function(){(opsmantik.q=opsmantik.q||[]).push(arguments)};opsmantik('consent','granted');</script>` +
      `<script async src="${src}" data-site="${KEY}"></script>`,
    done: () => !!localStorage.om_f,
    wire: {
      scroll: `opsmantik('track', 'scroll', 'depth', undefined, 50)`,
      event: (i) => `opsmantik('track', 'interaction', 'click', 'cta-${i}')`,
    },
  },
  FINGERPRINTJS,
  {
    // Not a peer: FingerprintJS alone again, started at the moment our chunk starts its computation
    // (after load, once the visitor leaves the page alone: CHUNK_WAIT), so that the library's cost
    // at that moment is known apart from anything of ours. Chromium only.
    ...FINGERPRINTJS,
    id: 'fingerprintjs-quiet',
    name: 'FingerprintJS alone, started when ours starts',
    pkg: undefined,
    chromiumOnly: true,
    loads: '`dist/fp.min.js` as above; `load()` and `get()` once the visitor leaves the page alone, as our chunk waits for it',
    // (`window.` because an inline handler resolves names on its own element first: a bare
    // addEventListener would listen on the script element, whose load has passed.)
    head: (sink, src) =>
      `<script async src="${src}" onload="var go=function(){(${QUIET_PAGE_SCRIPT})(function(){${FPJS_GET}})};document.readyState=='complete'?go():window.addEventListener('load',go)"></script>`,
  },
  {
    id: 'plausible',
    name: 'Plausible',
    pkg: '@plausible-analytics/tracker',
    source: { bundle: join(BENCH, 'entries', 'plausible.js') },
    servedAs: '/t/plausible/plausible.min.js',
    loads: 'the npm package ships ES modules only: `bench/entries/plausible.js` (import and `init`) bundled here with rollup, node-resolve and terser into one IIFE',
    head: (sink, src) =>
      `<script>window.plausibleConfig={domain:'bench.example',endpoint:'${sink}/api/event',captureOnLocalhost:true}</script>` +
      `<script async src="${src}"></script>`,
    wire: {
      scroll: `plausible('scroll_depth', { props: { depth: '50' } })`,
      event: (i) => `plausible('click', { props: { label: 'cta-${i}' } })`,
    },
  },
  {
    id: 'snowplow',
    name: 'Snowplow',
    pkg: '@snowplow/browser-tracker',
    source: { file: join(NM, '@snowplow/browser-tracker/dist/index.umd.min.js') },
    servedAs: '/t/snowplow/index.umd.min.js',
    loads: '`dist/index.umd.min.js`, the minified UMD build (global `snowplowBrowserTracking`)',
    head: (sink, src) =>
      `<script async src="${src}" onload="snowplowBrowserTracking.newTracker('sp','${sink}',{appId:'${KEY}'});snowplowBrowserTracking.trackPageView()"></script>`,
    wire: {
      scroll: `snowplowBrowserTracking.trackStructEvent({ category: 'scroll', action: 'depth', value: 50 })`,
      event: (i) => `snowplowBrowserTracking.trackStructEvent({ category: 'interaction', action: 'click', label: 'cta-${i}' })`,
    },
  },
  {
    id: 'segment',
    name: 'Segment',
    pkg: '@segment/analytics-next',
    source: { file: join(NM, '@segment/analytics-next/dist/umd/standalone.js') },
    // The path the Segment snippet loads (`/analytics.js/v1/<write key>/analytics.min.js`); its lazy
    // chunks come from `<cdn>/analytics-next/bundles/`, both served by the sink.
    servedAs: `/analytics.js/v1/${KEY}/analytics.min.js`,
    extraDir: { from: join(NM, '@segment/analytics-next/dist/umd'), to: '/analytics-next/bundles' },
    loads: '`dist/umd/standalone.js`, the build Segment\'s CDN serves as `analytics.min.js` to its snippet (it loads further chunks on demand)',
    head: (sink, src) =>
      `<script>!function(){var a=window.analytics=window.analytics||[];if(a.initialize)return;a._writeKey='${KEY}';a._cdn='${sink}';` +
      `a.methods=['track','page','identify','group','alias','ready','reset','screen','trackSubmit','trackClick','trackLink','trackForm','pageview','on','once','off','addSourceMiddleware','addIntegrationMiddleware','setAnonymousId','addDestinationMiddleware','register'];` +
      `a.factory=function(m){return function(){var x=Array.prototype.slice.call(arguments);x.unshift(m);a.push(x);return a}};` +
      `for(var i=0;i<a.methods.length;i++){var k=a.methods[i];a[k]=a.factory(k)}a.load=function(k,o){a._loadOptions=o};a.SNIPPET_VERSION='5.2.0';a.load('${KEY}');a.page()}();</script>` +
      `<script async src="${src}"></script>`,
    wire: {
      scroll: `analytics.track('scroll_depth', { depth: 50 })`,
      event: (i) => `analytics.track('click', { label: 'cta-${i}' })`,
    },
    serves: (sink) => {
      const host = sink.replace(/^https?:\/\//, '') + '/v1';
      return {
        [`/v1/projects/${KEY}/settings`]: json({
          integrations: { 'Segment.io': { apiKey: KEY, apiHost: host, protocol: 'http', unbundledIntegrations: [], addBundledMetadata: true, maybeBundledConfigIds: {} } },
          plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
          edgeFunction: {},
          analyticsNextEnabled: true,
          middlewareSettings: {},
          enabledMiddleware: {},
          metrics: { sampleRate: 0.1, host, protocol: 'http' },
          legacyVideoPluginsEnabled: false,
          remotePlugins: [],
        }),
      };
    },
  },
  {
    id: 'rudderstack',
    name: 'RudderStack',
    pkg: '@rudderstack/analytics-js',
    source: { minify: join(NM, '@rudderstack/analytics-js/dist/npm/modern/bundled/umd/index.js') },
    servedAs: '/t/rudderstack/rsa.bundled.min.js',
    loads: '`dist/npm/modern/bundled/umd/index.js`, minified here with terser (the package ships it unminified). The bundled build carries the plugins that the CDN build fetches from RudderStack\'s CDN after load, so it runs without their servers',
    head: (sink, src) =>
      `<script async src="${src}" onload="window.rudder=new rudderanalytics.RudderAnalytics();rudder.load('${KEY}','${sink}',{configUrl:'${sink}'});rudder.page()"></script>`,
    wire: {
      scroll: `rudder.track('scroll_depth', { depth: 50 })`,
      event: (i) => `rudder.track('click', { label: 'cta-${i}' })`,
    },
    serves: () => ({
      '/sourceConfig/': json({ source: { id: 'src-bench', name: 'bench', workspaceId: 'ws-bench', enabled: true, config: {}, destinations: [] } }),
    }),
  },
  {
    id: 'posthog',
    name: 'PostHog',
    pkg: 'posthog-js',
    source: { file: join(NM, 'posthog-js/dist/array.js') },
    servedAs: '/static/array.js',
    loads: '`dist/array.js`, the file PostHog\'s snippet loads from its CDN (`/static/array.js`); it may load extensions later, which the local sink does not ask for',
    head: (sink, src) => `<script async src="${src}" onload="posthog.init('phc_${KEY}',{api_host:'${sink}'})"></script>`,
    // The remote config script PostHog's CDN serves per project, here with nothing turned on.
    serves: () => ({
      [`/array/phc_${KEY}/config.js`]: {
        type: 'text/javascript',
        body: `(window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{})['phc_${KEY}']={config:{},siteApps:[]};`,
      },
    }),
    wire: {
      scroll: `posthog.capture('scroll_depth', { depth: 50 })`,
      event: (i) => `posthog.capture('click', { label: 'cta-${i}' })`,
    },
  },
];

/** Other files of note that a site might load instead; measured in part 1 for reference only. */
export const ALTERNATIVES = [
  { name: 'RudderStack core (npm `modern/umd`, minified here), plugins not included', pkg: '@rudderstack/analytics-js', source: { minify: join(NM, '@rudderstack/analytics-js/dist/npm/modern/umd/index.js') } },
  { name: 'PostHog `array.full.js` (with recorder, surveys and more)', pkg: 'posthog-js', source: { file: join(NM, 'posthog-js/dist/array.full.js') } },
];
