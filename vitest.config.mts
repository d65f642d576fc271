import path from 'node:path';
import { defineConfig } from 'vitest/config';

// A fixed test-only master key: the shared test database keeps keys wrapped by earlier runs.
const TEST_MASTER_KEY = 'dGVuYW50cnktdGVzdC1vbmx5LW1hc3Rlci1rZXktMDE=';

const alias = {
  '@': path.resolve(import.meta.dirname),
  'server-only': path.resolve(import.meta.dirname, 'test-support/empty-module.ts'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'test', ENCRYPTION_MASTER_KEY: TEST_MASTER_KEY },
    // Vitest's default is one worker fewer than the cores: on a 2-core machine one file at a
    // time. On the embedded database every file has its own, so two run side by side (the
    // billing and metering files: 68 s instead of 99 s, back to back on this machine). On a
    // server the files share one database, and platform-wide passes in one file (metering
    // samples, billing runs) would write rows for another file's tenants mid-test: one at a time.
    maxWorkers: process.env.TEST_DB === 'pg' || process.env.TEST_DB === 'neon' ? 1 : 2,
    coverage: {
      provider: 'v8',
      include: ['lib/**/*.ts', 'db/**/*.ts'],
      exclude: [
        '**/*.test.ts',
        'db/schema/**',
        'db/testing/**',
        // Next.js request glue: these run only inside a Next request (headers(), cookies(),
        // Auth.js). The logic they call is covered here; the Playwright suite covers them.
        'lib/actions/context.ts',
        'lib/actions/index.ts',
        'lib/auth/config.ts',
        'lib/auth/index.ts',
      ],
      reporter: ['text-summary', 'text', 'json-summary'],
      // `npm test` runs on PGlite only, where the server drivers' code paths cannot run; CI
      // merges the PGlite, node-postgres and Neon runs and then holds db/ to 90 % as well.
      // A single driver's integration run (COVERAGE_PARTIAL) only feeds the merged report.
      thresholds: process.env.COVERAGE_PARTIAL
        ? {}
        : {
            'lib/**': { lines: 90 },
            'lib/tenancy/**': { lines: 100 },
            'lib/auth/**': { lines: 100 },
            'lib/passwords/**': { lines: 100 },
            'db/scope.ts': { lines: 100 },
            ...(process.env.COVERAGE_ALL_DRIVERS ? { 'db/**': { lines: 90 } } : {}),
          },
    },
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: [
            'lib/**/*.test.ts',
            'db/**/*.test.ts',
            'test-support/**/*.test.ts',
            'middleware.test.ts',
          ],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          env: { LOG_LEVEL: 'silent', ENCRYPTION_MASTER_KEY: TEST_MASTER_KEY },
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['node_modules/**', 'e2e/**'],
          globalSetup: ['test-support/global-setup.ts'],
          env: { LOG_LEVEL: 'silent', ENCRYPTION_MASTER_KEY: TEST_MASTER_KEY },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
