/**
 * Headless Debian Chromium for the end-to-end tests: one browser per test file, a context per
 * visitor. The context's user agent is an ordinary desktop Chrome: headless Chromium's own says
 * "HeadlessChrome", which the server's bot filter answers without storing anything.
 */
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { LOCAL_ONLY_FLAG } from '../../../../scripts/chromium.mjs';
import { launchChromium } from '../../../../test/support/chromium.js';

export const DESKTOP_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Debian Chromium (a missing one fails the run: these tests have no other way to run). */
export function launchBrowser(): Promise<Browser> {
  // Nothing but this machine: a stray request to the internet fails at once instead of hanging.
  return launchChromium({ args: ['--disable-dev-shm-usage', LOCAL_ONLY_FLAG] });
}

let visitors = 0;

/**
 * A fresh visitor: its own storage and cookies, a desktop user agent and a desktop-sized window.
 * One browser on one machine has one fingerprint; each visitor here gets a screen size of its own,
 * so that their fingerprints differ, as two people's would (attribution and call matching go by it).
 */
export function newVisitor(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  visitors += 1;
  const screen = { width: 1280 + visitors * 16, height: 800 + (visitors % 7) * 8 };
  return browser.newContext({ userAgent: DESKTOP_UA, viewport: { width: 1280, height: 800 }, screen, ...options });
}
