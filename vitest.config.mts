import path from 'node:path';
import { defineConfig } from 'vitest/config';

const alias = {
  '@': path.resolve(import.meta.dirname),
  'server-only': path.resolve(import.meta.dirname, 'test-support/empty-module.ts'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    coverage: {
      provider: 'v8',
      include: ['lib/**/*.ts', 'db/**/*.ts'],
      exclude: ['**/*.test.ts', 'db/schema/**', 'db/testing/**', 'lib/actions/context.ts', 'lib/auth/config.ts'],
      reporter: ['text-summary', 'text', 'json-summary'],
      thresholds: {
        lines: 90,
        'lib/tenancy/**': { lines: 100 },
        'db/scope.ts': { lines: 100 },
        'lib/auth/**': { lines: 100 },
      },
    },
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['lib/**/*.test.ts', 'db/**/*.test.ts', 'test-support/**/*.test.ts', 'middleware.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          env: { LOG_LEVEL: 'silent' },
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['node_modules/**', 'e2e/**'],
          globalSetup: ['test-support/global-setup.ts'],
          env: { LOG_LEVEL: 'silent' },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
