/**
 * `npm run bench -- --only metering-shutdown` — what the in-process usage buffer loses when the
 * server stops.
 *
 * The tenant API meters every served request into an in-process buffer (lib/metering/recorder.ts)
 * written every FLUSH_INTERVAL_MS (1 s); instrumentation.ts installs flushUsageOnShutdown, which
 * writes the buffer on SIGTERM/SIGINT and then exits (NEXT_MANUAL_SIG_HANDLE set). The section
 * starts the built server with NEXT_MANUAL_SIG_HANDLE=true and METERING_JOBS=off (only the buffer
 * writes usage), drives GET /api/v1/documents with an API key at a steady rate, counts the 2xx
 * answers the client received, then:
 *
 *   (a) SIGTERM right after the load (the last second of usage still in the buffer), waits for
 *       the exit, and compares the tenant's recorded api_calls with the answered requests
 *       (expected: 0 lost);
 *   (b) on a fresh tenant and a fresh server, SIGKILL in the middle of the load: the answered
 *       requests without recorded usage (expected: about one flush interval of traffic at most).
 *
 * Needs a production build (skipped without one).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPglite } from '@/db/pglite';
import { FLUSH_INTERVAL_MS } from '@/lib/metering/recorder';
import {
  holdBuildLock,
  httpClient,
  missingBuild,
  staleBuildNote,
  startAppServer,
  prepareApiTenant,
  type AppServer,
} from './app-server';
import { BENCH_DATABASE, withDatabase, type BenchConfig } from './config';
import { openBenchDatabase } from './database';
import { datasetStatements, tenantIdsSql } from './dataset';
import { line, loadAverage } from './print';
import { tail, type Child } from './server';

const DOCUMENTS_PATH = '/api/v1/documents?limit=20';
/** Requests in flight at most: beyond it the driver skips a tick (and says so). */
const MAX_IN_FLIGHT = 32;

type Load = {
  answered: number;
  failed: number;
  errors: number;
  skipped: number;
  seconds: number;
  /** Seconds of steady load before the interrupt (SIGKILL), or the whole run without one. */
  loadSeconds: number;
  statuses: Map<number, number>;
};

export async function meteringShutdown(config: BenchConfig): Promise<void> {
  const options = config.shutdown;
  line('\n══ metering-shutdown: usage the in-process buffer loses on SIGTERM and on SIGKILL ══');
  const driver = config.target.driver;
  if (driver === 'neon') {
    line('skipped: runs on PGlite or node-postgres (BENCH_DB=pglite|pg)');
    return;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-bench-shutdown-'));
  const pgliteDir = driver === 'pglite' ? path.join(scratch, 'pglite') : undefined;
  const children: Child[] = [];
  try {
    // The build is checked, and then used, under the lock (when BENCH_BUILD_LOCK is set).
    const lock = await holdBuildLock(scratch);
    if (lock) children.push(lock);
    const missing = missingBuild(['/api/v1/documents']);
    if (missing) {
      line(`skipped: ${missing}`);
      return;
    }
    const bench = await openBenchDatabase(config, {
      dataset: { statements: datasetStatements(2, 25), tenantIdsSql },
      pgliteDir,
    });
    const keys: string[] = [];
    try {
      for (const tenantId of bench.tenantIds)
        keys.push(
          await prepareApiTenant(bench.app.db, tenantId, {
            name: 'bench-shutdown',
            scopes: ['documents:read'],
          }),
        );
    } finally {
      await bench.close();
    }
    line(
      `server:  ${bench.serverVersion}${driver === 'pglite' ? ` in ${pgliteDir}` : ` · database ${BENCH_DATABASE} (dropped and created by this run)`}`,
    );
    line(
      `load:    GET ${DOCUMENTS_PATH} with an API key, ${options.rate} req/s (open loop, at most ${MAX_IN_FLIGHT} in flight) ` +
        `for ${options.seconds} s (BENCH_SHUTDOWN_RATE, BENCH_SHUTDOWN_SECONDS); flush interval ${FLUSH_INTERVAL_MS} ms; ` +
        `machine load ${loadAverage()} (1, 5, 15 min on ${os.cpus().length} cores)`,
    );
    const stale = staleBuildNote([
      'lib/metering/recorder.ts',
      'lib/metering/jobs.ts',
      'instrumentation.ts',
      'lib/api/handler.ts',
    ]);
    if (stale) line(`note:    ${stale}`);

    const recorded = recordedCalls(config, pgliteDir);
    const start = async (name: string) => {
      const server = await startAppServer({
        driver,
        pgliteDir,
        loginUrl: bench.loginUrl,
        logDir: scratch,
        name,
        env: { METERING_JOBS: 'off', NEXT_MANUAL_SIG_HANDLE: 'true' },
      });
      children.push(server.child);
      line(`app:     ${server.describe}`);
      return server;
    };

    // (a) SIGTERM after the load.
    const termTenant = bench.tenantIds[0]!;
    const term = await start('next-start-sigterm');
    const termLoad = await drive(term, 'bench-0001', keys[0]!, options.rate, options.seconds);
    const beforeSignal = driver === 'pglite' ? undefined : await recorded.read(termTenant);
    const signalled = performance.now();
    term.child.signal('SIGTERM');
    const termExit = await term.child.waitForExit(30_000);
    const exitSeconds = (performance.now() - signalled) / 1000;
    if (termExit === null)
      throw new Error(`the server did not exit within 30 s of SIGTERM:\n${tail(term.child.log())}`);
    const flushedLine = term.child
      .log()
      .split('\n')
      .find((text) => text.includes('metering.flushed_on_shutdown'));
    const flushedRows = flushedLine ? /"rows":(\d+)/.exec(flushedLine)?.[1] : undefined;
    const termRecorded = await recorded.read(termTenant);
    const termLost = termLoad.answered - termRecorded;

    // (b) SIGKILL in the middle of the load, on a fresh tenant and a fresh server.
    const killTenant = bench.tenantIds[1]!;
    const kill = await start('next-start-sigkill');
    const killLoad = await drive(kill, 'bench-0002', keys[1]!, options.rate, options.seconds, () =>
      kill.child.signal('SIGKILL'),
    );
    const killExit = await kill.child.waitForExit(10_000);
    const killRecorded = await recorded.read(killTenant);
    const killLost = killLoad.answered - killRecorded;
    await recorded.close();

    line('');
    describeLoad('(a) SIGTERM after the load', termLoad);
    line(
      `      exit ${String(termExit)} ${exitSeconds.toFixed(2)} s after SIGTERM; ` +
        (beforeSignal === undefined
          ? 'recorded before the signal: not readable on PGlite (the server owns the directory); '
          : `recorded before the signal ${beforeSignal} (so ${termLoad.answered - beforeSignal} answered requests were only in the buffer); `) +
        `shutdown flush log: ${flushedLine ? `metering.flushed_on_shutdown, ${flushedRows ?? '?'} rows (all metrics)` : 'NONE FOUND'}`,
    );
    line(
      `      answered ${termLoad.answered}, recorded api_calls ${termRecorded} → lost ${termLost}` +
        `${termLost === 0 ? ' ✓' : termLost < 0 ? ' (more recorded than answered: requests answered after the client gave up?)' : ' ✗'}`,
    );
    line(`      server log: ${meteringLog(term)}`);
    describeLoad('(b) SIGKILL mid-load', killLoad);
    // The answered rate before the kill (the second after it answers nothing).
    const perSecond = killLoad.answered / killLoad.loadSeconds;
    line(
      `      exit ${String(killExit)}; answered ${killLoad.answered}, recorded api_calls ${killRecorded} → lost ${killLost} ` +
        `= ${((killLost / Math.max(1, killLoad.answered)) * 100).toFixed(1)} % of the run's answered requests, ` +
        `${(killLost / perSecond).toFixed(2)} s of traffic at the measured ${perSecond.toFixed(1)} answered req/s ` +
        `(flush interval ${(FLUSH_INTERVAL_MS / 1000).toFixed(1)} s)`,
    );
    line(`      server log: ${meteringLog(kill)}`);
    if (termRecorded === 0 && killRecorded === 0 && termLoad.answered + killLoad.answered > 0)
      line(
        '  note: no api_calls were recorded at all, in either run: the buffer the route handlers write was never\n' +
          '        written, neither by its timer nor by the shutdown flush (which found its own buffer empty). That is\n' +
          '        what a second instance of lib/metering/recorder.ts would do: Next bundles instrumentation.ts apart\n' +
          '        from the route handlers, so a module-level singleton is not shared between them.',
      );
    line('');
    line(
      `metering_lost_on_sigterm ${termLost} of ${termLoad.answered} answered requests (expected 0) ${termLost === 0 ? 'PASS' : 'FAIL'}`,
    );
    const withinInterval = killLost <= perSecond * (FLUSH_INTERVAL_MS / 1000) * 1.2 + 1;
    line(
      `metering_lost_on_sigkill ${killLost} of ${killLoad.answered} answered requests = ${(killLost / perSecond).toFixed(2)} s of traffic ` +
        `(expected <= about ${(FLUSH_INTERVAL_MS / 1000).toFixed(1)} s) ${withinInterval ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    for (const child of children.reverse()) await child.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The server's metering log lines (flushes, failures), summarised: event × count, first error. */
function meteringLog(server: AppServer): string {
  const counts = new Map<string, number>();
  let firstError: string | undefined;
  for (const text of server.child.log().split('\n')) {
    const event = /"msg":"(metering\.[a-z_]+)"/.exec(text)?.[1];
    if (!event) continue;
    counts.set(event, (counts.get(event) ?? 0) + 1);
    if (!firstError && /failed|dropped/.test(event)) firstError = text.slice(0, 400);
  }
  const summary = [...counts.entries()].map(([event, n]) => `${event} ×${n}`).join(', ');
  return `${summary || 'no metering log lines'}${firstError ? `; first failure: ${firstError}` : ''}`;
}

function describeLoad(title: string, load: Load): void {
  const statuses = [...load.statuses.entries()].map(([status, n]) => `${status}×${n}`).join(' ');
  line(
    `  ${title}: ${load.answered} answered 2xx in ${load.seconds.toFixed(2)} s` +
      ` (statuses ${statuses || 'none'}; ${load.failed} non-2xx, ${load.errors} connection errors, ${load.skipped} ticks skipped at ${MAX_IN_FLIGHT} in flight)`,
  );
}

/**
 * Open-loop load: one request every 1/rate s for `seconds`. Without `interrupt`, then waits
 * for every request in flight. With it, calls `interrupt` at the end of the time while requests
 * are still in flight (SIGKILL mid-load), keeps the same pace for one more second, and waits for
 * whatever is left to answer or fail.
 */
async function drive(
  server: AppServer,
  slug: string,
  key: string,
  rate: number,
  seconds: number,
  interrupt?: () => void,
): Promise<Load> {
  const client = httpClient(server.port, MAX_IN_FLIGHT);
  const headers = { host: `${slug}.localhost:${server.port}`, authorization: `Bearer ${key}` };
  const load: Load = {
    answered: 0,
    failed: 0,
    errors: 0,
    skipped: 0,
    seconds: 0,
    loadSeconds: 0,
    statuses: new Map(),
  };
  const inFlight = new Set<Promise<void>>();
  const fire = () => {
    if (inFlight.size >= MAX_IN_FLIGHT) {
      load.skipped += 1;
      return;
    }
    const request = client
      .send('GET', DOCUMENTS_PATH, headers, undefined, 15_000)
      .then(
        (answer) => {
          load.statuses.set(answer.status, (load.statuses.get(answer.status) ?? 0) + 1);
          if (answer.status >= 200 && answer.status < 300) load.answered += 1;
          else load.failed += 1;
        },
        () => {
          load.errors += 1;
        },
      )
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  const started = performance.now();
  const interval = 1000 / rate;
  for (let tick = 0; tick * interval < seconds * 1000; tick += 1) {
    const wait = started + tick * interval - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    fire();
  }
  load.loadSeconds = (performance.now() - started) / 1000;
  if (interrupt) {
    interrupt();
    const after = performance.now();
    while (performance.now() - after < 1000) {
      fire();
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
  await Promise.all([...inFlight]);
  load.seconds = (performance.now() - started) / 1000;
  if (!interrupt) load.loadSeconds = load.seconds;
  client.close();
  return load;
}

/** The tenant's recorded api_calls (sum of values), read as the owner (superuser). */
function recordedCalls(
  config: BenchConfig,
  pgliteDir: string | undefined,
): { read(tenantId: string): Promise<number>; close(): Promise<void> } {
  const query = `select coalesce(sum(value), 0)::float8 as n from usage_events where tenant_id = $1 and metric = 'api_calls'`;
  if (config.target.driver === 'pglite') {
    return {
      // The server has exited: the directory can be opened again (after SIGKILL, PostgreSQL's
      // own crash recovery replays what was committed).
      read: async (tenantId) => {
        const pglite = await createPglite(pgliteDir);
        try {
          const result = await pglite.query<{ n: number }>(query, [tenantId]);
          return Number(result.rows[0]!.n);
        } finally {
          await pglite.close();
        }
      },
      close: async () => undefined,
    };
  }
  const client = new pg.Client({
    connectionString: withDatabase(config.target.adminUrl, BENCH_DATABASE),
  });
  const connected = client.connect();
  return {
    read: async (tenantId) => {
      await connected;
      const result = await client.query<{ n: number }>(query, [tenantId]);
      return Number(result.rows[0]!.n);
    },
    close: async () => {
      await connected;
      await client.end();
    },
  };
}
