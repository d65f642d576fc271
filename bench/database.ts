import { randomBytes } from 'node:crypto';
import type { Extensions, PGlite } from '@electric-sql/pglite';
import { createPglite } from '@/db/pglite';
import { Pool as NeonPool } from '@neondatabase/serverless';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-serverless';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { configureNeon, openDatabase, type Database, type DatabaseHandle } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import * as schema from '@/db/schema';
import { startNeonWsProxy } from '@/test-support/neon-ws-proxy';
import { BENCH_DATABASE, withDatabase, type BenchConfig } from './config';
import { datasetStatements, tenantIdsSql } from './dataset';

/** A role with BYPASSRLS and SELECT on what the list query reads: the query with no policy at all. */
export const BYPASS_ROLE = 'tenantry_bench_bypass';
/** The bench's own login role (never the tests' one): member of tenantry_app, tenantry_platform and the bypass role. */
export const LOGIN_ROLE = 'tenantry_bench_login';

type PoolClientLike = { query(text: string): Promise<unknown> };

export type BenchDatabase = {
  driver: 'pglite' | 'pg' | 'neon';
  /** Opened with db/client.ts's openDatabase, exactly as the app opens it (a pool of one on servers). */
  app: DatabaseHandle;
  /** The app pool's raw pool (server drivers), for the proposal (c): same connection as withTenant. */
  appPool?: pg.Pool | NeonPool;
  /** The PGlite instance (embedded driver). */
  pglite?: PGlite;
  /** The role of the RLS-free baseline, and whether it really bypasses RLS. */
  baselineRole: string;
  baselineBypassesRls: boolean;
  /**
   * The bare query of (b): a connection whose *session* role is the baseline role, used with no
   * transaction. On PGlite (one connection) the session role is switched around each bare query,
   * outside the timed part.
   */
  bare: { db: Database; enter?: () => Promise<void>; leave?: () => Promise<void> };
  /** node-postgres only: a pool in pg's pipeline mode, for the pipelined proposal (c2). */
  pipelinePool?: pg.Pool;
  tenantIds: string[];
  /** Server drivers: the URL the app's own processes use (the bench's login role, or the owner). */
  loginUrl?: string;
  serverVersion: string;
  loadSeconds: number;
  notes: string[];
  /** Runs SQL as the database's owner (PGlite: its superuser), e.g. DDL a proposal needs. */
  asOwner(statements: string): Promise<void>;
  close(): Promise<void>;
};

/** What a section loads: statements run in order as the owner, and the query that lists its tenants. */
export type Dataset = { statements: string[]; tenantIdsSql: string };

export type OpenOptions = {
  /** Default: the isolation dataset (BENCH_TENANTS × BENCH_DOCUMENTS_PER_TENANT). */
  dataset?: Dataset;
  /** PGlite only: a data directory (for a server started afterwards) instead of memory. */
  pgliteDir?: string;
  /** PGlite only: extensions to make available (a server has its own). */
  pgliteExtensions?: Extensions;
};

export async function openBenchDatabase(
  config: BenchConfig,
  options: OpenOptions = {},
): Promise<BenchDatabase> {
  const dataset = options.dataset ?? {
    statements: datasetStatements(config.tenants, config.documentsPerTenant),
    tenantIdsSql,
  };
  return config.target.driver === 'pglite'
    ? openEmbedded(dataset, options)
    : openServer(config, dataset);
}

async function openEmbedded(dataset: Dataset, options: OpenOptions): Promise<BenchDatabase> {
  const dir = options.pgliteDir;
  // In memory unless a section asks for a (temporary) directory: never ./.data, never the app's data.
  const pglite = await createPglite(dir, options.pgliteExtensions);
  await runMigrations({ driver: 'pglite', pglite });
  // PGlite starts as superuser: it can create a BYPASSRLS role and SET ROLE to any role.
  await pglite.exec(bypassRoleSql());
  const started = performance.now();
  for (const statement of dataset.statements) await pglite.exec(statement);
  const loadSeconds = (performance.now() - started) / 1000;
  await pglite.exec('set role tenantry_platform');
  const tenantIds = (await pglite.query<{ id: string }>(dataset.tenantIdsSql)).rows;
  await pglite.exec('reset role');
  const version = (
    await pglite.query<{ v: string }>(`select current_setting('server_version') as v`)
  ).rows[0]!.v;

  const app = await openDatabase({ driver: 'pglite', pglite }); // session role becomes tenantry_app
  return {
    driver: 'pglite',
    app,
    pglite,
    baselineRole: BYPASS_ROLE,
    baselineBypassesRls: true,
    bare: {
      db: app.db,
      enter: async () => void (await pglite.exec(`set role ${BYPASS_ROLE}`)),
      leave: async () => void (await pglite.exec('set role tenantry_app')),
    },
    tenantIds: tenantIds.map((row) => row.id),
    serverVersion: `PostgreSQL ${version} (PGlite, WebAssembly, ${dir ? 'on disk' : 'in memory'})`,
    loadSeconds,
    notes: [],
    asOwner: async (statements) => {
      await pglite.exec(`reset role; ${statements}; set role tenantry_app`);
    },
    close: () => app.close(),
  };
}

function bypassRoleSql(): string {
  return `do $$ begin create role ${BYPASS_ROLE} nologin bypassrls; exception when duplicate_object then null; end $$;
    alter role ${BYPASS_ROLE} bypassrls;
    grant usage on schema public to ${BYPASS_ROLE};
    grant select on documents, users to ${BYPASS_ROLE};`;
}

async function openServer(config: BenchConfig, dataset: Dataset): Promise<BenchDatabase> {
  const target = config.target;
  if (target.driver === 'pglite') throw new Error('unreachable');
  const notes: string[] = [];

  // 1. A database of our own, new every run: the bench never touches the app's data.
  const admin = new pg.Client({ connectionString: target.adminUrl });
  await admin.connect();
  let serverVersion: string;
  try {
    serverVersion = (await admin.query<{ v: string }>('select version() as v')).rows[0]!.v.replace(
      / on .*/,
      '',
    );
    await admin.query(`drop database if exists ${BENCH_DATABASE} with (force)`);
    await admin.query(`create database ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  const ownerUrl = withDatabase(target.adminUrl, BENCH_DATABASE);
  await runMigrations({ driver: 'pg', url: ownerUrl });

  // 2. Roles, data, statistics — as the owner, the data through the platform role.
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  let loginUrl = ownerUrl;
  let baselineRole = BYPASS_ROLE;
  let baselineBypassesRls = true;
  let tenantIds: string[];
  let loadSeconds: number;
  try {
    try {
      const password = randomBytes(18).toString('base64url');
      await owner.query(`do $$ begin
          create role ${LOGIN_ROLE} login noinherit nosuperuser nobypassrls;
        exception when duplicate_object then null; end $$`);
      await owner.query(
        `alter role ${LOGIN_ROLE} login noinherit nosuperuser nobypassrls password '${password}'`,
      );
      await owner.query(`grant tenantry_app, tenantry_platform to ${LOGIN_ROLE}`);
      await owner.query(`grant connect on database ${BENCH_DATABASE} to ${LOGIN_ROLE}`);
      const url = new URL(ownerUrl);
      url.username = LOGIN_ROLE;
      url.password = password;
      loginUrl = url.toString();
    } catch (error) {
      notes.push(
        `could not create the login role ${LOGIN_ROLE} (${message(error)}): the app connects as the owner, which then SET ROLEs like the app`,
      );
    }
    try {
      await owner.query(bypassRoleSql());
      if (loginUrl !== ownerUrl) await owner.query(`grant ${BYPASS_ROLE} to ${LOGIN_ROLE}`);
    } catch (error) {
      baselineRole = 'tenantry_platform';
      baselineBypassesRls = false;
      notes.push(
        `could not create a BYPASSRLS role (${message(error)}): the baseline runs as tenantry_platform, whose policy is USING (true) — nearly, not exactly, free`,
      );
    }
    const started = performance.now();
    for (const statement of dataset.statements) await owner.query(statement);
    loadSeconds = (performance.now() - started) / 1000;
    await owner.query('set role tenantry_platform');
    tenantIds = (await owner.query<{ id: string }>(dataset.tenantIdsSql)).rows.map((row) => row.id);
  } finally {
    await owner.end();
  }

  // 3. Connections. Every pool has one connection, so each variant always runs on the same backend.
  let proxy: { address: string; close(): Promise<void> } | undefined;
  let wsProxy = target.driver === 'neon' ? target.wsProxy : undefined;
  if (target.driver === 'neon' && target.startProxy) {
    const { hostname, port } = new URL(loginUrl);
    proxy = await startNeonWsProxy({ allowedTargets: [`${hostname}:${port || '5432'}`] });
    wsProxy = proxy.address;
  }
  const app =
    target.driver === 'pg'
      ? await openDatabase({ driver: 'pg', url: loginUrl, max: 1 })
      : await openDatabase({ driver: 'neon', url: loginUrl, wsProxy, max: 1 });
  const appPool = (app.db as unknown as { $client: pg.Pool | NeonPool }).$client;

  // Neon's driver (and Neon's own pooler) take no startup options: drop to the role on connect.
  const startIn = (role: string) => (client: PoolClientLike & { end(): unknown }) => {
    client.query(`set role ${role}`).catch(() => void client.end());
  };
  let barePool: pg.Pool | NeonPool;
  let bareDb: Database;
  if (target.driver === 'pg') {
    // The role as a startup option (`-c role=…`): in effect before the first query, no queued SET ROLE.
    const pool = new pg.Pool({
      connectionString: loginUrl,
      max: 1,
      idleTimeoutMillis: 0,
      options: `-c role=${baselineRole}`,
    });
    barePool = pool;
    bareDb = drizzlePg(pool, { schema }) as unknown as Database;
  } else {
    configureNeon(wsProxy);
    const pool = new NeonPool({ connectionString: loginUrl, max: 1, idleTimeoutMillis: 0 });
    pool.on('connect', startIn(baselineRole));
    barePool = pool;
    bareDb = drizzleNeon(pool, { schema }) as unknown as Database;
  }

  let pipelinePool: pg.Pool | undefined;
  if (target.driver === 'pg') {
    // pg ≥ 8.23 writes queued queries without waiting for the previous answer when `pipeline` is set.
    pipelinePool = new pg.Pool({
      connectionString: loginUrl,
      max: 1,
      idleTimeoutMillis: 0,
      options: '-c role=tenantry_app',
      pipeline: true,
    } as pg.PoolConfig);
  }

  return {
    driver: target.driver,
    app,
    appPool,
    baselineRole,
    baselineBypassesRls,
    bare: { db: bareDb },
    pipelinePool,
    tenantIds,
    loginUrl,
    serverVersion,
    loadSeconds,
    notes,
    asOwner: async (statements) => {
      const client = new pg.Client({ connectionString: ownerUrl });
      await client.connect();
      try {
        await client.query(statements);
      } finally {
        await client.end();
      }
    },
    close: async () => {
      await app.close();
      await barePool.end();
      await pipelinePool?.end();
      await proxy?.close();
    },
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
