import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` needs at most a database (PGlite, or the Postgres server CI starts);
 * `temporal` is every `*.temporal.test.ts`, and only it boots the Temporal dev server.
 * `pnpm test:unit` therefore never starts Temporal.
 */
const everyTest = ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'];
const temporalTests = ['packages/*/src/**/*.temporal.test.ts', 'packages/*/test/**/*.temporal.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: everyTest, exclude: [...temporalTests, '**/node_modules/**'] } },
      {
        extends: true,
        test: { name: 'temporal', include: temporalTests, globalSetup: ['packages/worker/vitest.global-setup.ts'] },
      },
    ],
  },
});
