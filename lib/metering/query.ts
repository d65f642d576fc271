import 'server-only';
import { sql } from 'drizzle-orm';
import type { RollupGranularity } from '@/db/schema';
import type { Transaction } from '@/db/scope';
import { metricCatalogue } from './ingest';

export type UsagePoint = { bucketStart: Date; value: number; events: number };

/** How a bucket's rows (one per dimension) combine into its total. */
function totalOf(metric: string) {
  return metricCatalogue().get(metric)?.aggregation === 'max'
    ? sql`max(value)::float8`
    : sql`sum(value)::float8`;
}

/**
 * A metric's totals per hour, day or month (UTC buckets) with bucket_start in [from, to), for
 * the transaction's tenant, oldest first. Buckets without usage are absent. Reads rollups only.
 */
export async function usageSeries(
  tx: Transaction,
  params: {
    tenantId: string;
    metric: string;
    granularity: RollupGranularity;
    from: Date;
    to: Date;
  },
): Promise<UsagePoint[]> {
  const result = (await tx.execute(sql`
    select bucket_start as "bucketStart", ${totalOf(params.metric)} as value,
      sum(events)::float8 as events
    from usage_rollups
    where tenant_id = ${params.tenantId} and metric = ${params.metric}
      and granularity = ${params.granularity}
      and bucket_start >= ${params.from} and bucket_start < ${params.to}
    group by bucket_start
    order by bucket_start`)) as unknown as {
    rows: { bucketStart: Date | string; value: number; events: number }[];
  };
  return result.rows.map((row) => ({
    bucketStart: new Date(row.bucketStart),
    value: Number(row.value),
    events: Number(row.events),
  }));
}

/**
 * The largest dimensions of a metric in one month (the top API routes of the period), largest
 * first. Metrics without a dimension answer one row named ''.
 */
export async function topDimensions(
  tx: Transaction,
  params: { tenantId: string; metric: string; monthStart: Date; limit?: number },
): Promise<{ dimension: string; value: number }[]> {
  const result = (await tx.execute(sql`
    select dimension, value::float8 as value from usage_rollups
    where tenant_id = ${params.tenantId} and metric = ${params.metric}
      and granularity = 'month' and bucket_start = ${params.monthStart}
    order by value desc, dimension
    limit ${params.limit ?? 10}`)) as unknown as { rows: { dimension: string; value: number }[] };
  return result.rows.map((row) => ({ dimension: row.dimension, value: Number(row.value) }));
}

/**
 * The period's expected end figure: usage so far extended at the same rate over the rest of the
 * period (a straight line), or the current figure for gauges, which do not accumulate.
 */
export function forecastPeriodEnd(params: {
  used: number;
  cumulative: boolean;
  period: { start: Date; end: Date };
  now: Date;
}): number {
  if (!params.cumulative) return params.used;
  const elapsed = params.now.getTime() - params.period.start.getTime();
  const length = params.period.end.getTime() - params.period.start.getTime();
  if (elapsed <= 0) return params.used;
  return params.used * (length / Math.min(elapsed, length));
}
