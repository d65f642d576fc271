import 'server-only';
import { sql, type SQL } from 'drizzle-orm';
import type { Database, Transaction } from './client';
import { getDatabase } from './runtime';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type { Transaction };

/**
 * Runs `work` in a transaction as the application role with `app.tenant_id` set for that
 * transaction only (set_config(…, true)), so a pooled connection never carries one
 * tenant's setting into another request. Role and tenant are set in one round trip.
 */
export async function withTenant<T>(
  tenantId: string,
  work: (tx: Transaction) => Promise<T>,
  database?: Database,
): Promise<T> {
  if (!UUID.test(tenantId)) throw new Error('withTenant needs a tenant id (uuid)');
  const db = database ?? (await getDatabase()).db;
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('role', 'tenantry_app', true), set_config('app.tenant_id', ${tenantId}, true)`,
    );
    return work(tx);
  });
}

/**
 * The platform path: operator console, sign-up, jobs and webhooks. Runs as tenantry_platform,
 * whose policies see every tenant. Never call it with input from a tenant request's host.
 * `repeatable read` gives the whole transaction one snapshot (a consistent backup).
 */
export async function withPlatform<T>(
  work: (tx: Transaction) => Promise<T>,
  database?: Database,
  options?: { isolationLevel: 'repeatable read' },
): Promise<T> {
  const db = database ?? (await getDatabase()).db;
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('role', 'tenantry_platform', true), set_config('app.tenant_id', '', true)`,
    );
    return work(tx);
  }, options);
}

/** The rows of a raw SQL statement, typed by the caller (every driver answers `{ rows }`). */
export async function queryRows<T>(tx: Transaction, query: SQL): Promise<T[]> {
  const result = (await tx.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
