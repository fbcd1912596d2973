// Debian's Chromium and the flags this machine needs (DEVELOPERS.md): one list for the tests
// (test/support/chromium.ts) and the benchmark (bench/lib/browser.mjs).
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  // Without these, Chromium's background connections are refused by the closed network, many at a time.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// Nothing but this machine: every other host resolves to nothing, so a stray request to the
// internet fails at once instead of hanging (the end-to-end tests and the benchmark).
export const LOCAL_ONLY_FLAG = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1';
