import fs from 'node:fs';
import path from 'node:path';
import { createPglite } from './pglite';
import pg from 'pg';
import { databaseDriver, env } from '@/lib/env';
import { openDatabase, type DatabaseHandle } from './client';
import { neverMigratedState, readSchemaState, runMigrations, schemaBehindMessage } from './migrate';

const globalKey = Symbol.for('tenantry.database');
type GlobalWithDatabase = typeof globalThis & { [globalKey]?: Promise<DatabaseHandle> };
const store = globalThis as GlobalWithDatabase;

/**
 * The process-wide database. Kept on globalThis so that Next.js's separate module graphs
 * (instrumentation, route handlers, server components) and dev-mode reloads share it.
 */
export function getDatabase(): Promise<DatabaseHandle> {
  store[globalKey] ??= connectFromEnv().catch((error: unknown) => {
    store[globalKey] = undefined;
    throw error;
  });
  return store[globalKey];
}

/** Tests install their own database (a PGlite clone, or a server database) here. */
export function installDatabase(handle: DatabaseHandle | undefined): void {
  store[globalKey] = handle ? Promise.resolve(handle) : undefined;
}

async function connectFromEnv(): Promise<DatabaseHandle> {
  const config = env();
  const driver = databaseDriver(config);
  if (driver === 'pglite') return openEmbedded(config.PGLITE_DIR);

  const url = config.DATABASE_URL;
  if (!url) throw new Error(`DATABASE_DRIVER=${driver} needs DATABASE_URL.`);
  await assertSchemaCurrent(url);
  const handle = await openDatabase(
    driver === 'pg' ? { driver, url } : { driver, url, wsProxy: config.NEON_WS_PROXY },
  );
  try {
    await applyPlatformAdmin(handle);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** PLATFORM_ADMIN_EMAIL: at every start, make that (existing) user a platform operator. */
async function applyPlatformAdmin(handle: DatabaseHandle): Promise<void> {
  const email = env().PLATFORM_ADMIN_EMAIL;
  if (!email) return;
  // Imported here: lib/operators reaches db/scope, which imports this module.
  const { ensurePlatformAdmin } = await import('@/lib/operators');
  await ensurePlatformAdmin(email, handle.db);
}

async function assertSchemaCurrent(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // The login role may have no rights of its own (NOINHERIT); read as the app role. A
    // database that has never been migrated has no such role yet: it is simply behind.
    const hasAppRole = await client.query('set role tenantry_app').then(
      () => true,
      () => false,
    );
    const state = hasAppRole
      ? await readSchemaState(async (sql) => (await client.query(sql)).rows)
      : neverMigratedState();
    if (!state.current) throw new Error(schemaBehindMessage(state));
  } finally {
    await client.end();
  }
}

/**
 * The embedded database. Two processes on one PGlite directory silently lose writes, so the
 * app owns it exclusively (lock file), and migrates and seeds it itself at start.
 */
async function openEmbedded(dataDir: string): Promise<DatabaseHandle> {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  acquireDirectoryLock(dir);
  const pglite = await createPglite(dir);
  await runMigrations({ driver: 'pglite', pglite });
  const handle = await openDatabase({ driver: 'pglite', pglite });
  const { seedDemoData } = await import('./seed');
  await seedDemoData(handle.db, { onlyIfEmpty: true });
  await applyPlatformAdmin(handle);
  return handle;
}

export class DatabaseLockedError extends Error {}

export function acquireDirectoryLock(dir: string): void {
  const lockFile = `${dir}.lock`;
  const holder = readLockHolder(lockFile);
  if (holder !== undefined && holder !== process.pid && processIsAlive(holder)) {
    throw new DatabaseLockedError(
      `The embedded database in ${dir} is in use by process ${holder} (probably \`npm run dev\` or \`npm start\`). ` +
        'Only one process may open it, or writes are lost: stop that process first. ' +
        'The app migrates and seeds the embedded database itself when it starts; ' +
        'to run several processes, set DATABASE_URL to a PostgreSQL server.',
    );
  }
  fs.writeFileSync(lockFile, String(process.pid));
  const release = () => {
    if (readLockHolder(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
  };
  process.once('exit', release);
}

function readLockHolder(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
