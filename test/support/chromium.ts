/**
 * Launches Debian's headless Chromium through playwright-core (npm cannot download browsers here).
 * Under CI=true a missing browser fails the run; elsewhere tests may skip, saying so.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';

export const hasChromium = existsSync(CHROMIUM_PATH);

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (!hasChromium) {
    throw new Error(`Chromium is missing at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (npm test does, as root: scripts/setup.mjs).`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, ...options, args: [...CHROMIUM_FLAGS, ...(options.args ?? [])] });
}

/**
 * `describe` when Chromium is there or CI demands it (then launchChromium throws, loudly);
 * otherwise `describe.skip`, with a warning on the console.
 */
export function describeWithChromium<T>(describe: T & { skip: T }): T {
  if (hasChromium || process.env.CI) return describe;
  console.warn(`Skipping real-browser tests: no Chromium at ${CHROMIUM_PATH}.`);
  return describe.skip;
}
