import { defineConfig, devices } from '@playwright/test';
import { E2E_MASTER_KEY, ROOT_URL, tenantOrigin } from './e2e/support/env';

const CI = !!process.env.CI;

/**
 * End-to-end suite: Debian's Chromium (Playwright's browser download does not work here)
 * against `next start` on the production build. `npm run build` must have run first;
 * e2e/start-server.ts prepares the `tenantry_e2e` database, seeds it and starts the server.
 */
export default defineConfig({
  testDir: './e2e',
  fullyParallel: true,
  forbidOnly: CI,
  retries: CI ? 1 : 0,
  // Two cores: one for the server, one for the browsers and the test runner.
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  globalSetup: './e2e/global-setup.ts',
  use: {
    // Specs on a fresh tenant get its portal as baseURL (e2e/fixtures.ts); this is the default.
    baseURL: tenantOrigin('acme'),
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
  ],
  webServer: {
    command: 'npx tsx --conditions=react-server e2e/start-server.ts',
    // The seed seals the demo documents under keys wrapped by the server's master key.
    env: { ENCRYPTION_MASTER_KEY: E2E_MASTER_KEY },
    url: `${ROOT_URL}/api/health`,
    reuseExistingServer: !CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
});
