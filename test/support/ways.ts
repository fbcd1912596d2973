/**
 * The three ways in, as the demo serves them, and what a test does on each page. Every demo page
 * has the same landmarks (docs/pipeline.md, "The demo pages"): a consent banner, a page several
 * screens tall with a tel: link at the bottom, a second route changed through history.pushState,
 * and a quote form.
 */
import type { Page } from 'playwright-core';

export const WAYS = [
  { name: 'script tag', path: '/script-tag/' },
  { name: 'npm SPA', path: '/npm-spa/' },
  { name: 'tag manager', path: '/tag-manager/' },
] as const;

export type Way = (typeof WAYS)[number];

export const PHONE = '+12025550123';

/** Every landmark the tests use, by page. */
export const LANDMARKS = ['consent-accept', 'call-link', 'route-second', 'lead-form', 'lead-thanks'];

/** Fails at once, naming what is missing, when a demo page lacks a landmark the tests use. */
export async function checkPages(baseUrl: string): Promise<void> {
  const problems: string[] = [];
  for (const way of WAYS) {
    const res = await fetch(`${baseUrl}${way.path}`);
    const html = res.ok ? await res.text() : '';
    if (!res.ok) problems.push(`${way.path}: HTTP ${res.status}`);
    else for (const id of LANDMARKS) if (!new RegExp(`id=["']${id}["']`).test(html)) problems.push(`${way.path}: no #${id}`);
  }
  if (problems.length) throw new Error(`The demo pages are not what the e2e tests drive: ${problems.join('; ')}`);
}

/** Run in the page: whether the tracker has replaced the stub (so queued calls have run). */
export const trackerLoaded = (): boolean => {
  const api = (window as unknown as { opsmantik?: ((...args: unknown[]) => void) & { q?: unknown } }).opsmantik;
  return typeof api === 'function' && !api.q;
};

/** Waits until the tracker has replaced the stub. */
export async function trackerReady(page: Page): Promise<void> {
  await page.waitForFunction(trackerLoaded);
}

/** Run in the page: the visitor's fingerprint once the page has learned it (cached for a day in localStorage). */
export const fingerprintKnown = (): unknown => JSON.parse(localStorage.getItem('om_f') || 'null')?.[0];

/** Waits until the page has learned the visitor's fingerprint. */
export async function fingerprintReady(page: Page): Promise<void> {
  await page.waitForFunction(fingerprintKnown, undefined, { timeout: 30_000 });
}

export async function grantConsent(page: Page): Promise<void> {
  await page.click('#consent-accept');
}

export async function scrollToBottom(page: Page): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  // The milestones are measured on the next animation frame.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Rests the pointer on the tel: link for longer than the default dwell (300 ms), as a reader would. */
export async function restOnPhone(page: Page): Promise<void> {
  await page.hover('#call-link');
  await page.waitForTimeout(500);
}

/**
 * Clicks the tel: link. On a phone the dialer would open; headless Chromium has no tel: handler,
 * and after trying to launch one it stops delivering input to the page. So the page's own default
 * action is prevented (in a listener that runs after the tracker's), as a dialer app taking over would.
 */
export async function callPhone(page: Page): Promise<void> {
  await page.evaluate(preventDialer);
  await page.click('#call-link');
}

/** Run in the page: `tel:` links keep their default action from now on (see callPhone). */
export const preventDialer = (): void =>
  document.addEventListener('click', (e) => {
    if ((e.target as Element).closest?.('a[href^="tel:"]')) e.preventDefault();
  });

export async function secondRoute(page: Page): Promise<void> {
  await page.click('#route-second');
  await page.waitForURL(/page=pricing/);
}

export async function submitForm(page: Page): Promise<void> {
  await page.fill('#lead-form [name=email]', 'lead@example.com');
  // Enter submits through the form's submit button (a click on it, as the spec has it) without
  // leaving the pointer resting on it, which would be a hover intent of its own.
  await page.press('#lead-form [name=email]', 'Enter');
  await page.locator('#lead-thanks').waitFor({ state: 'visible' });
}
