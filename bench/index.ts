/**
 * `npm run bench` — measurements side by side, in eight sections (`--only isolation|api|console|
 * ingestion|usage-dashboard|metering-shutdown|billing|encryption`, all of them by default):
 *
 *   isolation          what tenant isolation costs on the document list (below);
 *   api                GET /api/v1/documents against a constant route on the same `next start`
 *                      server, alternately, with autocannon (bench/api-throughput.ts);
 *   console            the operator console's tenant list at 10,000 tenants (bench/console-list.ts);
 *   ingestion          usage events/s: the product's ingest path in-process and over HTTP against
 *                      a plain INSERT and COPY (bench/metering-ingestion.ts);
 *   usage-dashboard    the usage dashboard from rollups vs from 1,000,000 raw events of a tenant
 *                      (bench/usage-dashboard.ts);
 *   metering-shutdown  usage the in-process buffer loses on SIGTERM and SIGKILL
 *                      (bench/metering-shutdown.ts);
 *   billing            Stripe webhooks (new, duplicate, concurrent), the internal invoicing pass
 *                      and the cost report against the usage overview (bench/billing.ts);
 *   encryption         a document's create + read with per-tenant field encryption against the
 *                      same statements storing plaintext (bench/encryption.ts).
 *
 * The isolation section:
 *
 *   (a) rls_policy_overhead   the list query under RLS (tenantry_app + app.tenant_id) against the
 *                             same query as a BYPASSRLS role, both inside an open transaction,
 *                             timing only the query                                target ≤ 1.05×
 *   (b) with_tenant_overhead  a whole withTenant round (BEGIN, set_config, query, COMMIT) against
 *                             the bare query on a pooled connection, no transaction  target ≤ 1.3×
 *   (c) the proposed withTenant (BEGIN + set_config in one message), and on node-postgres
 *       (c2) the pipelined one, in the same interleaved loop as (b).
 *
 * Each runs on listDocuments' own statement (the metric lines without suffix), then on the same
 * statement with DESC NULLS LAST — the order its index is built in (suffix _index_ordered) — and
 * (a) once more on documents alone, to isolate the documents policy (_documents_only).
 *
 * A report, not a test: it exits 0 whatever the ratios (non-zero only if it cannot run).
 * See docs/benchmarks.md.
 */
import os from 'node:os';
import { desc, eq, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { documents } from '@/db/schema';
import { withTenant } from '@/db/scope';
// The module itself, not lib/documents/index.ts: that surface also exports page helpers that
// import next/navigation, which cannot load outside Next (React's react-server build has no context).
import { listDocuments, type DocumentPage } from '@/lib/documents/documents';
import { takeCensus, shortStatement, type Census } from './census';
import { apiThroughput } from './api-throughput';
import { billingBench } from './billing';
import { encryptionBench } from './encryption';
import { BENCH_DATABASE, readBenchConfig, readSections, type BenchConfig } from './config';
import { consoleList } from './console-list';
import { meteringIngestion } from './metering-ingestion';
import { meteringShutdown } from './metering-shutdown';
import { usageDashboard } from './usage-dashboard';
import { openBenchDatabase, type BenchDatabase } from './database';
import { line, loadAverage, plural } from './print';
import {
  oneMessagePglite,
  oneMessageWithTenant,
  pipelinedWithTenant,
  type WithTenant,
} from './proposal';
import { interleave, random, timeMicros, type Measurement, type Variant } from './runner';
import { explainAnalyze } from './sql';

type Target = { metric: string; limit: number; proposal?: boolean };

async function main(): Promise<void> {
  const startedAt = performance.now();
  const sections = readSections(process.argv.slice(2));
  const config = readBenchConfig();
  const cpus = os.cpus();
  line(`Tenantry benchmark — ${sections.join(', ')} (${new Date().toISOString()})`);
  line(
    `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), node ${process.version}`,
  );
  line(`driver:  ${config.target.label}`);

  if (sections.includes('isolation')) {
    line('\n══ isolation: tenant isolation on the document list ══');
    const bench = await openBenchDatabase(config);
    try {
      await report(config, bench);
    } finally {
      await bench.close();
    }
  }
  if (sections.includes('api')) await apiThroughput(config);
  if (sections.includes('console')) await consoleList(config);
  if (sections.includes('ingestion')) await meteringIngestion(config);
  if (sections.includes('usage-dashboard')) await usageDashboard(config);
  if (sections.includes('metering-shutdown')) await meteringShutdown(config);
  if (sections.includes('billing')) await billingBench(config);
  if (sections.includes('encryption')) await encryptionBench(config);
  line(
    `\ntotal time ${((performance.now() - startedAt) / 1000).toFixed(1)} s · load average at the end ${loadAverage()}`,
  );
}

async function report(config: BenchConfig, bench: BenchDatabase): Promise<void> {
  const app = bench.app;
  const pageSize = config.pageSize;
  const rows = config.tenants * config.documentsPerTenant;
  line(
    `server:  ${bench.serverVersion}${bench.driver === 'pglite' ? '' : ` · database ${BENCH_DATABASE} (dropped and created by this run)`}`,
  );
  line(
    `dataset: ${config.tenants} tenants × ${config.documentsPerTenant} documents = ${rows.toLocaleString('en')} rows ` +
      `(2 members per tenant as authors), loaded + VACUUM ANALYZE in ${bench.loadSeconds.toFixed(1)} s`,
  );
  line(
    `rounds:  ${config.seconds === undefined ? `${config.rounds}` : `up to ${config.rounds} (or ${config.seconds} s)`} per measurement, ` +
      `after ${config.warmup} warm-up rounds; seed ${config.seed} (BENCH_ROUNDS, BENCH_SECONDS, BENCH_WARMUP, BENCH_SEED)`,
  );
  line(
    `load:    ${loadAverage()} (1, 5, 15 min load average on ${os.cpus().length} cores, at start)`,
  );
  for (const note of bench.notes) line(`note:    ${note}`);

  const baselineRole = bench.baselineRole;
  const bare = bench.bare;
  const inTxBaseline = <T>(work: (tx: Transaction) => Promise<T>): Promise<T> =>
    app.db.transaction(async (tx) => {
      await tx.execute(
        sql`select set_config('role', ${baselineRole}, true), set_config('app.tenant_id', '', true)`,
      );
      return work(tx);
    });
  /** Runs `work` on the bare connection (PGlite: switches the session role around it). */
  const onBare = async <T>(work: (db: Transaction) => Promise<T>): Promise<T> => {
    await bare.enter?.();
    try {
      return await work(bare.db as unknown as Transaction);
    } finally {
      await bare.leave?.();
    }
  };
  const proposal: WithTenant =
    bench.driver === 'pglite'
      ? oneMessagePglite(bench.pglite!, app.db)
      : oneMessageWithTenant(bench.appPool!, bench.driver);
  const pipelined = bench.pipelinePool ? pipelinedWithTenant(bench.pipelinePool) : undefined;

  /** (a): both sides in an already-open transaction with the role set; only the query is timed. */
  const policyVariants = (query: ListQuery): Variant[] => [
    {
      key: 'a.baseline',
      label: `${baselineRole}${bench.baselineBypassesRls ? ' (BYPASSRLS)' : ''}, WHERE tenant_id = $1 only`,
      run: (tenantId) => inTxBaseline((tx) => timeMicros(() => query.run(tx, tenantId))),
    },
    {
      key: 'a.rls',
      label: 'tenantry_app under RLS (withTenant setting)',
      run: (tenantId) =>
        withTenant(tenantId, (tx) => timeMicros(() => query.run(tx, tenantId)), app.db),
    },
  ];
  /** (b), (c): whole operations, timed from call to result. */
  const roundVariants = (query: ListQuery): Variant[] => [
    {
      key: 'b.bare',
      label: `bare query: pooled connection in ${baselineRole}, no transaction`,
      run: (tenantId) => onBare((db) => timeMicros(() => query.run(db, tenantId))), // PGlite's role switch is untimed
    },
    {
      key: 'b.withTenant',
      label: 'withTenant today (db/scope.ts)',
      run: (tenantId) =>
        timeMicros(() => withTenant(tenantId, (tx) => query.run(tx, tenantId), app.db)),
    },
    {
      key: 'c.oneMessage',
      label: '(c) proposal: BEGIN + set_config in one message',
      run: (tenantId) => timeMicros(() => proposal(tenantId, (tx) => query.run(tx, tenantId))),
    },
    ...(pipelined
      ? [
          {
            key: 'c2.pipelined',
            label: '(c2) proposal: pg pipeline mode',
            run: (tenantId: string) =>
              timeMicros(() => pipelined(tenantId, (tx) => query.run(tx, tenantId))),
          },
        ]
      : []),
  ];

  // The app's query: listDocuments itself, first page.
  const appQuery: ListQuery = {
    name: "listDocuments (the app's query)",
    run: (tx, tenantId) => listDocuments(tx, { tenantId, limit: pageSize }),
  };

  // Every way of reading must return the same page, or the comparison means nothing.
  const probe = bench.tenantIds[0]!;
  const reference = JSON.stringify(
    await withTenant(probe, (tx) => appQuery.run(tx, probe), app.db),
  );
  const readers: Array<[string, () => Promise<unknown>]> = [
    ['(a) baseline', () => inTxBaseline((tx) => appQuery.run(tx, probe))],
    ['(b) bare', () => onBare((db) => appQuery.run(db, probe))],
    ['(c) proposal', () => proposal(probe, (tx) => appQuery.run(tx, probe))],
  ];
  if (pipelined)
    readers.push(['(c2) pipelined', () => pipelined(probe, (tx) => appQuery.run(tx, probe))]);
  for (const [name, read] of readers) {
    if (JSON.stringify(await read()) !== reference)
      throw new Error(`${name} returned a different page than withTenant`);
  }
  const page = JSON.parse(reference) as DocumentPage;
  if (page.data.length !== pageSize || !page.nextCursor)
    throw new Error(`expected a full first page of ${pageSize} documents`);
  line(
    `check:   every variant returns the same first page (${page.data.length} documents + next cursor) ✓`,
  );

  // What each operation sends to the database.
  line(
    '\nStatements per operation (counted at the driver, one call each, outside the timed runs):',
  );
  const censuses = new Map<string, Census>();
  for (const variant of roundVariants(appQuery)) {
    // The bare query is counted without PGlite's untimed session-role switch around it.
    const census =
      variant.key === 'b.bare'
        ? await onBare((db) => takeCensus(bench.pglite, () => appQuery.run(db, probe)))
        : await takeCensus(bench.pglite, () => variant.run(probe));
    censuses.set(variant.key, census);
    const sent = census.statements;
    const trips =
      bench.driver === 'pglite'
        ? `${plural(sent.length, 'statement')}, ${census.crossings} calls into WebAssembly`
        : variant.key === 'c2.pipelined'
          ? `${sent.length} queries in 2 network round trips (the first 3 written in one flight)`
          : `${plural(sent.length, 'round trip')}`;
    line(`  ${variant.label}: ${trips}`);
    for (const text of sent) line(`      ${shortStatement(text, 96)}`);
  }

  const listed = listStatement(censuses.get('b.withTenant')!, probe);

  // Diagnostic: the documents policy alone — the list without the users join, whose policy
  // (members of the current tenant, an EXISTS over memberships) the list also pays for.
  const documentsOnly: ListQuery = {
    name: 'diagnostic: documents only (no users join) — the documents policy alone',
    run: (tx, tenantId) =>
      tx
        .select({
          id: documents.id,
          title: documents.title,
          createdAt: documents.createdAt,
          updatedAt: documents.updatedAt,
        })
        .from(documents)
        .where(eq(documents.tenantId, tenantId))
        .orderBy(desc(documents.updatedAt), desc(documents.id))
        .limit(pageSize + 1),
  };

  await explain(
    "EXPLAIN ANALYZE of the RLS side — listDocuments' statement, as tenantry_app with app.tenant_id set:",
    bench,
    listed.text,
    listed.values(probe),
    probe,
  );
  // Warm-up: every tenant's first page read once (into shared buffers), then each measurement's own rounds.
  const warmStarted = performance.now();
  for (const tenantId of bench.tenantIds) await onBare((db) => appQuery.run(db, tenantId));
  line(
    `\nwarm-up: every tenant's documents read once (${((performance.now() - warmStarted) / 1000).toFixed(1)} s)`,
  );

  const rng = random(config.seed);
  const options = { rounds: config.rounds, warmup: config.warmup, seconds: config.seconds, rng };
  const measure = async (variants: Variant[]) => {
    const started = performance.now();
    const measured = await interleave(variants, bench.tenantIds, options);
    return { measured, seconds: (performance.now() - started) / 1000 };
  };
  const a = await measure(policyVariants(appQuery));
  const b = await measure(roundVariants(appQuery));
  const a3 = await measure(policyVariants(documentsOnly));

  const roundTargets: Target[] = [
    { metric: 'with_tenant_overhead', limit: 1.3 },
    { metric: 'with_tenant_one_message_overhead', limit: 1.3, proposal: true },
    { metric: 'with_tenant_pipelined_overhead', limit: 1.3, proposal: true },
  ];
  line('');
  line(`── ${appQuery.name} ──`);
  table(`(a) the list query alone, inside an open transaction with the role set`, a, [
    { metric: 'rls_policy_overhead', limit: 1.05 },
  ]);
  table(`(b) a whole round against the bare query`, b, roundTargets);
  line(`── ${documentsOnly.name} ──`);
  table(`(a) the query alone, inside an open transaction with the role set`, a3, [
    { metric: 'rls_policy_overhead', limit: 1.05 },
  ]);
  line(
    `baseline of (b): the list statement sent straight to a pooled connection whose session role is\n` +
      `  ${baselineRole}${bench.baselineBypassesRls ? ' (BYPASSRLS)' : ''}, with no transaction — the tenant filter is the query's own WHERE tenant_id = $1:\n` +
      `  one statement, no BEGIN/COMMIT, no policy, the floor a tenant request could reach. A bypass role rather than\n` +
      `  tenantry_platform, because the platform role still carries a policy (USING true) and the floor should carry none.` +
      (bench.driver === 'pglite'
        ? '\n  PGlite has one connection: its session role is switched around each bare query, untimed.'
        : ''),
  );

  line('');
  summaryLine('rls_policy_overhead', a.measured, 1, 1.05);
  summaryLine('with_tenant_overhead', b.measured, 1, 1.3);
  summaryLine(
    'with_tenant_one_message_overhead',
    b.measured,
    2,
    1.3,
    ' (proposal (c), not the app)',
  );
  if (pipelined)
    summaryLine(
      'with_tenant_pipelined_overhead',
      b.measured,
      3,
      1.3,
      ' (proposal (c2), not the app)',
    );
  summaryLine(
    'rls_policy_overhead_documents_only',
    a3.measured,
    1,
    1.05,
    ' (diagnostic: documents policy alone)',
  );
}

type ListQuery = { name: string; run(tx: Transaction, tenantId: string): Promise<unknown> };
type QueryRows = { rows: Array<Record<string, unknown>> };

/** The list statement withTenant sent, and its parameters for any tenant. */
function listStatement(
  census: Census,
  probe: string,
): { text: string; values: (tenantId: string) => unknown[] } {
  const index = census.statements.findIndex((text) => /from "documents"/i.test(text));
  if (index < 0) throw new Error('the list query was not seen in withTenant');
  const values = census.values[index] ?? [];
  if (!values.includes(probe))
    throw new Error('the list query does not take the tenant id as a parameter');
  return {
    text: census.statements[index]!,
    values: (tenantId) => values.map((value) => (value === probe ? tenantId : value)),
  };
}

/** EXPLAIN ANALYZE of a list statement as the RLS side runs it (inside withTenant). */
async function explain(
  title: string,
  bench: BenchDatabase,
  text: string,
  values: unknown[],
  tenantId: string,
): Promise<void> {
  const statement = explainAnalyze(text, values);
  const result = (await withTenant(
    tenantId,
    (tx) => tx.execute(statement),
    bench.app.db,
  )) as unknown as QueryRows;
  const plan = result.rows.map((row) => String(Object.values(row)[0]));
  line(`\n${title}`);
  for (const planLine of plan) line(`  ${planLine}`);
  const joined = plan.join('\n');
  const indexScan = /Index (Only )?Scan (Backward )?using documents_tenant_updated_idx/.test(
    joined,
  );
  const sorted = /\bSort\b/.test(joined);
  const initPlan = /InitPlan/.test(joined) && !/SubPlan[^\n]*current_setting/.test(joined);
  line(
    `plan:    ordered index scan on documents_tenant_updated_idx ${indexScan ? '✓' : '✗'}` +
      `${sorted ? ' (rows are read, then sorted: every document of the tenant is fetched)' : ' (no sort: stops after the page)'}` +
      ` · tenant setting evaluated once as an InitPlan ${initPlan ? '✓' : '✗'}`,
  );
}

function table(
  title: string,
  run: { measured: Measurement; seconds: number },
  targets: Target[],
): void {
  const measured = run.measured;
  line(`${title} — ${measured.rounds} rounds in ${run.seconds.toFixed(1)} s`);
  const width = Math.max(...measured.variants.map((variant) => variant.label.length));
  line(
    `  ${'variant'.padEnd(width)}  ${'median µs'.padStart(10)}  ${'p95 µs'.padStart(9)}  ${'ratio'.padStart(6)}  ${'paired'.padStart(6)}  target`,
  );
  const base = measured.stats[0]!.median;
  measured.variants.forEach((variant, i) => {
    const stats = measured.stats[i]!;
    const cells = [
      `  ${variant.label.padEnd(width)}`,
      stats.median.toFixed(1).padStart(10),
      stats.p95.toFixed(1).padStart(9),
    ];
    if (i === 0) {
      line(`${cells.join('  ')}  ${'1.00x'.padStart(6)}  ${''.padStart(6)}  (baseline)`);
      return;
    }
    const target = targets[i - 1];
    const ratio = stats.median / base;
    const verdict = target
      ? `<= ${target.limit}x ${verdictOf(ratio, target.limit)}${target.proposal ? ' (proposal)' : ''}`
      : '';
    line(
      `${cells.join('  ')}  ${`${ratio.toFixed(2)}x`.padStart(6)}  ${`${measured.pairedRatio[i]!.toFixed(2)}x`.padStart(6)}  ${verdict}`,
    );
  });
  line(
    `  ratio = median ÷ baseline median; paired = median of per-round ratios (same tenant, same moment)\n`,
  );
}

function summaryLine(
  metric: string,
  measured: Measurement,
  index: number,
  limit: number,
  suffix = '',
): void {
  const ratio = measured.stats[index]!.median / measured.stats[0]!.median;
  line(`${metric} ${ratio.toFixed(2)}x (target <= ${limit}x) ${verdictOf(ratio, limit)}${suffix}`);
}

/** Judged on the ratio as printed (two decimals), so "1.30x (target <= 1.3x)" never reads FAIL. */
function verdictOf(ratio: number, limit: number): 'PASS' | 'FAIL' {
  return Math.round(ratio * 100) <= Math.round(limit * 100) ? 'PASS' : 'FAIL';
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
