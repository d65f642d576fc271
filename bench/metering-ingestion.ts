/**
 * `npm run bench -- --only ingestion` — how fast usage events go in, four ways, on the same
 * table in one run:
 *
 *   (a) product, in-process  ingestUsageEvents(tx, …) inside withTenant, batches of 1,000 valid
 *                            events with unique idempotency keys: validation (zod + catalogue +
 *                            clock), then INSERT … ON CONFLICT DO NOTHING RETURNING
 *   (b) plain INSERT         the same rows, already converted, as one multi-row INSERT per 1,000
 *                            (drizzle, inside withTenant: same role, same policy, no validation,
 *                            no ON CONFLICT, no RETURNING)
 *   (c) COPY                 the same rows as CSV through one COPY … FROM STDIN per run, as the
 *                            superuser owner connection (COPY FROM refuses tables under RLS for
 *                            any role it applies to): node-postgres + pg-copy-streams on a server,
 *                            PGlite's COPY … FROM '/dev/blob' on the embedded database
 *   (d) product over HTTP    POST /api/v1/usage/events to `next start`, 100 events per request,
 *                            a few concurrent keep-alive clients, every answer checked (200,
 *                            accepted = 100)
 *
 * (a)–(c) write the same events (same tenant, keys, payloads) in BENCH_INGEST_ROUNDS rounds of a
 * slice each, in rotating order, every run on an emptied usage_events (TRUNCATE) with its row
 * count checked after. (d) runs afterwards on a server (it needs a production build and is
 * skipped without one).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createPglite } from '@/db/pglite';
import { usageEvents, type NewUsageEvent } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { ingestUsageEvents } from '@/lib/metering/ingest';
import { sql } from 'drizzle-orm';
import {
  holdBuildLock,
  httpClient,
  missingBuild,
  staleBuildNote,
  startAppServer,
  prepareApiTenant,
} from './app-server';
import { BENCH_DATABASE, withDatabase, type BenchConfig } from './config';
import { openBenchDatabase, type BenchDatabase } from './database';
import { datasetStatements, tenantIdsSql } from './dataset';
import { line, loadAverage } from './print';
import { tail, type Child } from './server';

const INGEST_ROUTE = '/api/v1/usage/events';
const COPY_COLUMNS = 'tenant_id, metric, value, idempotency_key, occurred_at, properties, source';
const ROUTES = ['listDocuments', 'getDocument', 'createDocument', 'updateDocument', 'search'];
const FEATURES = ['export', 'sso', 'ai_summary'];

/** What the product's API receives: one event as a client sends it. */
type WireEvent = {
  metric: string;
  value: number;
  timestamp: string;
  idempotencyKey: string;
  properties: Record<string, string>;
};

type Result = { key: string; label: string; events: number; seconds: number; note?: string };

/**
 * N valid events of a realistic mix — api_calls (route) 60 %, compute_ms (route) 20 %,
 * egress_bytes (route) 15 %, feature_usage (feature) 5 % — stamped over the last 24 hours,
 * with unique keys. Deterministic but for the clock.
 */
function makeEvents(count: number, prefix: string, now: number): WireEvent[] {
  const events: WireEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const kind = i % 20;
    const route = ROUTES[(i * 7) % ROUTES.length]!;
    const timestamp = new Date(now - ((i * 7919) % 86_400) * 1000).toISOString();
    const idempotencyKey = `${prefix}-${String(i).padStart(8, '0')}`;
    if (kind < 12)
      events.push({
        metric: 'api_calls',
        value: 1,
        timestamp,
        idempotencyKey,
        properties: { route },
      });
    else if (kind < 16)
      events.push({
        metric: 'compute_ms',
        value: ((i * 37) % 500) + 0.25,
        timestamp,
        idempotencyKey,
        properties: { route },
      });
    else if (kind < 19)
      events.push({
        metric: 'egress_bytes',
        value: 512 + ((i * 131) % 8192),
        timestamp,
        idempotencyKey,
        properties: { route },
      });
    else
      events.push({
        metric: 'feature_usage',
        value: 1,
        timestamp,
        idempotencyKey,
        properties: { feature: FEATURES[i % FEATURES.length]! },
      });
  }
  return events;
}

function rowsOf(tenantId: string, events: WireEvent[]): NewUsageEvent[] {
  return events.map((event) => ({
    tenantId,
    metric: event.metric,
    value: event.value,
    idempotencyKey: event.idempotencyKey,
    occurredAt: new Date(event.timestamp),
    properties: event.properties,
    source: 'api',
  }));
}

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One CSV line of a row (keys and metric names carry no comma or quote; properties are quoted). */
function csvLine(tenantId: string, event: WireEvent): string {
  const properties = JSON.stringify(event.properties).replace(/"/g, '""');
  return `${tenantId},${event.metric},${event.value},${event.idempotencyKey},${event.timestamp},"${properties}",api\n`;
}

function* csvChunks(tenantId: string, events: WireEvent[], size: number): Generator<string> {
  for (let i = 0; i < events.length; i += size) {
    let chunk = '';
    for (const event of events.slice(i, i + size)) chunk += csvLine(tenantId, event);
    yield chunk;
  }
}

export async function meteringIngestion(config: BenchConfig): Promise<void> {
  const options = config.ingestion;
  line('\n══ ingestion: usage events per second — product path, plain INSERT, COPY, HTTP ══');
  const driver = config.target.driver;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-bench-ingest-'));
  const children: Child[] = [];
  const pgliteDir = driver === 'pglite' ? path.join(scratch, 'pglite') : undefined;
  try {
    const bench = await openBenchDatabase(config, {
      dataset: { statements: datasetStatements(1, 1), tenantIdsSql },
      pgliteDir,
    });
    const tenantId = bench.tenantIds[0]!;
    const count = Math.ceil(options.events / options.batch) * options.batch;
    const now = Date.now();
    const events = makeEvents(count, 'bench-ingest', now);
    const warmupEvents = makeEvents(2 * options.batch, 'bench-warmup', now);
    const results: Result[] = [];
    let key: string;
    try {
      key = await prepareApiTenant(bench.app.db, tenantId, {
        name: 'bench-ingest',
        scopes: ['usage:write'],
      });
      line(
        `server:  ${bench.serverVersion}${driver === 'pglite' ? ` in ${pgliteDir}` : ` · database ${BENCH_DATABASE} (dropped and created by this run)`}`,
      );
      line(
        `events:  ${count.toLocaleString('en')} per method (BENCH_INGEST_EVENTS), one tenant on plan pro, the same events ` +
          `for every method: api_calls 60 %, compute_ms 20 %, egress_bytes 15 % (with a route), feature_usage 5 % ` +
          `(with a feature), stamped over the last 24 h, unique idempotency keys`,
      );
      line(
        `method:  an untimed warm-up of ${warmupEvents.length.toLocaleString('en')} other events per method, then ${options.rounds} rounds ` +
          `(BENCH_INGEST_ROUNDS) of a slice of the events per method in rotating order; usage_events emptied (TRUNCATE) ` +
          `before every run and its row count checked after; events/s = all events ÷ the sum of the timed runs`,
      );
      line(
        `load:    ${loadAverage()} (1, 5, 15 min load average on ${os.cpus().length} cores, at start)`,
      );

      const reset = () => bench.asOwner('truncate usage_events');
      type Method = { key: string; label: string; run: (list: WireEvent[]) => Promise<void> };

      // (a) The product's path, as the route runs it: one withTenant transaction per batch.
      const product: Method = {
        key: 'product',
        label: '(a) product in-process: ingestUsageEvents in withTenant, 1,000 per batch',
        run: async (list) => {
          for (const batch of batches(list, options.batch)) {
            const outcome = await withTenant(
              tenantId,
              (tx) => ingestUsageEvents(tx, { tenantId, events: batch, source: 'api' }),
              bench.app.db,
            );
            if (outcome.accepted !== batch.length)
              throw new Error(
                `ingestUsageEvents accepted ${outcome.accepted} of ${batch.length}: ${JSON.stringify(outcome.results.find((r) => r.status !== 'accepted'))}`,
              );
          }
        },
      };
      // (b) The same rows, converted before timing, as a plain multi-row INSERT.
      const plainRows = new Map<WireEvent[], NewUsageEvent[]>();
      const plain: Method = {
        key: 'plain',
        label: '(b) plain INSERT in withTenant, 1,000 rows per statement',
        run: async (list) => {
          for (const batch of batches(plainRows.get(list)!, options.batch))
            await withTenant(tenantId, (tx) => tx.insert(usageEvents).values(batch), bench.app.db);
        },
      };
      // (c) COPY: the physical limit of getting these rows into this table.
      const copy = copier(config, bench);
      const methods: Method[] = [
        product,
        plain,
        { key: 'copy', label: copy.label, run: (list) => copy.run(tenantId, list) },
      ];

      // The events in `rounds` slices of whole batches; each round runs every method on its
      // slice from an empty table, in rotating order (abc, bca, cab), so drift lands on all.
      const perRound = Math.ceil(count / options.batch / options.rounds) * options.batch;
      const slices = batches(events, perRound);
      for (const list of [warmupEvents, ...slices]) plainRows.set(list, rowsOf(tenantId, list));
      const totals = new Map(methods.map((method) => [method.key, 0]));
      try {
        for (const method of methods) {
          await reset();
          await method.run(warmupEvents);
        }
        for (let round = 0; round < slices.length; round += 1) {
          const list = slices[round]!;
          const cells: string[] = [];
          for (let i = 0; i < methods.length; i += 1) {
            const method = methods[(round + i) % methods.length]!;
            await reset();
            const started = performance.now();
            await method.run(list);
            const seconds = (performance.now() - started) / 1000;
            await expectRows(bench, tenantId, list.length, method.label);
            totals.set(method.key, totals.get(method.key)! + seconds);
            cells.push(`${method.key} ${Math.round(list.length / seconds).toLocaleString('en')}`);
          }
          line(
            `  round ${round + 1}: ${list.length.toLocaleString('en')} events each — ${cells.join(', ')} events/s`,
          );
        }
      } finally {
        await copy.close();
      }
      for (const method of methods)
        results.push({
          key: method.key,
          label: method.label,
          events: count,
          seconds: totals.get(method.key)!,
        });
    } finally {
      await bench.close(); // PGlite: the directory is the server's from here on
    }

    // (d) The product's path over HTTP, on a server.
    const lock = await holdBuildLock(scratch); // checked under the lock: nobody rebuilds meanwhile
    if (lock) children.push(lock);
    const missing =
      driver === 'neon'
        ? 'the metering sections start the server on PGlite or node-postgres only'
        : missingBuild([INGEST_ROUTE]);
    if (missing) {
      line(`  (d) product over HTTP: skipped — ${missing}`);
    } else {
      const stale = staleBuildNote([
        'app/api/v1/usage/events/route.ts',
        'lib/metering/ingest.ts',
        'lib/metering/events.ts',
        'lib/api/handler.ts',
      ]);
      if (stale) line(`note:    ${stale}`);
      const result = await overHttp(config, {
        driver,
        pgliteDir,
        loginUrl: bench.loginUrl,
        scratch,
        key,
        count,
        events,
        warmupEvents,
        children,
      });
      results.push(result);
      line(`  ${result.label}: ${rate(result)} events/s (${result.seconds.toFixed(2)} s)`);
    }
    report(results);
  } finally {
    for (const child of children.reverse()) await child.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function rate(result: Result): string {
  return Math.round(result.events / result.seconds).toLocaleString('en');
}

async function expectRows(
  bench: BenchDatabase,
  tenantId: string,
  expected: number,
  label: string,
): Promise<void> {
  const rows = await countRows(bench, tenantId);
  if (rows !== expected)
    throw new Error(`${label}: usage_events holds ${rows} rows, expected ${expected}`);
}

async function countRows(bench: BenchDatabase, tenantId: string): Promise<number> {
  const result = (await withPlatform(
    (tx) =>
      tx.execute(sql`select count(*)::int as n from usage_events where tenant_id = ${tenantId}`),
    bench.app.db,
  )) as unknown as { rows: { n: number }[] };
  return Number(result.rows[0]!.n);
}

/** COPY … FROM STDIN for the driver, and what exactly it is. */
function copier(
  config: BenchConfig,
  bench: BenchDatabase,
): {
  label: string;
  run(tenantId: string, events: WireEvent[]): Promise<void>;
  close(): Promise<void>;
} {
  const statement = `copy usage_events (${COPY_COLUMNS}) from stdin with (format csv)`;
  if (bench.driver === 'pglite') {
    const pglite = bench.pglite!;
    return {
      label:
        "(c) COPY … FROM '/dev/blob' (CSV, one statement per run, PGlite superuser: RLS bypassed), CSV built in the timed part",
      run: async (tenantId, events) => {
        let csv = '';
        for (const chunk of csvChunks(tenantId, events, 1000)) csv += chunk;
        await pglite.exec('reset role');
        try {
          await pglite.query(
            `copy usage_events (${COPY_COLUMNS}) from '/dev/blob' with (format csv)`,
            [],
            { blob: new Blob([csv]) },
          );
        } finally {
          await pglite.exec('set role tenantry_app');
        }
      },
      close: async () => undefined,
    };
  }
  if (config.target.driver === 'pglite') throw new Error('unreachable');
  const ownerUrl = withDatabase(config.target.adminUrl, BENCH_DATABASE);
  // One connection for the section, opened by the (untimed) warm-up run.
  let client: pg.Client | undefined;
  return {
    label:
      `(c) COPY … FROM STDIN (CSV via pg-copy-streams${bench.driver === 'neon' ? ' over node-postgres: the Neon driver has no COPY FROM STDIN' : ''}, ` +
      'one statement per run, owner = superuser: RLS bypassed), CSV built in the timed part',
    run: async (tenantId, events) => {
      if (!client) {
        client = new pg.Client({ connectionString: ownerUrl });
        await client.connect();
      }
      await pipeline(
        Readable.from(csvChunks(tenantId, events, 1000)),
        client.query(copyFrom(statement)),
      );
    },
    close: async () => {
      await client?.end();
    },
  };
}

async function overHttp(
  config: BenchConfig,
  context: {
    driver: 'pglite' | 'pg' | 'neon';
    pgliteDir?: string;
    loginUrl?: string;
    scratch: string;
    key: string;
    count: number;
    events: WireEvent[];
    warmupEvents: WireEvent[];
    children: Child[];
  },
): Promise<Result> {
  const options = config.ingestion;
  const { driver } = context;
  // Empty the table again: on PGlite only the server may open the directory, so it is emptied
  // before the server starts (the warm-up's rows are then the only ones before the timed run).
  if (driver === 'pglite') {
    const pglite = await createPglite(context.pgliteDir);
    await pglite.exec('truncate usage_events');
    await pglite.close();
  }
  const server = await startAppServer({
    driver,
    pgliteDir: context.pgliteDir,
    loginUrl: context.loginUrl,
    logDir: context.scratch,
    name: 'next-start-ingest',
    env: { METERING_JOBS: 'off' },
  });
  context.children.push(server.child);
  line(`app:     ${server.describe}`);
  const host = `bench-0001.localhost:${server.port}`;
  const headers = { host, authorization: `Bearer ${context.key}` };
  const client = httpClient(server.port, options.httpClients);
  const post = async (body: string, size: number) => {
    const answer = await client.send('POST', INGEST_ROUTE, headers, body);
    let accepted = -1;
    try {
      accepted = (JSON.parse(answer.body) as { accepted?: number }).accepted ?? -1;
    } catch {
      // reported below
    }
    if (answer.status !== 200 || accepted !== size)
      throw new Error(
        `POST ${INGEST_ROUTE} answered ${answer.status} (accepted ${accepted} of ${size}): ${answer.body.slice(0, 300)}\n${tail(server.child.log())}`,
      );
  };
  const bodies = (list: WireEvent[]) =>
    batches(list, options.httpBatch).map((batch) => ({
      size: batch.length,
      body: JSON.stringify({ events: batch }),
    }));
  const send = async (requests: { size: number; body: string }[]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: options.httpClients }, async () => {
        while (next < requests.length) {
          const request = requests[next++]!;
          await post(request.body, request.size);
        }
      }),
    );
  };
  try {
    const warmup = bodies(context.warmupEvents);
    const timed = bodies(context.events); // serialized before timing: a client has its JSON ready
    await send(warmup);
    if (driver !== 'pglite' && config.target.driver !== 'pglite') {
      const owner = new pg.Client({
        connectionString: withDatabase(config.target.adminUrl, BENCH_DATABASE),
      });
      await owner.connect();
      try {
        await owner.query('truncate usage_events');
      } finally {
        await owner.end();
      }
    }
    const started = performance.now();
    await send(timed);
    const seconds = (performance.now() - started) / 1000;
    if (server.child.exited())
      throw new Error(`the server exited during the run:\n${tail(server.child.log())}`);
    return {
      key: 'http',
      label: `(d) product over HTTP: POST ${INGEST_ROUTE}, ${options.httpBatch} per request, ${options.httpClients} keep-alive clients`,
      events: context.count,
      seconds,
      note:
        driver === 'pglite'
          ? `table emptied before the warm-up only (the server owns PGlite's directory): the timed run starts on ${context.warmupEvents.length.toLocaleString('en')} rows`
          : undefined,
    };
  } finally {
    client.close();
    await server.child.stop();
  }
}

function report(results: Result[]): void {
  const byKey = new Map(results.map((result) => [result.key, result]));
  const perSecond = (key: string) => {
    const result = byKey.get(key);
    return result ? result.events / result.seconds : undefined;
  };
  line('');
  const width = Math.max(...results.map((result) => result.label.length));
  line(`  ${'method'.padEnd(width)}  ${'events/s'.padStart(9)}  ${'seconds'.padStart(7)}`);
  for (const result of results) {
    line(
      `  ${result.label.padEnd(width)}  ${rate(result).padStart(9)}  ${result.seconds.toFixed(2).padStart(7)}`,
    );
    if (result.note) line(`  ${''.padEnd(width)}  note: ${result.note}`);
  }
  line('');
  const ratio = (name: string, top: string, bottom: string, target?: number) => {
    const a = perSecond(top);
    const b = perSecond(bottom);
    if (a === undefined || b === undefined) {
      line(`${name} — not measured`);
      return;
    }
    const value = a / b;
    const verdict =
      target === undefined
        ? ''
        : ` (target >= ${target}x) ${Math.round(value * 100) >= Math.round(target * 100) ? 'PASS' : 'FAIL'}`;
    line(
      `${name} ${value.toFixed(2)}x${verdict}  (${Math.round(a).toLocaleString('en')} vs ${Math.round(b).toLocaleString('en')} events/s)`,
    );
  };
  ratio('ingest_product_vs_plain_insert', 'product', 'plain', 0.5);
  ratio('ingest_product_vs_copy', 'product', 'copy');
  ratio('ingest_http_vs_in_process', 'http', 'product', 0.3);
}
