import { neonConfig } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startNeonWsProxy } from '@/test-support/neon-ws-proxy';
import { ADMIN_URL, prepareServerDatabase } from '@/test-support/server-database';
import { openDatabase } from './client';
import { runMigrations } from './migrate';

/**
 * Data in transit against the real local PostgreSQL, whatever TEST_DB says. That server runs
 * without TLS (`ssl = off`), so a URL that asks for TLS must fail to connect — node-postgres
 * must not fall back to plain text — while a URL that does not ask connects in plain text.
 */

let appUrl: string;

beforeAll(async () => {
  ({ appUrl } = await prepareServerDatabase('tenantry_test_tls'));
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

function withParams(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(params)) parsed.searchParams.set(key, value);
  return parsed.toString();
}

type Row = Record<string, unknown>;

/** pg_stat_ssl.ssl for the open connections with this application_name, read as the superuser. */
async function serverSslOf(applicationName: string): Promise<boolean[]> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ ssl: boolean }>(
      `select s.ssl from pg_stat_ssl s join pg_stat_activity a using (pid)
       where a.application_name = $1`,
      [applicationName],
    );
    return rows.map((row) => row.ssl);
  } finally {
    await admin.end();
  }
}

async function queryThroughApp(url: string, query: ReturnType<typeof sql>): Promise<Row[]> {
  const handle = await openDatabase({ driver: 'pg', url, max: 1 });
  try {
    return ((await handle.db.execute(query)) as unknown as { rows: Row[] }).rows;
  } finally {
    await handle.close();
  }
}

const NO_TLS_ON_SERVER = /The server does not support SSL connections/;

/** The messages of a rejection and of its causes (drizzle wraps the driver's error). */
async function rejection(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    const messages: string[] = [];
    for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
      messages.push(
        e instanceof Error ? e.message : String((e as { message?: unknown }).message ?? e),
      );
    }
    return messages.join(' <- ');
  }
  throw new Error('expected the connection to be refused, but it succeeded');
}

describe('node-postgres against a server without TLS', () => {
  it('runs against a server that really has TLS off (the premise of the refusals below)', async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ ssl: string }>('show ssl');
      expect(rows[0]?.ssl, 'the local PostgreSQL must run with ssl = off for this file').toBe(
        'off',
      );
    } finally {
      await admin.end();
    }
  });

  it('connects in plain text when the URL does not ask for TLS', async () => {
    for (const [name, params] of [
      ['tenantry_tls_default', {}],
      ['tenantry_tls_disable', { sslmode: 'disable' }],
    ] as const) {
      const url = withParams(appUrl, { ...params, application_name: name });
      const handle = await openDatabase({ driver: 'pg', url, max: 1 });
      try {
        const rows = (
          (await handle.db.execute(sql`select current_user as role`)) as unknown as {
            rows: Row[];
          }
        ).rows;
        expect(rows).toEqual([{ role: 'tenantry_app' }]);
        // The server's view of that (still pooled) connection: present, and not encrypted.
        expect(await serverSslOf(name)).toEqual([false]);
      } finally {
        await handle.close();
      }
    }
  });

  // pg 8 treats require and verify-ca as verify-full (certificate and host name checked);
  // no-verify still requires TLS, it only skips the certificate check.
  it.each(['require', 'verify-full', 'verify-ca', 'no-verify'])(
    'refuses to connect with sslmode=%s instead of falling back to plain text',
    async (sslmode) => {
      expect(
        await rejection(queryThroughApp(withParams(appUrl, { sslmode }), sql`select 1`)),
      ).toMatch(NO_TLS_ON_SERVER);
    },
  );

  it('refuses with ssl=true too', async () => {
    expect(
      await rejection(queryThroughApp(withParams(appUrl, { ssl: 'true' }), sql`select 1`)),
    ).toMatch(NO_TLS_ON_SERVER);
  });

  it('refuses at start-up: the schema check and the pool both honour sslmode in DATABASE_URL', async () => {
    vi.stubEnv('DATABASE_URL', withParams(appUrl, { sslmode: 'verify-full' }));
    vi.stubEnv('DATABASE_DRIVER', 'pg');
    const { getDatabase } = await import('./runtime');
    expect(await rejection(getDatabase())).toMatch(NO_TLS_ON_SERVER);
  });

  it('refuses to migrate over plain text when the URL asks for TLS', async () => {
    const url = withParams(ADMIN_URL, { sslmode: 'require' });
    expect(await rejection(runMigrations({ driver: 'pg', url }))).toMatch(NO_TLS_ON_SERVER);
  });
});

describe('Neon driver', () => {
  let proxy: Awaited<ReturnType<typeof startNeonWsProxy>>;

  beforeAll(async () => {
    proxy = await startNeonWsProxy();
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it('speaks TLS to its WebSocket endpoint without NEON_WS_PROXY: a plain ws: endpoint fails the handshake', async () => {
    const handle = await openDatabase({ driver: 'neon', url: appUrl, max: 1 });
    // Route the production configuration (applied by openDatabase without wsProxy) to the local
    // plain-WebSocket proxy: only the address changes, not useSecureWebSocket. The pool
    // connects at the first query, after this.
    neonConfig.wsProxy = (host, port) => `${proxy.address}/v2?address=${host}:${port}`;
    try {
      expect(neonConfig.useSecureWebSocket).toBe(true);
      const refused = await rejection(handle.db.execute(sql`select 1`));
      // OpenSSL's answer to a server that replies in plain HTTP to the TLS ClientHello.
      expect(refused).toMatch(/EPROTO[\s\S]*wrong version number/);
    } finally {
      await handle.close();
    }
  });

  it('connects through the same proxy once NEON_WS_PROXY turns the secure WebSocket off (tests only)', async () => {
    const handle = await openDatabase({
      driver: 'neon',
      url: appUrl,
      wsProxy: proxy.address,
      max: 1,
    });
    try {
      expect(neonConfig.useSecureWebSocket).toBe(false);
      const rows = (
        (await handle.db.execute(sql`select current_user as role`)) as unknown as { rows: Row[] }
      ).rows;
      expect(rows).toEqual([{ role: 'tenantry_app' }]);
    } finally {
      await handle.close();
    }
  });
});
