import type { TestProject } from 'vitest/node';
import { startNeonWsProxy } from './neon-ws-proxy';
import { prepareServerDatabase } from './server-database';

declare module 'vitest' {
  export interface ProvidedContext {
    testDb: 'pglite' | 'pg' | 'neon';
    databaseUrl: string;
    /** The same database as its owner (a superuser here): for tests that must act outside the app roles. */
    ownerDatabaseUrl: string;
    neonWsProxy: string;
  }
}

/** Integration suites run on PGlite (default), or on the local PostgreSQL via `pg` or Neon's driver. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const testDb = (process.env.TEST_DB ?? 'pglite') as 'pglite' | 'pg' | 'neon';
  project.provide('testDb', testDb);
  project.provide('databaseUrl', '');
  project.provide('ownerDatabaseUrl', '');
  project.provide('neonWsProxy', '');
  if (testDb === 'pglite') return async () => {};

  const { appUrl, ownerUrl } = await prepareServerDatabase(`tenantry_test_${testDb}`);
  project.provide('databaseUrl', appUrl);
  project.provide('ownerDatabaseUrl', ownerUrl);
  if (testDb === 'pg') return async () => {};

  const proxy = await startNeonWsProxy();
  project.provide('neonWsProxy', proxy.address);
  return () => proxy.close();
}
