// Debian's Firefox ESR, driven by puppeteer-core over WebDriver BiDi (playwright drives only its own
// patched Firefox, which cannot be downloaded here): one launch line for the tests
// (test/support/engines.ts) and the benchmark (bench/lib/firefox.mjs).
export const FIREFOX_PATH = '/usr/bin/firefox-esr';

export const FIREFOX_LAUNCH = {
  browser: 'firefox',
  executablePath: FIREFOX_PATH,
  headless: true,
  protocol: 'webDriverBiDi',
};
