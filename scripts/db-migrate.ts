/**
 * `npm run db:migrate` — applies committed migrations to the configured database.
 * On the embedded database the app migrates itself at start; this command refuses while
 * the app holds the directory, since two processes on one PGlite directory lose writes.
 */
import path from 'node:path';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { runMigrations } from '@/db/migrate';
import { acquireDirectoryLock } from '@/db/runtime';
import { databaseDriver, env } from '@/lib/env';

async function main(): Promise<void> {
  const config = env();
  const driver = databaseDriver(config);
  if (driver === 'pglite') {
    const dir = path.resolve(config.PGLITE_DIR);
    fs.mkdirSync(dir, { recursive: true });
    acquireDirectoryLock(dir);
    const pglite = await PGlite.create(dir);
    await runMigrations({ driver, pglite });
    await pglite.close();
  } else if (config.DATABASE_URL) {
    await runMigrations(
      driver === 'pg'
        ? { driver, url: config.DATABASE_URL }
        : { driver, url: config.DATABASE_URL, wsProxy: config.NEON_WS_PROXY },
    );
  }
  console.log(`Migrations applied (${driver}).`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
