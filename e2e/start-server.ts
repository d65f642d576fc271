/**
 * The end-to-end suite's web server (playwright.config.ts `webServer.command`):
 *
 * 1. drops and recreates the `tenantry_e2e` database on the local PostgreSQL, migrates it and
 *    creates the non-superuser login role (test-support/server-database.ts);
 * 2. seeds the demo tenants (acme, globex, suspended initech) through the platform path;
 * 3. execs `next start` on the production build with that database.
 *
 * The database has to exist before the server starts (instrumentation.ts connects and checks
 * the schema at boot) and Playwright starts `webServer` *before* globalSetup, so this cannot
 * live in globalSetup. Run with `tsx --conditions=react-server` so that db/scope.ts's
 * `server-only` import resolves to its empty server build, as `npm run db:seed` does.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '@/db/client';
import { seedDemoData } from '@/db/seed';
import { prepareServerDatabase } from '@/test-support/server-database';
import {
  E2E_AUTH_SECRET,
  E2E_DATABASE,
  E2E_MASTER_KEY,
  E2E_PORT,
  ROOT_DOMAIN,
} from './support/env';

async function main(): Promise<void> {
  if (!fs.existsSync(path.join('.next', 'BUILD_ID'))) {
    throw new Error('No production build in .next: run `npm run build` before `npm run test:e2e`.');
  }

  const started = performance.now();
  const { appUrl } = await prepareServerDatabase(E2E_DATABASE);
  const handle = await openDatabase({ driver: 'pg', url: appUrl, max: 2 });
  try {
    await seedDemoData(handle.db);
  } finally {
    await handle.close();
  }
  console.log(
    `[e2e] ${E2E_DATABASE} migrated and seeded in ${Math.round(performance.now() - started)} ms`,
  );

  const nextBin = path.join('node_modules', 'next', 'dist', 'bin', 'next');
  const server = spawn(process.execPath, [nextBin, 'start', '--port', String(E2E_PORT)], {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      ROOT_DOMAIN,
      AUTH_SECRET: E2E_AUTH_SECRET,
      ENCRYPTION_MASTER_KEY: E2E_MASTER_KEY,
      // No daily backups of every test tenant while the suite runs (a spec's "No backups yet"
      // would race them); the backup actions still run the job for their own tenant.
      BACKUP_JOBS: 'off',
      DATABASE_URL: appUrl,
      DATABASE_DRIVER: 'pg',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      // Mail goes to the outbox and the development mailbox serves it under `next start` too,
      // so the invitation spec can read its e-mail (blank counts as unset).
      SMTP_URL: '',
      DEV_MAILBOX: 'true',
    },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => server.kill(signal));
  }
  server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error: unknown) => {
  console.error(
    '[e2e] could not start the server:',
    error instanceof Error ? error.message : error,
  );
  process.exit(1);
});
