/**
 * `npm run db:seed` — inserts the demo tenants (acme, globex, initech) into a server database.
 * The embedded database is seeded by the app itself on first start.
 */
import { getDatabase } from '@/db/runtime';
import { seedDemoData } from '@/db/seed';
import { databaseDriver, env } from '@/lib/env';

async function main(): Promise<void> {
  if (databaseDriver(env()) === 'pglite') {
    console.log('The embedded database is seeded by the app on first start (`npm run dev`); nothing to do.');
    return;
  }
  const handle = await getDatabase();
  const inserted = await seedDemoData(handle.db, { onlyIfEmpty: true });
  await handle.close();
  console.log(inserted ? 'Demo tenants seeded.' : 'The database already has tenants; seed skipped.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
