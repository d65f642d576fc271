import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPglite } from '@/db/pglite';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { readSchemaState, runMigrations, schemaBehindMessage } from './migrate';
import { acquireDirectoryLock, DatabaseLockedError } from './runtime';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-'));
}

describe('PGlite directory lock', () => {
  it('refuses a directory held by another live process, with a message that says what to do', async () => {
    const dir = path.join(tempDir(), 'pglite');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      fs.writeFileSync(`${dir}.lock`, String(holder.pid));
      expect(() => acquireDirectoryLock(dir)).toThrow(DatabaseLockedError);
      expect(() => acquireDirectoryLock(dir)).toThrow(/in use by process \d+[\s\S]*DATABASE_URL/);
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dir = path.join(tempDir(), 'pglite');
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    fs.writeFileSync(`${dir}.lock`, String(gone.pid));
    acquireDirectoryLock(dir);
    expect(fs.readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
  });
});

describe('schema state', () => {
  it('reports a fresh database as behind, and current once migrated', async () => {
    const pglite = await createPglite();
    const query = async (text: string) => (await pglite.query<Record<string, unknown>>(text)).rows;
    const before = await readSchemaState(query);
    expect(before).toMatchObject({ applied: 0, current: false });
    expect(schemaBehindMessage(before)).toMatch(
      /0 of \d+ migrations applied[\s\S]*npm run db:migrate/,
    );
    await runMigrations({ driver: 'pglite', pglite });
    const after = await readSchemaState(query);
    expect(after).toEqual({ applied: after.expected, expected: after.expected, current: true });
    await pglite.close();
  });

  it('reports a permission problem as an error, not as an unmigrated database', async () => {
    const pglite = await createPglite();
    await runMigrations({ driver: 'pglite', pglite });
    await pglite.exec('create role tenantry_test_nobody; set role tenantry_test_nobody');
    await expect(
      readSchemaState(async (text) => (await pglite.query<Record<string, unknown>>(text)).rows),
    ).rejects.toThrow(/permission denied/);
    await pglite.close();
  });
});

describe('getDatabase from configuration', () => {
  it('creates, migrates and seeds the embedded database on first start', async () => {
    vi.stubEnv('PGLITE_DIR', path.join(tempDir(), 'pglite'));
    vi.stubEnv('DATABASE_URL', '');
    const { getDatabase, installDatabase } = await import('./runtime');
    const handle = await getDatabase();
    try {
      expect(handle.driver).toBe('pglite');
      const result = (await handle.db.execute(
        sql`select slug from tenantry_resolve_tenant('acme')`,
      )) as unknown as { rows: unknown[] };
      expect(result.rows).toEqual([{ slug: 'acme' }]);
    } finally {
      installDatabase(undefined);
      await handle.close();
    }
  });

  const serverDriver = inject('testDb');
  it.runIf(serverDriver !== 'pglite')(
    'refuses a server database whose schema is behind, and starts once it is migrated',
    async () => {
      const admin = new pg.Client({
        connectionString: 'postgres://postgres@127.0.0.1:5432/postgres',
      });
      await admin.connect();
      await admin.query('drop database if exists tenantry_test_behind with (force)');
      await admin.query('create database tenantry_test_behind');
      await admin.end();
      const url = 'postgres://postgres@127.0.0.1:5432/tenantry_test_behind';
      vi.stubEnv('DATABASE_URL', url);
      if (serverDriver === 'neon') {
        vi.stubEnv('DATABASE_DRIVER', 'neon');
        vi.stubEnv('NEON_WS_PROXY', inject('neonWsProxy'));
      }
      const { getDatabase, installDatabase } = await import('./runtime');
      await expect(getDatabase()).rejects.toThrow(/schema is behind[\s\S]*npm run db:migrate/);

      await runMigrations(
        serverDriver === 'pg'
          ? { driver: 'pg', url }
          : { driver: 'neon', url, wsProxy: inject('neonWsProxy') },
      );
      const handle = await getDatabase();
      try {
        expect(handle.driver).toBe(serverDriver);
        const result = (await handle.db.execute(sql`select current_user as role`)) as unknown as {
          rows: unknown[];
        };
        expect(result.rows).toEqual([{ role: 'tenantry_app' }]);
      } finally {
        installDatabase(undefined);
        await handle.close();
      }
    },
  );
});
