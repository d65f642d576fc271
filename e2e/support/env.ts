/**
 * Where the end-to-end suite runs: one `next start` on a fixed port, a root domain of
 * `localhost:<port>` (Chromium resolves `*.localhost` to loopback by itself) and a database
 * of its own on the local PostgreSQL. Shared by playwright.config.ts, the server launcher
 * and the fixtures, so every piece agrees without passing anything around.
 */

export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const ROOT_DOMAIN = `localhost:${E2E_PORT}`;
export const ROOT_URL = `http://${ROOT_DOMAIN}`;

/** A fixed, test-only secret: sessions minted by one run's server verify on a reused one. */
export const E2E_AUTH_SECRET = 'tenantry-e2e-only-auth-secret-do-not-use-0123456789';

/** A fixed, test-only master key (32 bytes, base64) for the server, its jobs and the fixtures. */
export const E2E_MASTER_KEY = 'ZTJlLW9ubHktdGVuYW50cnktbWFzdGVyLWtleS0wMDE=';

export const E2E_DATABASE = 'tenantry_e2e';

/**
 * The superuser URL of the e2e database (the owner of its tables). Built the way
 * test-support/server-database.ts builds it, from the same TEST_ADMIN_DATABASE_URL.
 */
export function ownerDatabaseUrl(): string {
  const url = new URL(
    process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  );
  url.pathname = `/${E2E_DATABASE}`;
  return url.toString();
}

/** `http://<slug>.localhost:3100` */
export function tenantOrigin(slug: string): string {
  return `http://${slug}.${ROOT_DOMAIN}`;
}

/** Slugs and e-mails the suite creates start with these, so leftovers can be found and removed. */
export const E2E_SLUG_PREFIX = 'e2e-';
export const E2E_EMAIL_DOMAIN = 'e2e.test';
