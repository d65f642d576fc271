/**
 * The proposed withTenant, measured as variant (c) — NOT the app's code (db/scope.ts is unchanged).
 *
 * Today withTenant is drizzle's db.transaction(): four round trips for a one-query request —
 * `begin`, `select set_config('role', …), set_config('app.tenant_id', …)`, the query, `commit`.
 * The proposal sends BEGIN and the settings as ONE simple-protocol message (a multi-statement
 * Query), so a one-query request costs three round trips:
 *
 *   BEGIN; SELECT set_config('role', 'tenantry_app', true), set_config('app.tenant_id', '<uuid>', true)
 *
 * The simple protocol has no bind parameters, so the tenant id is inlined: it is first matched
 * against the same UUID pattern withTenant already enforces (hex digits and dashes only, so it
 * cannot leave its quotes). Settings stay transaction-local (the `true` argument), so a pooled
 * connection still never carries a tenant past COMMIT/ROLLBACK.
 *
 * (c2), node-postgres only: pg ≥ 8.23's pipeline mode writes BEGIN, the set_config select (with
 * a real bind parameter) and the request's first query back to back without waiting, so a
 * one-query request costs two round trips (that flight, then COMMIT).
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Pool as NeonPool } from '@neondatabase/serverless';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-serverless';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Database, Transaction } from '@/db/client';
import * as schema from '@/db/schema';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type WithTenant = <T>(tenantId: string, work: (tx: Transaction) => Promise<T>) => Promise<T>;

/** The one message that opens the tenant's transaction. */
export function beginTenantSql(tenantId: string): string {
  if (!UUID.test(tenantId)) throw new Error('withTenant needs a tenant id (uuid)');
  return `BEGIN; SELECT set_config('role', 'tenantry_app', true), set_config('app.tenant_id', '${tenantId}', true)`;
}

type PoolClient = pg.PoolClient;

/**
 * (c) for node-postgres and Neon's Pool: check out a connection, one message to begin, the work on
 * a drizzle instance bound to that connection (built once per pooled connection), COMMIT.
 *
 * In db/scope.ts the work should get a real transaction object — `new NodePgTransaction(dialect,
 * new NodePgSession(client, dialect, schemaConfig), schemaConfig)` (both exported by
 * drizzle-orm/node-postgres; NeonTransaction/NeonSession likewise) — so nested tx.transaction()
 * still makes savepoints; the list query needs only select, so the bench binds a plain instance.
 */
export function oneMessageWithTenant(pool: pg.Pool | NeonPool, driver: 'pg' | 'neon'): WithTenant {
  const bound = new WeakMap<object, Database>();
  const bind = (client: PoolClient): Database => {
    let db = bound.get(client);
    if (!db) {
      db = (driver === 'pg'
        ? drizzlePg(client, { schema })
        : drizzleNeon(client as never, { schema })) as unknown as Database;
      bound.set(client, db);
    }
    return db;
  };
  return async (tenantId, work) => {
    const begin = beginTenantSql(tenantId);
    const client = (await pool.connect()) as PoolClient;
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await work(bind(client) as unknown as Transaction);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError; // a connection that cannot roll back is destroyed, not reused
      });
      throw error;
    } finally {
      client.release(broken);
    }
  };
}

/**
 * (c2) node-postgres in pipeline mode (`new pg.Pool({ pipeline: true })`): BEGIN and the settings
 * are written without waiting; the work's first query follows in the same flight.
 */
export function pipelinedWithTenant(pool: pg.Pool): WithTenant {
  const bound = new WeakMap<object, Database>();
  return async (tenantId, work) => {
    if (!UUID.test(tenantId)) throw new Error('withTenant needs a tenant id (uuid)');
    const client = await pool.connect();
    let db = bound.get(client);
    if (!db) {
      db = drizzlePg(client, { schema }) as unknown as Database;
      bound.set(client, db);
    }
    const setup = Promise.all([
      client.query('BEGIN'),
      client.query(
        `select set_config('role', 'tenantry_app', true), set_config('app.tenant_id', $1, true)`,
        [tenantId],
      ),
    ]);
    setup.catch(() => {}); // observed below; never an unhandled rejection
    let broken: Error | undefined;
    try {
      // If BEGIN or set_config failed, the work's queries fail too (aborted transaction) or see
      // no tenant rows (fail closed); either way the setup's error is raised before any COMMIT.
      const result = await work(db as unknown as Transaction);
      await setup;
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await setup.catch(() => {});
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  };
}

/**
 * (c) on PGlite: the same two simple-protocol statements through PGlite's exec. There is no
 * network here; what it saves is one statement's parse/bind/describe/execute/sync trip into
 * WebAssembly. (Production code would hold PGlite's transaction lock, which its transaction()
 * helper does but does not let one merge BEGIN with other statements; the bench is the only user.)
 */
export function oneMessagePglite(pglite: PGlite, db: Database): WithTenant {
  return async (tenantId, work) => {
    await pglite.exec(beginTenantSql(tenantId));
    try {
      const result = await work(db as unknown as Transaction);
      await pglite.exec('COMMIT');
      return result;
    } catch (error) {
      await pglite.exec('ROLLBACK');
      throw error;
    }
  };
}
