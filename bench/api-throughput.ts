/**
 * `npm run bench -- --only api` — the tenant REST API's throughput against a route that does
 * nothing, on the same `next start` server, measured alternately with autocannon.
 *
 *   baseline   GET /api/bench/constant   a constant `{ data: [], nextCursor: null }`: middleware,
 *                                        routing and a JSON response, no authentication, no database
 *   candidate  GET /api/v1/documents     the real route: bearer API key (SHA-256 lookup), scope
 *              ?limit=20                 check, limits, a withTenant transaction, the first page
 *
 * Both go to the tenant host `bench-0001.localhost:<port>` (as the Host header), so both pass the
 * same middleware. The runs alternate — constant, documents, constant, documents … — after one
 * untimed warm-up run each, so the machine's drift lands on both. The report is the median req/s
 * over the runs per target, their ratio, and p50/p99 latency over every 2xx response.
 *
 * Needs a production build (`npm run build`): without `.next/BUILD_ID` the section says so and is
 * skipped. The server runs on the bench's own database (PostgreSQL: the `tenantry_bench` database
 * through the bench's login role; PGlite: a temporary data directory the bench prepares and then
 * hands over, since only one process may own it), and is stopped — its whole process group —
 * at the end, whatever happens.
 */
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { BENCH_DATABASE, redact, type BenchConfig } from './config';
import { openBenchDatabase } from './database';
import { line, loadAverage, message } from './print';
import { median, percentile } from './runner';
import { missingBuild, ROOT, staleBuildNote, startAppServer, prepareApiTenant } from './app-server';
import { request, startChild, tail, type Child } from './server';

const CONSTANT_PATH = '/api/bench/constant';
/** The tenant whose host the requests go to: the dataset's first (100 documents, 2 members). */
const BENCH_SLUG = 'bench-0001';
type Target = {
  key: 'constant' | 'documents';
  label: string;
  path: string;
  headers: Record<string, string>;
};

type Run = {
  target: Target['key'];
  seconds: number;
  ok: number;
  requestsPerSecond: number;
  failures: string | null;
  latencies: number[];
};

export async function apiThroughput(config: BenchConfig): Promise<void> {
  const api = config.api;
  line(
    '\n══ api: tenant API throughput — GET /api/v1/documents vs a constant route, one server ══',
  );

  const routes = [CONSTANT_PATH, new URL(api.path, 'http://x').pathname];
  const missing = missingBuild(routes);
  if (missing) {
    line(`skipped: ${missing}`);
    return;
  }
  const stale = staleBuildNote(routes.map((route) => path.join('app', route, 'route.ts')));
  if (stale) line(`note:    ${stale}`);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-bench-api-'));
  const children: Child[] = [];
  try {
    // 1. The database: the isolation dataset, with its first tenant on plan pro and an API key.
    const driver = config.target.driver;
    const pgliteDir = driver === 'pglite' ? path.join(scratch, 'pglite') : undefined;
    const bench = await openBenchDatabase(config, { pgliteDir });
    let key: string;
    let tenantId: string;
    try {
      tenantId = bench.tenantIds[0]!;
      key = await prepareApiTenant(bench.app.db, tenantId, {
        name: 'bench',
        scopes: ['documents:read'],
      });
    } finally {
      await bench.close(); // PGlite: the directory is the server's from here on
    }
    line(
      `server:  ${bench.serverVersion}${driver === 'pglite' ? ` in ${pgliteDir}` : ` · database ${BENCH_DATABASE} (dropped and created by this run)`}`,
    );
    line(
      `dataset: ${config.tenants} tenants × ${config.documentsPerTenant} documents (as the isolation section), ` +
        `loaded + VACUUM ANALYZE in ${bench.loadSeconds.toFixed(1)} s; ${BENCH_SLUG} on plan pro, ` +
        `API rate limits raised out of reach (a limiter refuses nothing), one API key with documents:read`,
    );

    // 2. The server, on a free port, on that database.
    let neonProxy: string | undefined;
    if (driver === 'neon') {
      // Neon's driver needs the WebSocket proxy; a process of its own, so the server's database
      // traffic does not share an event loop with autocannon.
      const proxy = startChild(
        'neon-ws-proxy',
        process.execPath,
        ['--import', 'tsx', 'test-support/neon-ws-proxy.ts', '--port', '0'],
        { cwd: ROOT, env: process.env, logDir: scratch },
      );
      children.push(proxy);
      neonProxy = await proxyAddress(proxy);
    }
    const app = await startAppServer({
      driver,
      pgliteDir,
      loginUrl: bench.loginUrl,
      logDir: scratch,
      name: 'next-start',
      env: { BENCH_ROUTES: 'true' },
      neonProxy,
    });
    const { port, child: server } = app;
    children.push(server);
    const store = process.env.UPSTASH_REDIS_REST_URL
      ? `Upstash REST at ${redact(process.env.UPSTASH_REDIS_REST_URL)}`
      : 'in-process memory (no UPSTASH_REDIS_REST_URL)';
    line(
      `app:     ${app.describe}; rate-limit store ${store}; LOG_LEVEL ${process.env.LOG_LEVEL || 'info'}`,
    );

    // 3. Both targets answer what they should before anything is timed.
    const host = `${BENCH_SLUG}.localhost:${port}`;
    const targets: Target[] = [
      { key: 'constant', label: `GET ${CONSTANT_PATH}`, path: CONSTANT_PATH, headers: { host } },
      {
        key: 'documents',
        label: `GET ${api.path}`,
        path: api.path,
        headers: { host, authorization: `Bearer ${key}` },
      },
    ];
    const sizes = await checkTargets(port, targets, host, server);
    line(
      `check:   constant → 200 ${sizes.constant} B; documents → 200 ${sizes.documents} B with ${sizes.rows} documents` +
        `${sizes.nextCursor ? ' + next cursor' : ''}; documents without the key → ${sizes.unauthenticated} ✓`,
    );
    line(
      `runs:    ${api.rounds} × ${api.seconds} s per target, alternating (constant, documents, …), after a ` +
        `${api.warmupSeconds} s warm-up each; ${api.connections} connections, no pipelining; Host ${host} ` +
        `(BENCH_API_ROUNDS, BENCH_API_SECONDS, BENCH_API_WARMUP_SECONDS, BENCH_API_CONNECTIONS, BENCH_API_PATH)`,
    );
    line(
      `load:    ${loadAverage()} (1, 5, 15 min load average on ${os.cpus().length} cores, at start)`,
    );

    // 4. Warm-up, then the alternating runs.
    for (const target of targets) await cannon(port, target, api.warmupSeconds, api.connections);
    const runs: Run[] = [];
    for (let round = 0; round < api.rounds; round += 1) {
      for (const target of targets) {
        const run = await cannon(port, target, api.seconds, api.connections);
        runs.push(run);
        line(
          `  run ${String(round + 1).padStart(2)} ${target.key.padEnd(9)} ${run.requestsPerSecond.toFixed(0).padStart(6)} req/s` +
            `  p50 ${percentile(run.latencies, 0.5).toFixed(2)} ms  p99 ${percentile(run.latencies, 0.99).toFixed(2)} ms` +
            `${run.failures ? `  ✗ ${run.failures}` : ''}`,
        );
      }
    }
    if (server.exited())
      throw new Error(`the server exited during the runs:\n${tail(server.log())}`);

    report(targets, runs);
  } finally {
    for (const child of children.reverse()) await child.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function report(targets: Target[], runs: Run[]): void {
  const summary = targets.map((target) => {
    const mine = runs.filter((run) => run.target === target.key);
    const latencies = mine.flatMap((run) => run.latencies);
    return {
      target,
      median: median(mine.map((run) => run.requestsPerSecond)),
      min: Math.min(...mine.map((run) => run.requestsPerSecond)),
      max: Math.max(...mine.map((run) => run.requestsPerSecond)),
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      responses: latencies.length,
      failed: mine.filter((run) => run.failures).length,
    };
  });
  const width = Math.max(...targets.map((target) => target.label.length));
  line('');
  line(
    `  ${'target'.padEnd(width)}  ${'median req/s'.padStart(12)}  ${'range'.padStart(13)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  ${'2xx'.padStart(8)}  ratio`,
  );
  for (const row of summary) {
    line(
      `  ${row.target.label.padEnd(width)}  ${row.median.toFixed(0).padStart(12)}  ${`${row.min.toFixed(0)}–${row.max.toFixed(0)}`.padStart(13)}  ` +
        `${row.p50.toFixed(2).padStart(7)}  ${row.p99.toFixed(2).padStart(7)}  ${String(row.responses).padStart(8)}  ` +
        `${(row.median / summary[0]!.median).toFixed(2)}x`,
    );
  }
  line(
    "  ratio = median req/s ÷ the constant route's median req/s; range = slowest–fastest run;\n" +
      '  p50/p99 over every 2xx response of the measured runs (timed by autocannon, client side)\n',
  );
  const [constant, documents] = summary as [(typeof summary)[0], (typeof summary)[0]];
  const failed = summary.some((row) => row.failed > 0);
  line(
    `api_documents_throughput ${documents.median.toFixed(0)} req/s vs constant ${constant.median.toFixed(0)} req/s = ` +
      `${(documents.median / constant.median).toFixed(2)}x (p50 ${documents.p50.toFixed(2)} vs ${constant.p50.toFixed(2)} ms, ` +
      `p99 ${documents.p99.toFixed(2)} vs ${constant.p99.toFixed(2)} ms)` +
      (failed ? ' — NOT VALID: some runs had non-2xx answers or errors (see ✗ above)' : ''),
  );
}

/** One autocannon run against one target; a latency sample for every 2xx response. */
function cannon(port: number, target: Target, seconds: number, connections: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}${target.path}`,
        headers: target.headers,
        connections,
        duration: seconds,
        pipelining: 1,
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const failures = [
          result.non2xx ? `${result.non2xx} non-2xx (${statusCounts(result)})` : '',
          result.errors ? `${result.errors} errors` : '',
          result.timeouts ? `${result.timeouts} timeouts` : '',
        ]
          .filter(Boolean)
          .join(', ');
        resolve({
          target: target.key,
          seconds: result.duration,
          ok: result['2xx'],
          requestsPerSecond: result['2xx'] / result.duration,
          failures: failures || null,
          latencies,
        });
      },
    );
    // autocannon emits (client, statusCode, bytes, responseTime in ms, sub-millisecond).
    (instance as unknown as EventEmitter).on(
      'response',
      (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      },
    );
  });
}

function statusCounts(result: autocannon.Result): string {
  return Object.entries(result.statusCodeStats ?? {})
    .map(([status, { count }]) => `${status}×${count ?? 0}`)
    .join(' ');
}

async function checkTargets(
  port: number,
  targets: Target[],
  host: string,
  server: Child,
): Promise<{
  constant: number;
  documents: number;
  rows: number;
  nextCursor: boolean;
  unauthenticated: number;
}> {
  const [constantTarget, documentsTarget] = targets as [Target, Target];
  const fail = (what: string, reply: { status: number; body: string }) =>
    new Error(
      `${what} answered HTTP ${reply.status}: ${reply.body.slice(0, 300)}\nserver log:\n${tail(server.log())}`,
    );
  const constant = await request(port, constantTarget.path, constantTarget.headers);
  if (constant.status !== 200 || constant.body !== '{"data":[],"nextCursor":null}')
    throw fail(`GET ${constantTarget.path} on ${host}`, constant);
  const documents = await request(port, documentsTarget.path, documentsTarget.headers);
  let page: { data?: unknown; nextCursor?: unknown } = {};
  try {
    page = JSON.parse(documents.body) as typeof page;
  } catch {
    // reported below
  }
  if (documents.status !== 200 || !Array.isArray(page.data) || page.data.length === 0)
    throw fail(`GET ${documentsTarget.path} on ${host} with the API key`, documents);
  const anonymous = await request(port, documentsTarget.path, { host });
  if (anonymous.status !== 401)
    throw fail(`GET ${documentsTarget.path} on ${host} without a key (expected 401)`, anonymous);
  return {
    constant: Buffer.byteLength(constant.body),
    documents: Buffer.byteLength(documents.body),
    rows: page.data.length,
    nextCursor: typeof page.nextCursor === 'string',
    unauthenticated: anonymous.status,
  };
}

async function proxyAddress(proxy: Child): Promise<string> {
  const started = performance.now();
  while (performance.now() - started < 30_000) {
    const found = /listening on (127\.0\.0\.1:\d+)/.exec(proxy.log());
    if (found) return found[1]!;
    if (proxy.exited()) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the Neon WebSocket proxy did not start: ${message(proxy.log())}`);
}
