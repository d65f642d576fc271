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
  /** The tenant API throughput section (`--only api`). */
  api: {
    /** Measured runs per target, alternating constant, documents, constant, documents… */
    rounds: number;
    /** Seconds per run; warm-up runs last `warmupSeconds`. */
    seconds: number;
    warmupSeconds: number;
    connections: number;
    /** The tenant API request measured against the constant route. */
    path: string;
  };
  /** The operator console section (`--only console`). */
  console: { tenants: number; deepPages: number };
  /** The usage ingestion section (`--only ingestion`). */
  ingestion: {
    /** Events per method (rounded up to whole batches). */
    events: number;
    /** In-process: rounds of a slice of the events per method, in rotating order. */
    rounds: number;
    /** Events per in-process batch (the API's maximum, 1,000). */
    batch: number;
    /** Events per HTTP request. */
    httpBatch: number;
    /** Concurrent HTTP clients. */
    httpClients: number;
  };
  /** The usage dashboard section (`--only usage-dashboard`). */
  dashboard: {
    /** Raw usage events in all (5 tenants, a fifth each); undefined = 5,000,000 on a server, 500,000 on PGlite. */
    events: number | undefined;
    runs: number;
    warmup: number;
  };
  /** The metering shutdown section (`--only metering-shutdown`). */
  shutdown: { rate: number; seconds: number };
};

/** The sections of `npm run bench`, in the order a full run goes through them. */
export const BENCH_SECTIONS = [
  'isolation',
  'api',
  'console',
  'ingestion',
  'usage-dashboard',
  'metering-shutdown',
  'billing',
  'encryption',
] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

/**
 * `--only api`, `--only=api,console`, `--only isolation --only console`: the sections to run;
 * all of them without `--only`.
 */
export function readSections(argv: string[]): BenchSection[] {
  const chosen: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--only') {
      const value = argv[i + 1];
      if (!value || value.startsWith('--')) throw new Error('--only needs a section name.');
      chosen.push(...value.split(','));
      i += 1;
    } else if (arg.startsWith('--only=')) {
      chosen.push(...arg.slice('--only='.length).split(','));
    } else {
      throw new Error(`Unknown argument "${arg}". Use --only ${BENCH_SECTIONS.join('|')}.`);
    }
  }
  const names = chosen.map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!(BENCH_SECTIONS as readonly string[]).includes(name))
      throw new Error(`Unknown section "${name}": use ${BENCH_SECTIONS.join(', ')}.`);
  }
  return names.length === 0
    ? [...BENCH_SECTIONS]
    : BENCH_SECTIONS.filter((section) => names.includes(section));
}

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
    api: {
      rounds: positiveInt(source.BENCH_API_ROUNDS, 4, 'BENCH_API_ROUNDS'),
      seconds: positiveInt(source.BENCH_API_SECONDS, 5, 'BENCH_API_SECONDS'),
      warmupSeconds: positiveInt(source.BENCH_API_WARMUP_SECONDS, 3, 'BENCH_API_WARMUP_SECONDS'),
      connections: positiveInt(source.BENCH_API_CONNECTIONS, 10, 'BENCH_API_CONNECTIONS'),
      path: apiPath(source.BENCH_API_PATH),
    },
    console: {
      tenants: positiveInt(source.BENCH_CONSOLE_TENANTS, 10_000, 'BENCH_CONSOLE_TENANTS'),
      deepPages: positiveInt(source.BENCH_CONSOLE_DEEP_PAGES, 100, 'BENCH_CONSOLE_DEEP_PAGES'),
    },
    ingestion: {
      events: positiveInt(source.BENCH_INGEST_EVENTS, 100_000, 'BENCH_INGEST_EVENTS'),
      rounds: positiveInt(source.BENCH_INGEST_ROUNDS, 4, 'BENCH_INGEST_ROUNDS'),
      batch: 1000,
      httpBatch: positiveInt(source.BENCH_INGEST_HTTP_BATCH, 100, 'BENCH_INGEST_HTTP_BATCH'),
      httpClients: positiveInt(source.BENCH_INGEST_HTTP_CLIENTS, 4, 'BENCH_INGEST_HTTP_CLIENTS'),
    },
    dashboard: {
      events: source.BENCH_DASHBOARD_EVENTS?.trim()
        ? positiveInt(source.BENCH_DASHBOARD_EVENTS, 5_000_000, 'BENCH_DASHBOARD_EVENTS')
        : undefined,
      runs: positiveInt(source.BENCH_DASHBOARD_RUNS, 20, 'BENCH_DASHBOARD_RUNS'),
      warmup: positiveInt(source.BENCH_DASHBOARD_WARMUP, 3, 'BENCH_DASHBOARD_WARMUP'),
    },
    shutdown: {
      rate: positiveInt(source.BENCH_SHUTDOWN_RATE, 50, 'BENCH_SHUTDOWN_RATE'),
      seconds: positiveInt(source.BENCH_SHUTDOWN_SECONDS, 6, 'BENCH_SHUTDOWN_SECONDS'),
    },
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

function apiPath(value: string | undefined): string {
  const path = value?.trim() || '/api/v1/documents?limit=20';
  if (!path.startsWith('/api/'))
    throw new Error(`BENCH_API_PATH must start with /api/ (got "${path}").`);
  return path;
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new Error(`${name} must be a positive integer (got "${value}").`);
  return parsed;
}
