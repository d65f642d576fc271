import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNeon } from 'drizzle-orm/neon-serverless/migrator';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-serverless';
import { Pool as NeonPool } from '@neondatabase/serverless';
import pg from 'pg';
import { configureNeon } from './client';
import { postgresErrorCode } from './errors';

export const migrationsFolder = path.join(process.cwd(), 'db', 'migrations');

type MigrationTarget =
  | { driver: 'pglite'; pglite: PGlite }
  | { driver: 'pg'; url: string }
  | { driver: 'neon'; url: string; wsProxy?: string };

/** Applies every pending migration as the connecting (owner) role. */
export async function runMigrations(target: MigrationTarget): Promise<void> {
  switch (target.driver) {
    case 'pglite':
      await migratePglite(drizzlePglite(target.pglite), { migrationsFolder });
      return;
    case 'pg': {
      const pool = new pg.Pool({ connectionString: target.url, max: 1 });
      try {
        await migratePg(drizzlePg(pool), { migrationsFolder });
      } finally {
        await pool.end();
      }
      return;
    }
    case 'neon': {
      configureNeon(target.wsProxy);
      const pool = new NeonPool({ connectionString: target.url, max: 1 });
      try {
        await migrateNeon(drizzleNeon(pool), { migrationsFolder });
      } finally {
        await pool.end();
      }
      return;
    }
  }
}

/** The schema version this code expects: how many migrations it ships (backups record it). */
let shippedMigrations: number | undefined;

export function codeSchemaVersion(): number {
  shippedMigrations ??= readMigrationFiles({ migrationsFolder }).length;
  return shippedMigrations;
}

export type SchemaState = { applied: number; expected: number; current: boolean };

/**
 * Compares the database's migration log with the committed migrations. `query` runs as the
 * login role (it reads drizzle's own bookkeeping table, which the app roles cannot).
 */
export async function readSchemaState(
  query: (sql: string) => Promise<Array<Record<string, unknown>>>,
): Promise<SchemaState> {
  const expected = readMigrationFiles({ migrationsFolder });
  const lastExpected = expected.at(-1)?.folderMillis ?? 0;
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await query(
      'select count(*)::int as applied, max(created_at)::text as latest from drizzle.__drizzle_migrations',
    );
  } catch (error) {
    // Never migrated: no bookkeeping schema or table. Anything else is a
    // real failure (permissions, connection) and must not be reported as "behind".
    const { code } = postgresErrorCode(error);
    if (code !== '42P01' && code !== '3F000') throw error;
    return neverMigratedState();
  }
  const applied = Number(rows[0]?.applied ?? 0);
  const latest = Number(rows[0]?.latest ?? 0);
  return { applied, expected: expected.length, current: latest >= lastExpected };
}

export function neverMigratedState(): SchemaState {
  const expected = readMigrationFiles({ migrationsFolder }).length;
  return { applied: 0, expected, current: expected === 0 };
}

export function schemaBehindMessage(state: SchemaState): string {
  return (
    `The database schema is behind: ${state.applied} of ${state.expected} migrations applied. ` +
    'Run `npm run db:migrate` to bring it up to date, then start the app again.'
  );
}
