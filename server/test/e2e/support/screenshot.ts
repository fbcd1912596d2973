/**
 * `npx tsx server/test/e2e/support/screenshot.ts [out.png]`: docs/live-view.png, the live view after a
 * scripted visit. Three visitors on the demo server (embedded database): one lands from an ad,
 * reads, calls and sends the form; comes back later to the SPA and scrolls; another arrives from a
 * Google search through the tag-manager page. Needs `npm run build` first.
 */
import { fileURLToPath } from 'node:url';
import { launchBrowser, newVisitor } from './browser.js';
import { startDemoServer } from './server.js';
import { callPhone, grantConsent, restOnPhone, scrollToBottom, secondRoute, submitForm, trackerReady } from '../../../../test/support/ways.js';

const out = process.argv[2] ?? fileURLToPath(new URL('../../../../docs/live-view.png', import.meta.url));
const server = await startDemoServer('pglite');
const browser = await launchBrowser();
try {
  const owner = await newVisitor(browser, { viewport: { width: 1280, height: 860 } });
  const live = await owner.newPage();
  await live.goto(server.liveUrl());
  await live.locator('#status[data-state="live"]').waitFor();

  const ada = await newVisitor(browser);
  const landing = await ada.newPage();
  await landing.goto(`${server.url}/script-tag/?gclid=Cj0KCQiA-demo-click&utm_source=google&utm_medium=cpc&utm_campaign=emergency`);
  await trackerReady(landing);
  await grantConsent(landing);
  await scrollToBottom(landing);
  await restOnPhone(landing);
  await callPhone(landing);
  await secondRoute(landing);
  await submitForm(landing);
  await landing.close();
  await live.locator('#calls [data-call][data-matched-session]').waitFor({ timeout: 15_000 });

  const back = await ada.newPage();
  await back.clock.install({ time: Date.now() + 40 * 60_000 });
  await back.goto(`${server.url}/npm-spa/`);
  await trackerReady(back);
  await scrollToBottom(back);
  await back.close();
  await live.locator('#sessions [data-attribution="ads_assisted"]').waitFor({ timeout: 15_000 });

  const ben = await newVisitor(browser);
  const searched = await ben.newPage();
  await searched.goto(`${server.url}/tag-manager/`, { referer: 'https://www.google.com/' });
  await trackerReady(searched);
  await searched.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight * 0.45));
  // The milestones are measured on the next animation frame.
  await searched.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await searched.close();
  // 5 for the Google referrer, 10 for half the page.
  await live.locator('#sessions [data-attribution="organic"][data-score="15"]').waitFor({ timeout: 15_000 });

  // Let the highlight of the last change fade, then take the picture.
  await live.waitForTimeout(1500);
  await live.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
