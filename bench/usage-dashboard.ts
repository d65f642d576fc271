/**
 * `npm run bench -- --only usage-dashboard` — the tenant usage dashboard read from rollups
 * against the same answer computed from raw events.
 *
 * Data: 5 tenants with a fifth of BENCH_DASHBOARD_EVENTS each (default 5,000,000 on a server,
 * so the measured tenant has 1,000,000; 500,000 on PGlite, which holds everything in the bench's
 * memory), spread over the last 30 days: api_calls 60 % (a route property, 12 routes, skewed),
 * compute_ms 20 % and egress_bytes 15 % (with a route), feature_usage 5 % (a feature). Generated
 * in the database by generate_series as the owner (superuser on the local server and PGlite),
 * in arrival (= time) order, the tenants interleaved, then VACUUM ANALYZE, then
 * refreshUsageRollups() once.
 *
 * The dashboard: for the billing month (the current calendar month, UTC; the previous one before
 * the 15th, so that it holds most of the 30 days), api_calls per day, the month's total, and the
 * top 10 routes. (a) through the rollups — usageSeries (day), usageSeries (month) and
 * topDimensions from lib/metering; (b) from raw events — the per-day sums (the total is their
 * sum) and the top routes by one GROUP BY each over usage_events. Both inside withTenant, both
 * must give the same figures (the section fails otherwise), then interleaved runs.
 */
import os from 'node:os';
import { sql } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { withTenant } from '@/db/scope';
import { periodOf } from '@/lib/metering/allowances';
import { topDimensions, usageSeries } from '@/lib/metering/query';
import { refreshUsageRollups } from '@/lib/metering/rollup';
import { BENCH_DATABASE, type BenchConfig } from './config';
import { openBenchDatabase } from './database';
import { datasetStatements, tenantIdsSql } from './dataset';
import { line, loadAverage } from './print';
import { percentile } from './runner';

const TENANTS = 5;
const DAYS = 30;
const ROUTES = [
  'listDocuments',
  'getDocument',
  'createDocument',
  'updateDocument',
  'deleteDocument',
  'search',
  'ingestUsageEvents',
  'listMembers',
  'getTenant',
  'listApiKeys',
  'exportAudit',
  'health',
];

type Dashboard = {
  days: { day: string; value: number; events: number }[];
  total: number;
  top: { dimension: string; value: number }[];
};

/**
 * Events j = from … to-1 of `total` (5 tenants interleaved: tenant 1 + j % 5, its event number
 * j / 5), stamped in arrival order over the last 30 days — as a live system writes them, so the
 * heap is in time order. As the owner (superuser on the local server and PGlite: RLS not applied).
 */
function eventsStatement(from: number, to: number, total: number): string {
  const routes = `(array[${ROUTES.map((route) => `'${route}'`).join(', ')}])`;
  // Product of two uniform draws: a skewed route popularity (the first routes are the busiest).
  const route = `${routes}[1 + floor(12 * ((i * 48271) % 1009)::float8 / 1009 * ((i * 69621) % 1013)::float8 / 1013)::int]`;
  return `insert into usage_events (tenant_id, metric, value, idempotency_key, occurred_at, properties, source)
    select md5('tenant-' || (1 + j % ${TENANTS}))::uuid, m.metric, m.value, 'gen-' || i,
           now() - interval '${DAYS} days' + (j + 0.5) * (${DAYS * 86_400}.0 / ${total}) * interval '1 second',
           m.properties, 'api'
    from generate_series(${from}::bigint, ${to - 1}::bigint) j,
    lateral (select j / ${TENANTS} + 1 as i) n,
    lateral (select case
        when i % 20 < 12 then 'api_calls'
        when i % 20 < 16 then 'compute_ms'
        when i % 20 < 19 then 'egress_bytes'
        else 'feature_usage' end as metric) k,
    lateral (select k.metric,
        case k.metric
          when 'api_calls' then case when i % 50 = 0 then 5 else 1 end
          when 'compute_ms' then (i % 500) + 0.5
          when 'egress_bytes' then 512 + (i * 131) % 8192
          else 1 end::float8 as value,
        case when k.metric = 'feature_usage'
          then jsonb_build_object('feature', (array['export', 'sso', 'ai_summary'])[(1 + i % 3)::int])
          else jsonb_build_object('route', ${route}) end as properties) m
    order by j`;
}

/** The dashboard's month: this calendar month (UTC), or the previous one before the 15th. */
function dashboardMonth(now: Date): { start: Date; end: Date } {
  const current = periodOf(now);
  if (now.getUTCDate() >= 15) return current;
  return periodOf(new Date(current.start.getTime() - 86_400_000));
}

async function viaRollups(
  tx: Transaction,
  tenantId: string,
  month: { start: Date; end: Date },
): Promise<Dashboard> {
  const metric = 'api_calls';
  const days = await usageSeries(tx, {
    tenantId,
    metric,
    granularity: 'day',
    from: month.start,
    to: month.end,
  });
  const [total] = await usageSeries(tx, {
    tenantId,
    metric,
    granularity: 'month',
    from: month.start,
    to: month.end,
  });
  const top = await topDimensions(tx, { tenantId, metric, monthStart: month.start, limit: 10 });
  return {
    days: days.map((point) => ({
      day: point.bucketStart.toISOString(),
      value: point.value,
      events: point.events,
    })),
    total: total?.value ?? 0,
    top,
  };
}

async function fromRaw(
  tx: Transaction,
  tenantId: string,
  month: { start: Date; end: Date },
): Promise<Dashboard> {
  const days = (await tx.execute(sql`
    select date_trunc('day', occurred_at, 'UTC') as day, sum(value)::float8 as value,
      count(*)::float8 as events
    from usage_events
    where tenant_id = ${tenantId} and metric = 'api_calls'
      and occurred_at >= ${month.start} and occurred_at < ${month.end}
    group by 1 order by 1`)) as unknown as {
    rows: { day: string | Date; value: number; events: number }[];
  };
  const top = (await tx.execute(sql`
    select coalesce(properties ->> 'route', '') as dimension, sum(value)::float8 as value
    from usage_events
    where tenant_id = ${tenantId} and metric = 'api_calls'
      and occurred_at >= ${month.start} and occurred_at < ${month.end}
    group by 1 order by value desc, dimension limit 10`)) as unknown as {
    rows: { dimension: string; value: number }[];
  };
  const series = days.rows.map((row) => ({
    day: new Date(row.day).toISOString(),
    value: Number(row.value),
    events: Number(row.events),
  }));
  return {
    days: series,
    total: series.reduce((sum, point) => sum + point.value, 0),
    top: top.rows.map((row) => ({ dimension: row.dimension, value: Number(row.value) })),
  };
}

export async function usageDashboard(config: BenchConfig): Promise<void> {
  const options = config.dashboard;
  line('\n══ usage-dashboard: the usage dashboard from rollups vs from raw events ══');
  const driver = config.target.driver;
  const total = options.events ?? (driver === 'pglite' ? 500_000 : 5_000_000);
  const perTenant = Math.floor(total / TENANTS);
  const full = perTenant >= 1_000_000;
  const statements = [
    ...datasetStatements(TENANTS, 1),
    // Ten statements in time order (smaller transactions than one of 5,000,000 rows).
    ...Array.from({ length: 10 }, (_, k) =>
      eventsStatement(
        Math.floor((k * perTenant * TENANTS) / 10),
        Math.floor(((k + 1) * perTenant * TENANTS) / 10),
        perTenant * TENANTS,
      ),
    ),
    'vacuum analyze usage_events',
  ];
  const bench = await openBenchDatabase(config, { dataset: { statements, tenantIdsSql } });
  try {
    line(
      `server:  ${bench.serverVersion}${driver === 'pglite' ? '' : ` · database ${BENCH_DATABASE} (dropped and created by this run)`}`,
    );
    line(
      `scale:   ${(perTenant * TENANTS).toLocaleString('en')} usage events, ${TENANTS} tenants × ${perTenant.toLocaleString('en')} ` +
        `over the last ${DAYS} days${full ? ' (the full scale)' : ` — REDUCED SCALE (full: 5,000,000 = 5 × 1,000,000; BENCH_DASHBOARD_EVENTS=5000000)`}; ` +
        `generated (generate_series, as the owner) + VACUUM ANALYZE in ${bench.loadSeconds.toFixed(1)} s`,
    );
    line(`load:    ${loadAverage()} (1, 5, 15 min load average on ${os.cpus().length} cores)`);

    const refreshStarted = performance.now();
    const run = await refreshUsageRollups({ database: bench.app.db });
    const refreshSeconds = (performance.now() - refreshStarted) / 1000;
    if (!run.ran) throw new Error('refreshUsageRollups did not run (busy)');
    line(
      `rollups: refreshUsageRollups() once: ${refreshSeconds.toFixed(1)} s for ${run.hours.toLocaleString('en')} hour, ` +
        `${run.days.toLocaleString('en')} day and ${run.months} month buckets (tenant × metric × period)`,
    );

    const tenantId = bench.tenantIds[0]!;
    const now = new Date();
    const month = dashboardMonth(now);
    const rollups = () =>
      withTenant(tenantId, (tx) => viaRollups(tx, tenantId, month), bench.app.db);
    const raw = () => withTenant(tenantId, (tx) => fromRaw(tx, tenantId, month), bench.app.db);

    const a = await rollups();
    const b = await raw();
    const rawEvents = b.days.reduce((sum, point) => sum + point.events, 0);
    const equal = JSON.stringify(a) === JSON.stringify(b);
    line(
      `query:   tenant bench-0001 (${perTenant.toLocaleString('en')} events), month ${month.start.toISOString().slice(0, 7)}: ` +
        `${b.days.length} days of api_calls from ${rawEvents.toLocaleString('en')} raw events, total ${b.total.toLocaleString('en')}, top ${b.top.length} routes`,
    );
    line(
      `check:   rollups ${a.total.toLocaleString('en')} (${a.days.length} days, top route ${a.top[0]?.dimension ?? '–'} ${a.top[0]?.value ?? 0}) · ` +
        `raw ${b.total.toLocaleString('en')} (${b.days.length} days, top route ${b.top[0]?.dimension ?? '–'} ${b.top[0]?.value ?? 0}) · equal: ${equal ? 'yes' : 'NO'}`,
    );
    if (!equal) {
      const diffDays = a.days.filter((day, i) => JSON.stringify(day) !== JSON.stringify(b.days[i]));
      throw new Error(
        `usage-dashboard: the rollups and the raw events disagree — totals ${a.total} vs ${b.total}; ` +
          `${diffDays.length} differing days (first: ${JSON.stringify(diffDays[0])} vs raw ${JSON.stringify(b.days[a.days.indexOf(diffDays[0]!)])}); ` +
          `top ${JSON.stringify(a.top.slice(0, 3))} vs ${JSON.stringify(b.top.slice(0, 3))}`,
      );
    }

    for (let i = 0; i < options.warmup; i += 1) {
      await rollups();
      await raw();
    }
    const times = { rollups: [] as number[], raw: [] as number[] };
    for (let i = 0; i < options.runs; i += 1) {
      // Alternating order, so neither side always runs on the other's freshly read pages.
      const order = i % 2 === 0 ? (['rollups', 'raw'] as const) : (['raw', 'rollups'] as const);
      for (const side of order) {
        const started = performance.now();
        await (side === 'rollups' ? rollups() : raw());
        times[side].push(performance.now() - started);
      }
    }
    const stats = (samples: number[]) => ({
      median: percentile(samples, 0.5),
      p95: percentile(samples, 0.95),
    });
    const r = stats(times.rollups);
    const w = stats(times.raw);
    line('');
    const labels = [
      'dashboard (3 answers: days, month total, top routes)',
      '(a) rollups: usageSeries day + month, topDimensions (withTenant)',
      '(b) raw events: per-day GROUP BY + top-routes GROUP BY (withTenant)',
    ];
    const width = Math.max(...labels.map((label) => label.length));
    line(`  ${labels[0]!.padEnd(width)}  ${'median ms'.padStart(10)}  ${'p95 ms'.padStart(9)}`);
    line(
      `  ${labels[1]!.padEnd(width)}  ${r.median.toFixed(2).padStart(10)}  ${r.p95.toFixed(2).padStart(9)}`,
    );
    line(
      `  ${labels[2]!.padEnd(width)}  ${w.median.toFixed(2).padStart(10)}  ${w.p95.toFixed(2).padStart(9)}`,
    );
    line(
      `  ${options.runs} runs each after ${options.warmup} warm-up runs, alternating; each run is one whole withTenant transaction (BENCH_DASHBOARD_RUNS, BENCH_DASHBOARD_WARMUP)`,
    );
    line('');
    const speedup = w.median / r.median;
    line(
      `usage_dashboard_rollup_speedup ${speedup.toFixed(1)}x (target >= 50x) ${Math.round(speedup * 10) >= 500 ? 'PASS' : 'FAIL'}` +
        `  (raw ${w.median.toFixed(2)} ms vs rollups ${r.median.toFixed(2)} ms median; ${(perTenant * TENANTS).toLocaleString('en')} events${full ? '' : ', reduced scale'})`,
    );
  } finally {
    await bench.close();
  }
}
