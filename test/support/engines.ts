/**
 * The two browser engines the real-browser tracker tests run in, behind one small driver: Debian's
 * Chromium through playwright-core, and Debian's Firefox ESR through puppeteer-core over WebDriver
 * BiDi (playwright drives only its own patched Firefox, which cannot be downloaded here). A test
 * written against these interfaces runs unchanged in both: `describeEachEngine`.
 *
 * Under CI=true a missing browser fails the run (its launch throws, naming the package); elsewhere
 * that engine's tests skip, with a warning.
 */
import { existsSync } from 'node:fs';
import type { BrowserContext as PlaywrightContext, Page as PlaywrightPage } from 'playwright-core';
import puppeteer, { type BrowserContext as PuppeteerContext, type Page as PuppeteerPage } from 'puppeteer-core';
import { FIREFOX_LAUNCH, FIREFOX_PATH } from '../../scripts/firefox.mjs';
import { CHROMIUM_PATH } from '../../scripts/chromium.mjs';
import { launchChromium } from './chromium.js';

/** What the tests do with a page: the common ground of both drivers, shaped like playwright's Page. */
export interface EnginePage {
  goto(url: string): Promise<void>;
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Resolves once `fn` returns something truthy in the page (polled), rejects after `timeout` ms. */
  waitForFunction(fn: () => unknown, timeout?: number): Promise<void>;
  /** A trusted click (through the engine's input) on the centre of the first match, scrolled into view. */
  click(selector: string): Promise<void>;
  /** Moves the pointer onto the first match and leaves it there. */
  hover(selector: string): Promise<void>;
  /** One trusted wheel event at the pointer, `dy` pixels down. */
  wheel(dy: number): Promise<void>;
  close(): Promise<void>;
}

/** One fresh profile: its own storage, shared by its pages (tabs). */
export interface EngineContext {
  newPage(): Promise<EnginePage>;
  /** Every page of the context, open or opened later, loses (or regains) the network, with the offline/online events. */
  setOffline(offline: boolean): Promise<void>;
  /** Runs `fn(arg)` in every page opened later, before the page's own scripts. */
  addInitScript<A>(fn: (arg: A) => void, arg: A): Promise<void>;
  close(): Promise<void>;
}

export interface ContextOptions {
  viewport?: { width: number; height: number };
  /** Instead of the engine's own (headless Chromium's says "HeadlessChrome", which bot filters drop). */
  userAgent?: string;
}

export interface EngineBrowser {
  newContext(options?: ContextOptions): Promise<EngineContext>;
  close(): Promise<void>;
}

export interface Engine {
  name: 'Chromium' | 'Firefox';
  /** The browser binary is installed. */
  available: boolean;
  launch(): Promise<EngineBrowser>;
}

const DEFAULT_WAIT = 30_000;

// ---- Chromium: playwright-core ------------------------------------------------------------------

function playwrightPage(page: PlaywrightPage): EnginePage {
  return {
    goto: async (url) => void (await page.goto(url)),
    evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => never, arg),
    waitForFunction: async (fn, timeout = DEFAULT_WAIT) => void (await page.waitForFunction(fn, undefined, { timeout })),
    click: (selector) => page.click(selector),
    hover: (selector) => page.hover(selector),
    wheel: (dy) => page.mouse.wheel(0, dy),
    close: () => page.close(),
  };
}

function playwrightContext(context: PlaywrightContext): EngineContext {
  return {
    newPage: async () => playwrightPage(await context.newPage()),
    setOffline: (offline) => context.setOffline(offline),
    addInitScript: async (fn, arg) => void (await context.addInitScript(fn as (a: unknown) => void, arg)),
    close: () => context.close(),
  };
}

const chromium: Engine = {
  name: 'Chromium',
  available: existsSync(CHROMIUM_PATH),
  async launch() {
    const browser = await launchChromium();
    return {
      newContext: async (options = {}) => playwrightContext(await browser.newContext(options)),
      close: () => browser.close(),
    };
  },
};

// ---- Firefox: puppeteer-core over WebDriver BiDi -------------------------------------------------

function puppeteerPage(page: PuppeteerPage, onClose: () => void): EnginePage {
  return {
    goto: async (url) => void (await page.goto(url)),
    evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => never, arg),
    // Polled on a timer: puppeteer's default polls on animation frames.
    waitForFunction: async (fn, timeout = DEFAULT_WAIT) => void (await page.waitForFunction(fn, { timeout, polling: 50 })),
    click: (selector) => page.click(selector),
    hover: (selector) => page.hover(selector),
    wheel: (dy) => page.mouse.wheel({ deltaY: dy }),
    close: async () => {
      onClose();
      await page.close();
    },
  };
}

/**
 * WebDriver BiDi sets network conditions per tab (`emulation.setNetworkConditions` with `contexts`),
 * where playwright sets them per context: the context keeps the state and applies it to each of its
 * pages, including those opened while offline.
 */
function puppeteerContext(context: PuppeteerContext, { viewport, userAgent }: ContextOptions): EngineContext {
  const pages = new Set<PuppeteerPage>();
  const initScripts: Array<[(arg: never) => void, unknown]> = [];
  let offline = false;
  return {
    async newPage() {
      // A window of its own, as each playwright page is: a second tab would hide the first
      // (visibilitychange), which changes what the tracker does.
      const page = await context.newPage({ type: 'window' });
      pages.add(page);
      if (viewport) await page.setViewport(viewport);
      if (userAgent) await page.setUserAgent({ userAgent });
      for (const [fn, arg] of initScripts) await page.evaluateOnNewDocument(fn, arg as never);
      if (offline) await page.setOfflineMode(true);
      return puppeteerPage(page, () => pages.delete(page));
    },
    async setOffline(value) {
      offline = value;
      for (const page of pages) await page.setOfflineMode(value);
    },
    addInitScript: async (fn, arg) => void initScripts.push([fn as (arg: never) => void, arg]),
    close: () => context.close(),
  };
}

const firefox: Engine = {
  name: 'Firefox',
  available: existsSync(FIREFOX_PATH),
  async launch() {
    if (!existsSync(FIREFOX_PATH)) {
      throw new Error(`Firefox ESR is missing at ${FIREFOX_PATH}: install it with \`apt-get install -y firefox-esr\` (npm test does, as root: scripts/setup.mjs).`);
    }
    const browser = await puppeteer.launch(FIREFOX_LAUNCH);
    return {
      newContext: async (options = {}) => puppeteerContext(await browser.createBrowserContext(), options),
      close: () => browser.close(),
    };
  },
};

export const ENGINES: readonly Engine[] = [chromium, firefox];

/**
 * One `describe(`${title} in ${engine}`)` per engine, with the same body. An engine whose browser is
 * not installed is skipped with a warning, except under CI=true, where its launch fails the run.
 */
export function describeEachEngine(describe: ((name: string, body: () => void) => void) & { skip: (name: string, body: () => void) => void }, title: string, body: (engine: Engine) => void): void {
  for (const engine of ENGINES) {
    const name = `${title} in ${engine.name}`;
    if (engine.available || process.env.CI) describe(name, () => body(engine));
    else {
      console.warn(`Skipping ${name}: ${engine.name} is not installed.`);
      describe.skip(name, () => body(engine));
    }
  }
}
