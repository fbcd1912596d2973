import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant (stryker.config.json, `npm run test:mutation`): the
 * tracker's happy-dom tests and the server's pure tests of the wire module and the rules. The
 * database-backed API tests are left out: loading a database for each of hundreds of mutants made
 * the run three times longer, and what they add for these modules the pure tests state directly.
 * Browser tests load the built bundle, which Stryker does not rebuild.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'tracker', include: ['test/tracker/**/*.test.ts'], environment: 'happy-dom' } },
      {
        test: {
          name: 'server',
          include: ['server/test/unit/{wire-rules,clickid-rules}.test.ts', 'server/test/api/{scoring,attribution,clickid-cookie}.test.ts'],
          environment: 'node',
        },
      },
    ],
  },
});
