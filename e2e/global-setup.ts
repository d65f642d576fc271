import { E2EDatabase } from './support/database';
import { E2E_DATABASE } from './support/env';

/**
 * Runs after the web server is up (Playwright starts `webServer` first; e2e/start-server.ts
 * has prepared and seeded the database by then). Checks the suite talks to the database the
 * server uses, and returns the teardown, which removes what interrupted runs left behind.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const db = new E2EDatabase();
  try {
    const acme = await db.tenantBySlug('acme').catch((error: unknown) => {
      throw new Error(
        `Cannot read the ${E2E_DATABASE} database: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    if (!acme) {
      throw new Error(
        `${E2E_DATABASE} has no seeded tenants. A server not started by e2e/start-server.ts is probably ` +
          'listening on the e2e port; stop it, or run with CI=1 so Playwright refuses to reuse it.',
      );
    }
  } finally {
    await db.close();
  }

  return async () => {
    const leftovers = new E2EDatabase();
    try {
      const removed = await leftovers.purgeLeftovers();
      if (removed.tenants || removed.users) {
        console.log(
          `[e2e] removed ${removed.tenants} stale tenant(s) and ${removed.users} stale user(s)`,
        );
      }
    } finally {
      await leftovers.close();
    }
  };
}
