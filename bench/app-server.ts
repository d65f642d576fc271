/**
 * The built app (`next start`) as the sections that need it start it (api, ingestion,
 * metering-shutdown): its own process group, a free port, the bench's database (PostgreSQL
 * through the bench's login role, Neon's driver through a WebSocket proxy, or a PGlite data
 * directory the bench prepared and closed), extra environment per section, the build lock held
 * while the server uses `.next`, and a keep-alive HTTP client for POST bodies.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '@/db/client';
import { withPlatform, withTenant } from '@/db/scope';
import { createApiKey, type ApiScope } from '@/lib/api-keys';
import { updateTenant } from '@/lib/tenancy';
import { redact } from './config';
import { line } from './print';
import { freePort, startChild, waitForReady, type Child } from './server';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * API limits far beyond what this machine can send (as in the api section): finite, so the
 * limiter still counts every request, but refuses none.
 */
export const UNREACHABLE_LIMITS = {
  api_requests_per_minute: 1_000_000_000,
  api_requests_per_minute_per_key: 1_000_000_000,
  api_calls_per_month: 1_000_000_000_000,
};

/**
 * Makes a bench tenant an API client: plan pro with its API limits out of reach, and a new API
 * key with `scopes`, which it returns.
 */
export async function prepareApiTenant(
  db: Database,
  tenantId: string,
  key: { name: string; scopes: ApiScope[] },
): Promise<string> {
  const actor = { type: 'system' as const, id: null };
  await withPlatform(
    (tx) =>
      updateTenant(tx, {
        id: tenantId,
        changes: { plan: 'pro', limits: UNREACHABLE_LIMITS },
        actor,
      }),
    db,
  );
  const created = await withTenant(
    tenantId,
    (tx) => createApiKey(tx, { tenantId, ...key, expiresAt: undefined, actor }),
    db,
  );
  return created.key;
}

/** What is wrong with the build for these routes, or null when it can serve them. */
export function missingBuild(routes: string[]): string | null {
  if (!fs.existsSync(path.join(ROOT, '.next/BUILD_ID')))
    return 'no production build (.next/BUILD_ID is missing). Run `npm run build` first.';
  const manifestFile = path.join(ROOT, '.next/server/app-paths-manifest.json');
  const manifest = fs.existsSync(manifestFile)
    ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, string>)
    : {};
  const missing = routes.filter((route) => !(`${route}/route` in manifest));
  return missing.length > 0
    ? `the build has no ${missing.join(' and no ')} route. Build again (\`npm run build\`).`
    : null;
}

/** Route and library sources changed after the build: the server runs them as built. */
export function staleBuildNote(files: string[]): string | null {
  const built = fs.statSync(path.join(ROOT, '.next/BUILD_ID')).mtimeMs;
  const stale = files.filter((file) => {
    const full = path.join(ROOT, file);
    return fs.existsSync(full) && fs.statSync(full).mtimeMs > built;
  });
  return stale.length
    ? `${stale.join(', ')} changed after the build: the server runs them as built`
    : null;
}

/**
 * BENCH_BUILD_LOCK=/tmp/tenantry-build.lock: holds that flock(1) lock while a server runs on
 * `.next`, so a build by someone else on the machine cannot replace it meanwhile. Unset: no lock.
 */
export async function holdBuildLock(logDir: string): Promise<Child | undefined> {
  const lockFile = process.env.BENCH_BUILD_LOCK?.trim();
  if (!lockFile) return undefined;
  const started = performance.now();
  const holder = startChild(
    'build-lock',
    'flock',
    [lockFile, 'sh', '-c', 'echo locked; exec sleep 86400'],
    { cwd: ROOT, env: process.env, logDir },
  );
  while (!holder.log().includes('locked')) {
    if (holder.exited()) throw new Error(`could not take ${lockFile}: ${holder.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  line(
    `lock:    ${lockFile} held while the server runs (waited ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  return holder;
}

export type AppServer = { child: Child; port: number; readySeconds: number; describe: string };

/** `next start` on a free port, on the bench's database, ready to answer /api/health. */
export async function startAppServer(options: {
  driver: 'pglite' | 'pg' | 'neon';
  pgliteDir?: string;
  loginUrl?: string;
  logDir: string;
  name: string;
  env?: Record<string, string>;
  /** Neon only: the WebSocket proxy's address (host:port). */
  neonProxy?: string;
}): Promise<AppServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'DATABASE_DRIVER',
    'PGLITE_DIR',
    'NEON_WS_PROXY',
    'TRUST_PROXY',
  ])
    delete env[name];
  Object.assign(env, {
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    ROOT_DOMAIN: `localhost:${port}`,
    AUTH_SECRET: process.env.AUTH_SECRET || randomBytes(32).toString('base64url'),
    ...options.env,
  });
  if (options.driver === 'pglite') env.PGLITE_DIR = options.pgliteDir;
  else env.DATABASE_URL = options.loginUrl;
  if (options.driver === 'neon') {
    env.DATABASE_DRIVER = 'neon';
    env.NEON_WS_PROXY = options.neonProxy;
  }
  const child = startChild(
    options.name,
    process.execPath,
    [
      path.join(ROOT, 'node_modules/next/dist/bin/next'),
      'start',
      '-p',
      String(port),
      '-H',
      '127.0.0.1',
    ],
    { cwd: ROOT, env, logDir: options.logDir },
  );
  const readySeconds = await waitForReady(
    child,
    port,
    '/api/health',
    { host: `localhost:${port}` },
    120_000,
  );
  const extra = Object.entries(options.env ?? {})
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  return {
    child,
    port,
    readySeconds,
    describe:
      `next start on 127.0.0.1:${port} (pid ${child.pid}, own process group), ready in ${readySeconds.toFixed(1)} s; ` +
      `database ${options.driver === 'pglite' ? 'PGlite (its data directory)' : redact(options.loginUrl ?? '')}` +
      `${options.neonProxy ? ` via ${options.neonProxy}` : ''}` +
      `${extra ? `; ${extra}` : ''}`,
  };
}

export type Answer = { status: number; body: string };

/** A keep-alive client: one agent per section, `clients` sockets at most. */
export function httpClient(port: number, clients: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const send = (
    method: 'GET' | 'POST',
    pathname: string,
    headers: Record<string, string>,
    body?: string,
    timeoutMs = 30_000,
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: pathname,
          method,
          agent,
          timeout: timeoutMs,
          headers: body
            ? {
                ...headers,
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(body)),
              }
            : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${pathname} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}
