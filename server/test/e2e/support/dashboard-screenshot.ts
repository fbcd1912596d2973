/**
 * `npx tsx server/test/e2e/support/dashboard-screenshot.ts [docs-folder]`: docs/dashboard.png (desktop),
 * docs/dashboard-phone.png (390 px wide) and docs/dashboard-lead.png (a lead's timeline), from a demo
 * server (embedded database) whose demo site is seeded with three months of history
 * (server/test/support/dashboard-seed.ts). Needs no tracker build.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, newVisitor } from './browser.js';
import { startDemoServer } from './server.js';
import { seedDashboard } from '../../support/dashboard-seed.js';

const docs = process.argv[2] ?? fileURLToPath(new URL('../../../../docs/', import.meta.url));
const server = await startDemoServer('pglite', { checkBuild: false });
const browser = await launchBrowser();
const DAY = 86_400_000;
try {
  const now = Date.now();
  await seedDashboard(server.db, server.demo.id, { sessions: 2500, eventsPerSession: 5, now });
  const from = new Date(now - 29 * DAY).toISOString().slice(0, 10);
  const to = new Date(now).toISOString().slice(0, 10);
  const open = async (page: Page, query: string) => {
    await page.goto(`${server.dashboardUrl()}?site=demo&period=custom&from=${from}&to=${to}${query}`);
    if (await page.locator('#signin').isVisible()) {
      await page.fill('#signin [name=token]', server.demo.liveToken);
      await page.press('#signin [name=token]', 'Enter');
    }
    await page.locator('#status[data-state="live"]').waitFor();
    await page.locator('body[data-loading="false"]').waitFor({ state: 'attached' });
  };

  const owner = await newVisitor(browser, { viewport: { width: 1280, height: 900 } });
  const page = await owner.newPage();
  await open(page, '');
  await page.locator('#signin').waitFor({ state: 'hidden' });
  await open(page, '&source=google');
  // The top of the page and the first leads: the full list is 100 rows long.
  await page.screenshot({ path: join(docs, 'dashboard.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1700 } });
  // A lead that converted and called.
  const [lead] = await server.db.query<{ id: string; month: string }>(
    `select s.id::text as id, to_char(s.created_month, 'YYYY-MM') as month from public.sessions s
      where s.site_id = $1::uuid and s.lead_score % 6 = 0 and exists (select 1 from public.calls c where c.matched_session_id = s.id)
      order by s.created_at desc limit 1`,
    [server.demo.id],
  );
  await open(page, `&lead=${lead!.id}&month=${lead!.month}`);
  await page.locator('.lead-page .timeline li.call').waitFor();
  await page.screenshot({ path: join(docs, 'dashboard-lead.png') });

  const phone = await newVisitor(browser, { viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 1 });
  const small = await phone.newPage();
  await open(small, '');
  await small.screenshot({ path: join(docs, 'dashboard-phone.png') });
  console.log(`wrote dashboard.png, dashboard-lead.png and dashboard-phone.png in ${docs}`);
} finally {
  await browser.close();
  await server.close();
}
