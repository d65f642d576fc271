/**
 * `npm run bench -- --only billing` — billing's platform paths at a few thousand tenants:
 *
 *   (1) Stripe webhooks   customer.subscription.updated for distinct tenants (pro → business),
 *                         each body signed with the SDK's generateTestHeaderString and handled as
 *                         handleStripeWebhook does: a Stripe client from the key, constructEvent
 *                         (300 s tolerance), processStripeEvent. Sequentially (new events), the
 *                         same events again (duplicates, new signatures), then new events
 *                         (business → pro) by 4 concurrent deliveries on a pool of 4.
 *   (2) invoicing pass    issueInternalInvoices(tx, now) in withPlatform for T tenants on a paid
 *                         plan (internal billing) with last month's usage in the rollups; the
 *                         state row and the invoices are removed before every timed pass.
 *   (3) cost report       tenantCostReport(tx, { period, now }) in withPlatform over the same
 *                         tenants, interleaved with the console's usageOverview(tx, now) over the
 *                         same rollups (the side-by-side ratio).
 *
 * Everything is in a fixed past period, February 2024 (the pass runs on 2024-03-01), so no row
 * mixes with the current month. Tenants are `bench-hook-NNNN` and `bench-bill-NNNN`, generated in
 * the database as the platform role, rollups inserted directly (month rows per route for
 * api_calls, compute_ms, egress_bytes — some past the plan's allowance — and hourly storage_bytes
 * samples). The section removes what it created (tenants cascade; stripe_events, the state row
 * and the unit costs explicitly) and checks that nothing is left.
 *
 * Knobs: BENCH_BILLING_EVENTS (500 webhook events per phase), BENCH_BILLING_TENANTS (500,2000),
 * BENCH_BILLING_RUNS (3 invoicing passes per scale), BENCH_BILLING_REPORT_RUNS (5 per side, after one
 * untimed).
 */
import os from 'node:os';
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { openDatabase, type Database, type DatabaseHandle } from '@/db/client';
import { installDatabase } from '@/db/runtime';
import { withPlatform } from '@/db/scope';
import { tenantCostReport } from '@/lib/billing/costs';
import { issueInternalInvoices } from '@/lib/billing/jobs';
import { createStripeClient } from '@/lib/billing/stripe';
import { processStripeEvent, STRIPE_WEBHOOK_TOLERANCE_SECONDS } from '@/lib/billing/webhooks';
import { usageOverview } from '@/lib/metering/overview';
import { startStripeFake } from '@/test-support/stripe-fake';
import { takeCensus } from './census';
import { BENCH_DATABASE, type BenchConfig } from './config';
import { openBenchDatabase, type BenchDatabase } from './database';
import { line, loadAverage } from './print';
import { percentile } from './runner';
import { bound } from './sql';

const PERIOD = { start: new Date('2024-02-01T00:00:00Z'), end: new Date('2024-03-01T00:00:00Z') };
/** The invoicing pass and the cost report run the morning after the period. */
const NOW = new Date('2024-03-01T06:00:00Z');
/** The console's overview of the same month: its last instant. */
const LAST_MOMENT = new Date(PERIOD.end.getTime() - 1);
const TENANTS_CREATED = '2024-01-01T00:00:00Z';
const STATE_ROW = 'billing.internal_invoices';
const SECRET_KEY = 'sk_test_bench_billing';
const WEBHOOK_SECRET = 'whsec_bench_billing';
const WARMUP_EVENTS = 20;
const CONCURRENCY = 4;
const ROUTES = ['listDocuments', 'getDocument', 'createDocument', 'updateDocument', 'search'];
const GIB = 1024 ** 3;
const HOUR_MS = 3_600_000;

type Options = { events: number; scales: number[]; runs: number; reportRuns: number };
type Stats = { median: number; p95: number };
type Delivery = {
  /** ms: a Stripe client from the key (the handler builds one per request). */
  client: number;
  /** ms: constructEvent (signature, tolerance, JSON.parse). */
  verify: number;
  /** ms: processStripeEvent. */
  process: number;
  total: number;
  duplicate: boolean;
  outcome: string | null;
};

function readOptions(source: NodeJS.ProcessEnv = process.env): Options {
  const int = (name: string, fallback: number) => {
    const value = source[name]?.trim();
    if (!value) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1)
      throw new Error(`${name} must be a positive integer (got "${value}").`);
    return parsed;
  };
  const scales = (source.BENCH_BILLING_TENANTS?.trim() || '500,2000')
    .split(',')
    .map((part) => Number(part.trim()));
  if (scales.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error('BENCH_BILLING_TENANTS is a comma-separated list of positive integers.');
  return {
    events: int('BENCH_BILLING_EVENTS', 500),
    scales: [...new Set(scales)].sort((a, b) => a - b),
    runs: int('BENCH_BILLING_RUNS', 3),
    reportRuns: int('BENCH_BILLING_REPORT_RUNS', 5),
  };
}

const stats = (samples: number[]): Stats => ({
  median: percentile(samples, 0.5),
  p95: percentile(samples, 0.95),
});
const ms = (value: number, digits = 2) => value.toFixed(digits);
const n = (value: number) => value.toLocaleString('en');
const since = (started: number) => performance.now() - started;

type Row = Record<string, unknown>;
async function platformRows(db: Database, text: string): Promise<Row[]> {
  return withPlatform(async (tx) => {
    const result = (await tx.execute(sql.raw(text))) as unknown as { rows: Row[] };
    return result.rows;
  }, db);
}

// ─── Data ───────────────────────────────────────────────────────────────────────────────────────

const hookTenant = (t: string) => `md5('bench-hook-' || ${t})::uuid`;
const billTenant = (t: string) => `md5('bench-bill-' || ${t})::uuid`;
const customerOf = (i: number) => `cus_bench_${String(i).padStart(6, '0')}`;
const subscriptionOf = (i: number) => `sub_bench_${String(i).padStart(6, '0')}`;

/** Webhook tenants 1…count: pro, in Stripe mode, customer and subscription bound (as checkout leaves them). */
function webhookTenantsSql(count: number): string {
  return `begin;
    set local role tenantry_platform;
    insert into tenants (id, slug, name, status, plan, created_at)
      select ${hookTenant('t')}, 'bench-hook-' || lpad(t::text, 4, '0'), 'Webhook bench tenant ' || t,
             'active', 'pro', timestamptz '${TENANTS_CREATED}'
      from generate_series(1, ${count}) t;
    insert into billing_accounts (tenant_id, mode, stripe_customer_id, stripe_subscription_id, status,
        plan, current_period_start, current_period_end, subscription_event_at)
      select ${hookTenant('t')}, 'stripe', 'cus_bench_' || lpad(t::text, 6, '0'),
             'sub_bench_' || lpad(t::text, 6, '0'), 'active', 'pro', now() - interval '10 days',
             now() + interval '20 days', now() - interval '10 days'
      from generate_series(1, ${count}) t;
    commit`;
}

/**
 * Invoicing tenants from…to: pro (every tenth business), internal billing, active; February's
 * month rollups per route (a third past the api_calls allowance, a quarter past compute, a fifth
 * past egress on pro) and hourly storage_bytes samples for the whole month.
 */
function invoicingTenantsSql(from: number, to: number): string {
  const range = `generate_series(${from}, ${to}) t`;
  const plan = `case when t % 10 = 0 then 'business' else 'pro' end`;
  // Per tenant and metric, split evenly over the routes.
  const apiCalls = `case when t % 3 = 0 then 1300000 + (t * 7919) % 200000 else 200000 + (t * 7919) % 600000 end`;
  const computeMs = `case when t % 4 = 0 then ${60 * HOUR_MS} + (t * 104729) % ${HOUR_MS} else ${10 * HOUR_MS} + (t * 104729) % ${30 * HOUR_MS} end`;
  const egress = `case when t % 5 = 0 then ${120 * GIB}::numeric + (t * 7919) % ${GIB} else ${20 * GIB}::numeric + (t * 7919) % ${GIB} end`;
  return `begin;
    set local role tenantry_platform;
    insert into tenants (id, slug, name, status, plan, created_at)
      select ${billTenant('t')}, 'bench-bill-' || lpad(t::text, 4, '0'), 'Billing bench tenant ' || t,
             'active', ${plan}, timestamptz '${TENANTS_CREATED}'
      from ${range};
    insert into billing_accounts (tenant_id, mode, status, plan, current_period_start, current_period_end)
      select ${billTenant('t')}, 'internal', 'active', ${plan}, timestamptz '${PERIOD.start.toISOString()}',
             timestamptz '${PERIOD.end.toISOString()}'
      from ${range};
    insert into usage_rollups (tenant_id, metric, granularity, bucket_start, dimension, value, events)
      select ${billTenant('t')}, m.metric, 'month', timestamptz '${PERIOD.start.toISOString()}', r.route,
             round(m.total / ${ROUTES.length}), greatest(1, round(m.total / ${ROUTES.length} / m.per_event))
      from ${range},
        lateral (values ('api_calls', (${apiCalls})::numeric, 1::numeric),
                        ('compute_ms', (${computeMs})::numeric, 200::numeric),
                        ('egress_bytes', (${egress})::numeric, 4096::numeric)) m(metric, total, per_event),
        unnest(array[${ROUTES.map((route) => `'${route}'`).join(', ')}]) r(route);
    insert into usage_rollups (tenant_id, metric, granularity, bucket_start, dimension, value, events)
      select ${billTenant('t')}, 'storage_bytes', 'hour', h, '',
             ${2 * GIB}::numeric + (t * 7919) % ${12 * GIB} + extract(epoch from h - timestamptz '${PERIOD.start.toISOString()}')::bigint * 1000, 1
      from ${range},
        generate_series(timestamptz '${PERIOD.start.toISOString()}', timestamptz '${PERIOD.end.toISOString()}' - interval '1 hour', interval '1 hour') h;
    commit`;
}

const UNIT_COSTS_SQL = `begin;
  set local role tenantry_platform;
  insert into platform_unit_costs (resource, amount) values
    ('storage_gb_month', 2.3), ('requests_million', 40), ('compute_hour', 4), ('egress_gb', 9);
  commit`;

const RESET_INVOICING_SQL = `begin;
  set local role tenantry_platform;
  delete from usage_rollup_state where name = '${STATE_ROW}';
  delete from invoices where source = 'internal' and period_start = timestamptz '${PERIOD.start.toISOString()}';
  commit`;

// ─── The section ────────────────────────────────────────────────────────────────────────────────

export async function billingBench(config: BenchConfig): Promise<void> {
  const options = readOptions();
  line('\n══ billing: Stripe webhooks, the internal invoicing pass, the cost report ══');
  const driver = config.target.driver;
  const bench = await openBenchDatabase(config, {
    dataset: { statements: [], tenantIdsSql: `select id from tenants where false` },
  });
  try {
    line(
      `server:  ${bench.serverVersion}${driver === 'pglite' ? '' : ` · database ${BENCH_DATABASE} (dropped and created by this run)`}`,
    );
    line(`load:    ${loadAverage()} (1, 5, 15 min load average on ${os.cpus().length} cores)`);
    line(
      `period:  ${PERIOD.start.toISOString().slice(0, 7)} (fixed, past), pass and report "now" ${NOW.toISOString()}; ` +
        `tenants created ${TENANTS_CREATED.slice(0, 10)}`,
    );
    await webhooks(bench, options);
    await invoicingAndCosts(bench, options);
  } finally {
    try {
      await cleanUp(bench);
    } finally {
      await bench.close();
    }
  }
}

// ─── (1) Webhooks ───────────────────────────────────────────────────────────────────────────────

async function webhooks(bench: BenchDatabase, options: Options): Promise<void> {
  const count = options.events;
  const tenants = count + WARMUP_EVENTS;
  const started = performance.now();
  await bench.asOwner(webhookTenantsSql(tenants));
  await bench.asOwner('vacuum analyze tenants, billing_accounts');
  line(
    `\n── (1) Stripe webhooks: customer.subscription.updated, ${n(count)} tenants (bench-hook-*, pro, Stripe mode), ` +
      `+ ${WARMUP_EVENTS} warm-up tenants; loaded in ${(since(started) / 1000).toFixed(1)} s ──`,
  );

  // processStripeEvent opens its own platform transactions on the process-wide database: the
  // bench's, a pool of CONCURRENCY on a server (one connection on PGlite).
  let handle: DatabaseHandle | undefined;
  if (bench.driver === 'pg' && bench.loginUrl)
    handle = await openDatabase({ driver: 'pg', url: bench.loginUrl, max: CONCURRENCY });
  installDatabase(handle ?? bench.app);
  const fake = await startStripeFake();
  const signer = new Stripe('sk_test_bench_signer');
  try {
    const base = Math.floor(Date.now() / 1000);
    const bodyOf = (i: number, phase: 'new' | 'conc', plan: 'pro' | 'business', created: number) =>
      JSON.stringify(
        fake.event(
          'customer.subscription.updated',
          fake.subscriptionObject({
            id: subscriptionOf(i),
            customer: customerOf(i),
            prices: [`tenantry_${plan}_base`],
            currentPeriodStart: base - 10 * 86_400,
            currentPeriodEnd: base + 20 * 86_400,
          }),
          { id: `evt_bench_${phase}_${String(i).padStart(6, '0')}`, created },
        ),
      );
    // Tenants 1…WARMUP_EVENTS warm up; the measured ones follow.
    const ids = Array.from({ length: tenants }, (_, k) => k + 1);
    const upgrades = ids.map((i) => bodyOf(i, 'new', 'business', base));
    const downgrades = ids.map((i) => bodyOf(i, 'conc', 'pro', base + 1));

    /** One delivery as handleStripeWebhook handles it; the signature (Stripe's side) untimed. */
    const deliver = async (body: string): Promise<Delivery> => {
      const header = signer.webhooks.generateTestHeaderString({
        payload: body,
        secret: WEBHOOK_SECRET,
      });
      const t0 = performance.now();
      const stripe = createStripeClient({ secretKey: SECRET_KEY });
      const t1 = performance.now();
      const event = stripe.webhooks.constructEvent(
        body,
        header,
        WEBHOOK_SECRET,
        STRIPE_WEBHOOK_TOLERANCE_SECONDS,
      );
      const t2 = performance.now();
      const result = await processStripeEvent(event);
      const t3 = performance.now();
      return {
        client: t1 - t0,
        verify: t2 - t1,
        process: t3 - t2,
        total: t3 - t0,
        duplicate: result.duplicate,
        outcome: result.outcome,
      };
    };
    const sequential = async (bodies: string[]) => {
      const startedAt = performance.now();
      const out: Delivery[] = [];
      for (const body of bodies) out.push(await deliver(body));
      return { deliveries: out, seconds: since(startedAt) / 1000 };
    };
    const concurrent = async (bodies: string[]) => {
      const startedAt = performance.now();
      const out: Delivery[] = new Array<Delivery>(bodies.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < bodies.length) {
            const index = next++;
            out[index] = await deliver(bodies[index]!);
          }
        }),
      );
      return { deliveries: out, seconds: since(startedAt) / 1000 };
    };

    // Warm-up (new, duplicate, concurrent new) on their own tenants, and what one event sends.
    const warm = upgrades.slice(0, WARMUP_EVENTS);
    await sequential(warm.slice(0, -1));
    await sequential(warm.slice(0, -1));
    await concurrent(downgrades.slice(0, WARMUP_EVENTS - 1));
    const newCensus = await takeCensus(bench.pglite, () => deliver(warm.at(-1)!));
    const dupCensus = await takeCensus(bench.pglite, () => deliver(warm.at(-1)!));
    await deliver(downgrades[WARMUP_EVENTS - 1]!);
    line(
      `statements per delivery (counted at the driver): new event ${newCensus.statements.length}, ` +
        `duplicate ${dupCensus.statements.length} (BEGIN, set_config and COMMIT included)`,
    );

    const fresh = await sequential(upgrades.slice(WARMUP_EVENTS));
    const again = await sequential(upgrades.slice(WARMUP_EVENTS));
    const parallel = await concurrent(downgrades.slice(WARMUP_EVENTS));

    const expect = (name: string, deliveries: Delivery[], duplicate: boolean) => {
      const wrong = deliveries.filter(
        (d) => d.duplicate !== duplicate || (!duplicate && d.outcome !== 'applied'),
      );
      if (wrong.length)
        throw new Error(
          `billing: ${wrong.length} ${name} deliveries were not ${duplicate ? 'duplicates' : 'applied'} (first: ${JSON.stringify(wrong[0])})`,
        );
    };
    expect('new', fresh.deliveries, false);
    expect('duplicate', again.deliveries, true);
    expect('concurrent', parallel.deliveries, false);
    const [plans] = await platformRows(
      bench.app.db,
      `select count(*) filter (where t.plan = 'pro')::int as pro,
              count(*) filter (where a.plan = 'pro' and a.status = 'active')::int as accounts,
              (select count(*)::int from stripe_events where id like 'evt_bench_%') as events,
              (select count(*)::int from audit_events e join tenants u on u.id = e.tenant_id
                 where u.slug like 'bench-hook-%' and e.action = 'tenant.plan_changed') as audits
       from tenants t join billing_accounts a on a.tenant_id = t.id where t.slug like 'bench-hook-%'`,
    );
    const ok =
      plans?.pro === tenants &&
      plans.accounts === tenants &&
      plans.events === 2 * tenants &&
      plans.audits === 2 * tenants;
    line(
      `check:   every new event applied, every repeat a duplicate; tenants back on pro ${plans?.pro as number}/${tenants}, ` +
        `stripe_events ${plans?.events as number}, plan_changed audits ${plans?.audits as number} ${ok ? '✓' : '✗'}`,
    );
    if (!ok) throw new Error(`billing: unexpected webhook state ${JSON.stringify(plans)}`);

    const rows: Array<[string, { deliveries: Delivery[]; seconds: number }]> = [
      [`(a) new events, sequential`, fresh],
      [`(b) the same events again (duplicates), sequential`, again],
      [
        `(c) new events, ${CONCURRENCY} concurrent deliveries (pool of ${handle ? CONCURRENCY : 1})`,
        parallel,
      ],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    line('');
    line(
      `  ${'per delivery, ms'.padEnd(width)}  ${'median'.padStart(7)}  ${'p95'.padStart(7)}  ${'client'.padStart(7)}  ${'verify'.padStart(7)}  ${'process'.padStart(8)}  ${'events/s'.padStart(9)}`,
    );
    for (const [label, run] of rows) {
      const total = stats(run.deliveries.map((d) => d.total));
      const part = (key: 'client' | 'verify' | 'process') =>
        percentile(
          run.deliveries.map((d) => d[key]),
          0.5,
        );
      line(
        `  ${label.padEnd(width)}  ${ms(total.median).padStart(7)}  ${ms(total.p95).padStart(7)}  ${ms(part('client'), 3).padStart(7)}  ` +
          `${ms(part('verify'), 3).padStart(7)}  ${ms(part('process')).padStart(8)}  ${n(Math.round(run.deliveries.length / run.seconds)).padStart(9)}`,
      );
    }
    line(
      `  ${n(count)} events per row; client = createStripeClient per request (as the route does), verify = constructEvent,\n` +
        `  process = processStripeEvent (medians of each part); events/s = events ÷ wall time of the row`,
    );
    line('');
    const newMedian = stats(fresh.deliveries.map((d) => d.total)).median;
    const dupMedian = stats(again.deliveries.map((d) => d.total)).median;
    line(
      `billing_webhook_duplicate_vs_new ${(dupMedian / newMedian).toFixed(2)}x  (duplicate ${ms(dupMedian)} ms vs new ${ms(newMedian)} ms median per delivery)`,
    );
    const seqRate = count / fresh.seconds;
    const parRate = count / parallel.seconds;
    line(
      `billing_webhook_concurrent_vs_sequential ${(parRate / seqRate).toFixed(2)}x  (${n(Math.round(parRate))} vs ${n(Math.round(seqRate))} events/s, ${CONCURRENCY} deliveries at a time)`,
    );
  } finally {
    await fake.close();
    installDatabase(undefined);
    await handle?.close();
  }
  // The webhook tenants leave before the invoicing part, which reads every tenant.
  await bench.asOwner(
    `delete from tenants where slug like 'bench-hook-%'; delete from stripe_events where id like 'evt_bench_%'`,
  );
}

// ─── (2) Invoicing pass and (3) cost report ─────────────────────────────────────────────────────

async function invoicingAndCosts(bench: BenchDatabase, options: Options): Promise<void> {
  const db = bench.app.db;
  await bench.asOwner(UNIT_COSTS_SQL);
  line(
    `\n── (2) internal invoicing pass and (3) cost report, ${PERIOD.start.toISOString().slice(0, 7)}: ` +
      `tenants bench-bill-* (pro, every tenth business; internal billing) ──`,
  );
  line(
    `data:    per tenant 15 month rollup rows (api_calls, compute_ms, egress_bytes × ${ROUTES.length} routes; past the allowance on pro: ` +
      `api_calls every 3rd, compute every 4th, egress every 5th) + ${n((PERIOD.end.getTime() - PERIOD.start.getTime()) / HOUR_MS)} hourly storage_bytes samples`,
  );
  const results: Array<{
    tenants: number;
    pass: Stats;
    passes: number[];
    report: Stats;
    overview: Stats;
    paired: number;
  }> = [];
  let loaded = 0;
  let passStatements = 0;
  for (const scale of options.scales) {
    const started = performance.now();
    await bench.asOwner(invoicingTenantsSql(loaded + 1, scale));
    await bench.asOwner('vacuum analyze tenants, billing_accounts, usage_rollups');
    loaded = scale;
    line(
      `\nT = ${n(scale)} tenants (loaded + VACUUM ANALYZE in ${(since(started) / 1000).toFixed(1)} s)`,
    );

    // The pass: at the first scale an untimed one first (counted at the driver, and a second
    // pass of the same period must issue nothing), then the timed ones.
    const pass = () => withPlatform((tx) => issueInternalInvoices(tx, NOW), db);
    if (results.length === 0) {
      await bench.asOwner(RESET_INVOICING_SQL);
      let issued = 0;
      const census = await takeCensus(bench.pglite, async () => {
        issued = await pass();
      });
      passStatements = census.statements.length;
      if (issued !== scale)
        throw new Error(`billing: the pass issued ${issued} invoices for ${scale} tenants`);
      const skipped = await pass();
      if (skipped !== 0)
        throw new Error('billing: a second pass in the same period issued invoices');
      line(
        `  (2) issueInternalInvoices, untimed first pass: ${n(passStatements)} statements at the driver ` +
          `(${(passStatements / scale).toFixed(2)} per tenant); a second pass of the same period issues ${skipped} (state row)`,
      );
    }
    const passes: number[] = [];
    for (let run = 0; run < options.runs; run += 1) {
      await bench.asOwner(RESET_INVOICING_SQL);
      await bench.asOwner('vacuum invoices, invoice_lines');
      const t0 = performance.now();
      const count = await pass();
      passes.push(since(t0));
      if (count !== scale)
        throw new Error(`billing: the pass issued ${count} invoices for ${scale} tenants`);
    }
    const [invoiced] = await platformRows(
      db,
      `select count(*)::int as invoices, coalesce(sum(total), 0)::bigint::text as total,
              (select count(*)::int from invoice_lines l join invoices i on i.id = l.invoice_id
                 where i.source = 'internal' and i.period_start = '${PERIOD.start.toISOString()}') as lines
       from invoices where source = 'internal' and period_start = '${PERIOD.start.toISOString()}'`,
    );
    const pStats = stats(passes);
    line(
      `  (2) issueInternalInvoices: ${n(invoiced?.invoices as number)} invoices, ${n(invoiced?.lines as number)} lines, total ${n(Number(invoiced?.total))} (minor units)`,
    );
    line(
      `      pass (one withPlatform transaction): ${passes.map((p) => ms(p, 0)).join(', ')} ms → median ${ms(pStats.median, 0)} ms, ` +
        `${ms(pStats.median / scale, 3)} ms per tenant (${options.runs} runs; state row and invoices removed before each)`,
    );

    // The cost report against the console's usage overview: same rollups, alternating.
    const report = () =>
      withPlatform((tx) => tenantCostReport(tx, { period: PERIOD, now: NOW }), db);
    const overview = () => withPlatform((tx) => usageOverview(tx, LAST_MOMENT), db);
    const r = await report();
    const o = await overview();
    const reportCalls = r.tenants.reduce((sum, t) => sum + t.quantities.requests_million * 1e6, 0);
    const overviewCalls = o.reduce(
      (sum, t) => sum + (t.allowances.find((a) => a.metric === 'api_calls')?.used ?? 0),
      0,
    );
    const revenueMatches = Math.round(r.totals.revenue) === Number(invoiced?.total);
    const equal =
      r.tenants.length === scale &&
      o.length === scale &&
      Math.round(reportCalls) === Math.round(overviewCalls) &&
      revenueMatches;
    line(
      `  (3) check: cost report ${n(r.tenants.length)} tenants, overview ${n(o.length)}; api_calls ${n(Math.round(reportCalls))} in both: ` +
        `${Math.round(reportCalls) === Math.round(overviewCalls) ? 'yes' : 'NO'}; report revenue ${n(r.totals.revenue)} = invoiced total: ${revenueMatches ? 'yes' : 'NO'}; ` +
        `flags: cheaper plan ${r.totals.cheaperPlan}, loss ${r.totals.loss}`,
    );
    if (!equal) throw new Error('billing: the cost report, the overview and the invoices disagree');
    await report();
    await overview();
    const times = { report: [] as number[], overview: [] as number[] };
    const ratios: number[] = [];
    for (let run = 0; run < options.reportRuns; run += 1) {
      const order =
        run % 2 === 0 ? (['report', 'overview'] as const) : (['overview', 'report'] as const);
      for (const side of order) {
        const t0 = performance.now();
        await (side === 'report' ? report() : overview());
        times[side].push(since(t0));
      }
      ratios.push(times.report[run]! / times.overview[run]!);
    }
    results.push({
      tenants: scale,
      pass: pStats,
      passes,
      report: stats(times.report),
      overview: stats(times.overview),
      paired: percentile(ratios, 0.5),
    });
    const last = results.at(-1)!;
    line(
      `      tenantCostReport ${ms(last.report.median, 1)} ms median (p95 ${ms(last.report.p95, 1)}), ${ms((last.report.median * 1000) / scale, 1)} µs per tenant · ` +
        `usageOverview ${ms(last.overview.median, 1)} ms (p95 ${ms(last.overview.p95, 1)}), ${ms((last.overview.median * 1000) / scale, 1)} µs per tenant ` +
        `(${options.reportRuns} runs each, alternating, whole withPlatform transactions)`,
    );
  }

  const [reportCensus, overviewCensus] = [
    await takeCensus(bench.pglite, () =>
      withPlatform((tx) => tenantCostReport(tx, { period: PERIOD, now: NOW }), db),
    ),
    await takeCensus(bench.pglite, () => withPlatform((tx) => usageOverview(tx, LAST_MOMENT), db)),
  ];
  for (const [name, census] of [
    ['tenantCostReport', reportCensus],
    ['usageOverview', overviewCensus],
  ] as const) {
    const index = census.statements.findIndex((text) => /from tenants t/i.test(text));
    if (index < 0) continue;
    const statement = sql.join([
      sql.raw('explain (analyze, buffers) '), // with costs: PostgreSQL prints its JIT timing only then
      bound(census.statements[index]!, census.values[index] ?? []),
    ]);
    const plan = await withPlatform(async (tx) => {
      const result = (await tx.execute(statement)) as unknown as { rows: Row[] };
      return result.rows.map((row) => String(Object.values(row)[0]));
    }, db);
    line(`\nEXPLAIN ANALYZE ${name}'s statement at T = ${n(loaded)}:`);
    for (const planLine of plan) line(`  ${planLine}`);
    const joined = plan.join('\n');
    const jit = /JIT:[\s\S]*?Total ([\d.]+) ms/.exec(joined)?.[1];
    const execution = /Execution Time: ([\d.]+) ms/.exec(joined)?.[1];
    line(
      `jit:     ${jit ? `PostgreSQL's JIT compilation took ${jit} ms of the ${execution ?? '?'} ms execution` : 'no JIT compilation'} (jit = on is PostgreSQL's default)`,
    );
  }
  line(
    `\nstatements per call (BEGIN, set_config, COMMIT included): tenantCostReport ${reportCensus.statements.length}, ` +
      `usageOverview ${overviewCensus.statements.length}, issueInternalInvoices ${n(passStatements)} at T = ${n(options.scales[0]!)}`,
  );
  line('');
  const first = results[0]!;
  for (const result of results) {
    line(
      `billing_invoicing_ms_per_tenant ${ms(result.pass.median / result.tenants, 3)} ms at T = ${n(result.tenants)}  (pass median ${ms(result.pass.median, 0)} ms)`,
    );
  }
  for (const result of results) {
    line(
      `billing_cost_report_vs_usage_overview ${(result.report.median / result.overview.median).toFixed(2)}x at T = ${n(result.tenants)}  ` +
        `(paired ${result.paired.toFixed(2)}x; ${ms(result.report.median, 1)} vs ${ms(result.overview.median, 1)} ms)`,
    );
  }
  if (results.length > 1) {
    const lastResult = results.at(-1)!;
    const growth = lastResult.tenants / first.tenants;
    line(
      `scaling ${n(first.tenants)} → ${n(lastResult.tenants)} tenants (${growth.toFixed(1)}×): invoicing pass ${(lastResult.pass.median / first.pass.median).toFixed(2)}×, ` +
        `cost report ${(lastResult.report.median / first.report.median).toFixed(2)}×, usage overview ${(lastResult.overview.median / first.overview.median).toFixed(2)}×`,
    );
  }
}

// ─── Clean-up ───────────────────────────────────────────────────────────────────────────────────

async function cleanUp(bench: BenchDatabase): Promise<void> {
  await bench.asOwner(`delete from tenants where slug like 'bench-hook-%' or slug like 'bench-bill-%';
    delete from stripe_events where id like 'evt_bench_%';
    delete from usage_rollup_state where name = '${STATE_ROW}';
    delete from platform_unit_costs where updated_by is null`);
  const [left] = await platformRows(
    bench.app.db,
    `select (select count(*)::int from tenants where slug like 'bench-%') as tenants,
            (select count(*)::int from usage_rollups) as rollups,
            (select count(*)::int from invoices) as invoices,
            (select count(*)::int from billing_accounts) as accounts,
            (select count(*)::int from audit_events) as audits,
            (select count(*)::int from stripe_events where id like 'evt_bench_%') as events,
            (select count(*)::int from usage_rollup_state where name = '${STATE_ROW}') as state,
            (select count(*)::int from platform_unit_costs) as costs`,
  );
  const total = Object.values(left ?? {}).reduce<number>((sum, value) => sum + Number(value), 0);
  line(
    `\nclean-up: bench tenants deleted (cascade), stripe_events, the state row and the unit costs removed; ` +
      `rows left ${total === 0 ? '0 ✓' : `${JSON.stringify(left)} ✗`}`,
  );
}
