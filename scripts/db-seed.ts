/**
 * `npm run db:seed` — inserts the demo tenants (acme, globex, initech) and the demo operator
 * into a server database, then applies PLATFORM_ADMIN_EMAIL (the app also applies it at every
 * start). The embedded database is seeded by the app itself on first start.
 */
import { getDatabase } from '@/db/runtime';
import { seedDemoData } from '@/db/seed';
import { databaseDriver, env } from '@/lib/env';
import { ensurePlatformAdmin } from '@/lib/operators';

async function main(): Promise<void> {
  if (databaseDriver(env()) === 'pglite') {
    console.log(
      'The embedded database is seeded by the app on first start (`npm run dev`); nothing to do.',
    );
    return;
  }
  const handle = await getDatabase();
  try {
    const inserted = await seedDemoData(handle.db, { onlyIfEmpty: true });
    console.log(
      inserted
        ? 'Demo tenants and operator seeded.'
        : 'The database already has tenants; seed skipped.',
    );
    const { PLATFORM_ADMIN_EMAIL } = env();
    if (PLATFORM_ADMIN_EMAIL) {
      const outcome = await ensurePlatformAdmin(PLATFORM_ADMIN_EMAIL, handle.db);
      console.log(
        outcome === 'no_such_user'
          ? `PLATFORM_ADMIN_EMAIL: no user ${PLATFORM_ADMIN_EMAIL} yet; sign up with it, then run this again (or restart the app).`
          : `PLATFORM_ADMIN_EMAIL: ${PLATFORM_ADMIN_EMAIL} is a platform operator.`,
      );
    }
  } finally {
    await handle.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
