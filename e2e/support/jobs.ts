import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { E2E_MASTER_KEY, ownerDatabaseUrl } from './env';

const run = promisify(execFile);

/**
 * Runs one of the server's background jobs once on the e2e database, so a test need not wait
 * for the server's own schedule. lib/ is server-only, so the job runs in a tsx child under the
 * react-server condition, like e2e/start-server.ts. `job` names an export of `module` taking
 * `{ database, ...options }`; DATABASE_URL points the child's default database (the mail outbox,
 * for one) at the e2e database too.
 */
export async function runServerJob(
  module: string,
  job: string,
  options: Record<string, unknown> = {},
): Promise<void> {
  const script = `
    import { openDatabase } from '@/db/client';
    import { ${job} } from '${module}';
    (async () => {
      const handle = await openDatabase({ driver: 'pg', url: process.env.DATABASE_URL, max: 1 });
      try {
        await ${job}({ database: handle.db, ...${JSON.stringify(options)} });
      } finally {
        await handle.close();
      }
    })().catch((error) => {
      console.error(error);
      process.exit(1);
    });`;
  await run(path.join('node_modules', '.bin', 'tsx'), ['--conditions=react-server', '-e', script], {
    env: {
      ...process.env,
      DATABASE_URL: ownerDatabaseUrl(),
      ENCRYPTION_MASTER_KEY: E2E_MASTER_KEY,
      LOG_LEVEL: 'silent',
    },
  });
}
