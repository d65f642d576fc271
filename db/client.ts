import { type PGlite } from '@electric-sql/pglite';
import { neonConfig, Pool as NeonPool } from '@neondatabase/serverless';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-serverless';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import ws from 'ws';
import * as schema from './schema';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<
  PgQueryResultHKT,
  Schema,
  ExtractTablesWithRelations<Schema>
>;
export type Driver = 'pglite' | 'pg' | 'neon';

export type DatabaseHandle = {
  db: Database;
  driver: Driver;
  /** The raw PGlite instance (embedded driver only), for migrations and cloning. */
  pglite?: PGlite;
  close(): Promise<void>;
};

export type DatabaseOptions =
  | { driver: 'pglite'; pglite: PGlite }
  | { driver: 'pg'; url: string; max?: number }
  | { driver: 'neon'; url: string; wsProxy?: string; max?: number };

/** The role every pooled connection starts in, so a stray query outside a transaction fails closed. */
const SESSION_ROLE_SQL = 'SET ROLE tenantry_app';

/**
 * Opens the application's connection through the configured driver. The login role only
 * needs membership in tenantry_app and tenantry_platform; each connection immediately
 * drops to tenantry_app, and withTenant / withPlatform switch per transaction.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  switch (options.driver) {
    case 'pglite': {
      const client = options.pglite;
      await client.exec(SESSION_ROLE_SQL);
      return {
        db: drizzlePglite(client, { schema }) as unknown as Database,
        driver: 'pglite',
        pglite: client,
        close: () => client.close(),
      };
    }
    case 'pg': {
      // The role is a startup parameter: a login role that may not take it fails to connect.
      const pool = new pg.Pool({
        connectionString: options.url,
        max: options.max ?? 10,
        options: '-c role=tenantry_app',
      });
      return {
        db: drizzlePg(pool, { schema }) as unknown as Database,
        driver: 'pg',
        close: () => pool.end(),
      };
    }
    case 'neon': {
      configureNeon(options.wsProxy);
      const pool = new NeonPool({ connectionString: options.url, max: options.max ?? 10 });
      pool.on('connect', (client: PooledClient) => startInAppRole(client));
      return {
        db: drizzleNeon(pool, { schema }) as unknown as Database,
        driver: 'neon',
        close: () => pool.end(),
      };
    }
  }
}

type PooledClient = { query(sql: string): Promise<unknown>; end(): Promise<void> | void };

/**
 * Neon's pooler accepts no startup options, so its connections switch role on connect; one
 * whose role cannot be dropped is closed rather than used with the login role.
 */
function startInAppRole(client: PooledClient): void {
  client.query(SESSION_ROLE_SQL).catch(() => void client.end());
}

/**
 * Neon's driver speaks Postgres over WebSocket. In production that is Neon's own proxy;
 * NEON_WS_PROXY points it at a local WebSocket→TCP proxy (tests, local development).
 */
export function configureNeon(wsProxy: string | undefined): void {
  neonConfig.webSocketConstructor = ws;
  if (wsProxy) {
    neonConfig.wsProxy = (host, port) => `${wsProxy}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
  } else {
    // Neon's own proxy, always over TLS (wss://); stated rather than left to the defaults, so
    // one process that used a local proxy first cannot carry plain ws:// over.
    neonConfig.wsProxy = (host) => `${host}/v2`;
    neonConfig.useSecureWebSocket = true;
    neonConfig.forceDisablePgSSL = true;
    neonConfig.pipelineConnect = 'password';
  }
}
