// Headless Debian Chromium through playwright-core, with the project's flags. Every host but the
// two local servers resolves to nothing, so a tracker that tries its vendor's servers fails at once
// (and the attempt is recorded) instead of waiting on a network that is not there.
import { chromium } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH, ROOT } from './paths.mjs';
import { TRACKERS } from './trackers.mjs';
import { materialise } from './assets.mjs';
import { startServers } from './server.mjs';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, LOCAL_ONLY_FLAG } from '../../scripts/chromium.mjs';

export { CHROMIUM_FLAGS };

export async function launch() {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is not at ${CHROMIUM_PATH}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      ...CHROMIUM_FLAGS,
      LOCAL_ONLY_FLAG,
      // navigator.webdriver stays false, as for a visitor: PostHog and Plausible drop events from
      // automated browsers.
      '--disable-blink-features=AutomationControlled',
    ],
    ignoreDefaultArgs: ['--enable-automation'],
  });
}

/**
 * Returns a function that opens a fresh context as a desktop visitor would arrive: headless Chromium's
 * own user agent says "HeadlessChrome", which bot filters drop.
 */
export async function contextFactory(browser) {
  const ua = (await browser.newContext().then(async (c) => {
    const p = await c.newPage();
    const v = await p.evaluate(() => navigator.userAgent);
    await c.close();
    return v;
  })).replace('HeadlessChrome', 'Chrome');
  return () => browser.newContext({ userAgent: ua, viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
}

/** Builds every tracker's file and starts the site and the sink. Trackers whose file is missing are left out. */
export async function prepare(ids) {
  const pageTemplate = readFileSync(join(BENCH, 'fixtures', 'page.html'), 'utf8');
  const files = new Map();
  const docs = new Map();
  const dirs = [];
  const available = [];
  const missing = [];
  for (const t of TRACKERS.filter((x) => !ids || ids.includes(x.id))) {
    if (t.source) {
      const file = await materialise(t.source, t.id);
      if (!file) {
        missing.push(t.id);
        continue;
      }
      files.set(t.servedAs, file);
    }
    if (t.extraDir) dirs.push([`${t.extraDir.to}/`, t.extraDir.from]);
    available.push(t);
  }
  // Our script tag loads its fingerprint chunk from next to itself: serve dist/ as it is.
  if (available.some((t) => t.ours)) dirs.push(['/dist/', join(ROOT, 'dist')]);
  const servers = await startServers({
    pageTemplate,
    files,
    docs,
    dirs,
    headFor: (id, sink) => {
      const t = available.find((x) => x.id === id);
      return t ? t.head(sink, t.servedAs ? sink + t.servedAs : '') : undefined;
    },
  });
  // Vendor documents name the sink's own address, known only once it listens.
  for (const t of available) {
    if (t.serves) for (const [path, doc] of Object.entries(t.serves(servers.sinkOrigin))) docs.set(path, doc);
  }
  return { servers, trackers: available, missing };
}
