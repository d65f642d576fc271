import { databaseDriver } from '@/lib/env';

/** The local PostgreSQL that `.ci/run` and every developer machine has (trust auth). */
export const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The only database a server run touches: dropped and created again on every run. */
export const BENCH_DATABASE = 'tenantry_bench';

export type BenchTarget =
  | { driver: 'pglite'; label: string }
  | { driver: 'pg'; label: string; adminUrl: string }
  /** `wsProxy` undefined with `startProxy` → the bench starts test-support's WebSocket→TCP proxy itself. */
  | { driver: 'neon'; label: string; adminUrl: string; wsProxy?: string; startProxy: boolean };

export type BenchConfig = {
  target: BenchTarget;
  /** Rounds per measurement: exactly this many when BENCH_ROUNDS is set, else at most this many within `seconds`. */
  rounds: number;
  /** Time budget per measurement (seconds), undefined when BENCH_ROUNDS fixes the count. */
  seconds: number | undefined;
  warmup: number;
  seed: number;
  tenants: number;
  documentsPerTenant: number;
  pageSize: number;
};

/**
 * Which database to measure.
 *
 * - `BENCH_DB=pglite|pg|neon` wins: `pg` is the local PostgreSQL at 127.0.0.1:5432 (user postgres),
 *   `neon` is the Neon driver against that same server through an in-process WebSocket proxy.
 * - otherwise the app's own configuration: no `DATABASE_URL` → PGlite (in memory, never ./.data);
 *   a `postgres://` URL → node-postgres; `DATABASE_DRIVER=neon` (+ `NEON_WS_PROXY`) → Neon's driver.
 *
 * On a server the bench never uses the configured database itself: it connects to that server's
 * `postgres` database (or `BENCH_ADMIN_URL`) and works in a database of its own, `tenantry_bench`.
 */
export function readBenchConfig(source: NodeJS.ProcessEnv = process.env): BenchConfig {
  const shared = {
    rounds: positiveInt(source.BENCH_ROUNDS, 2000, 'BENCH_ROUNDS'),
    seconds: source.BENCH_ROUNDS?.trim()
      ? undefined
      : positiveInt(source.BENCH_SECONDS, 10, 'BENCH_SECONDS'),
    warmup: positiveInt(source.BENCH_WARMUP, 100, 'BENCH_WARMUP'),
    seed: positiveInt(source.BENCH_SEED, 1, 'BENCH_SEED'),
    tenants: positiveInt(source.BENCH_TENANTS, 1000, 'BENCH_TENANTS'),
    documentsPerTenant: positiveInt(
      source.BENCH_DOCUMENTS_PER_TENANT,
      100,
      'BENCH_DOCUMENTS_PER_TENANT',
    ),
    pageSize: 20,
  };
  return { ...shared, target: readTarget(source) };
}

function readTarget(source: NodeJS.ProcessEnv): BenchTarget {
  const shortcut = source.BENCH_DB?.trim();
  if (shortcut) {
    const adminUrl = source.BENCH_ADMIN_URL || LOCAL_ADMIN_URL;
    switch (shortcut) {
      case 'pglite':
        return { driver: 'pglite', label: 'PGlite (in memory)' };
      case 'pg':
        return { driver: 'pg', label: `node-postgres → ${redact(adminUrl)}`, adminUrl };
      case 'neon':
        return {
          driver: 'neon',
          label: `@neondatabase/serverless over WebSocket → local proxy → ${redact(adminUrl)}`,
          adminUrl,
          startProxy: true,
        };
      default:
        throw new Error(`BENCH_DB must be pglite, pg or neon (got "${shortcut}").`);
    }
  }

  const url = source.DATABASE_URL?.trim() || undefined;
  const explicit = source.DATABASE_DRIVER?.trim() || undefined;
  if (explicit && !['pglite', 'pg', 'neon'].includes(explicit)) {
    throw new Error(`DATABASE_DRIVER must be pglite, pg or neon (got "${explicit}").`);
  }
  const driver = databaseDriver({
    DATABASE_URL: url,
    DATABASE_DRIVER: explicit as 'pglite' | 'pg' | 'neon' | undefined,
  });
  if (driver === 'pglite') return { driver: 'pglite', label: 'PGlite (in memory)' };
  if (!url) throw new Error(`DATABASE_DRIVER=${driver} needs DATABASE_URL.`);

  const adminUrl = source.BENCH_ADMIN_URL || withDatabase(url, 'postgres');
  if (driver === 'pg')
    return { driver: 'pg', label: `node-postgres → ${redact(adminUrl)}`, adminUrl };
  const wsProxy = source.NEON_WS_PROXY?.trim() || undefined;
  return {
    driver: 'neon',
    label: `@neondatabase/serverless over WebSocket${wsProxy ? ` via ${wsProxy}` : ''} → ${redact(adminUrl)}`,
    adminUrl,
    wsProxy,
    startProxy: false,
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A URL fit to print: no password. */
export function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new Error(`${name} must be a positive integer (got "${value}").`);
  return parsed;
}
