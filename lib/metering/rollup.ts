import 'server-only';
import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { queryRows as rows, withPlatform, type Transaction } from '@/db/scope';
import { bucketStartOf } from './buckets';
import type { MetricCatalogue } from './metrics';
import { metricCatalogue } from './ingest';

/** How far behind its watermark the job re-reads, for events whose transaction committed late. */
export const ROLLUP_OVERLAP_MS = 5 * 60 * 1000;
const STATE = 'usage_rollups';

export type RollupRun =
  | { ran: false; reason: 'busy' }
  | { ran: true; hours: number; days: number; months: number; watermark: Date; ms: number };

type Bucket = { tenant_id: string; metric: string; bucket: string | Date };

/** The catalogue as a jsonb recordset the SQL below joins to. */
function catalogueJson(catalogue: MetricCatalogue): string {
  return JSON.stringify(
    [...catalogue.values()].map((metric) => ({
      key: metric.key,
      aggregation: metric.aggregation,
      dimension: metric.dimension ?? null,
      unique_by: metric.uniqueBy ?? null,
    })),
  );
}

const catalogueCte = (json: string) =>
  sql`catalogue as (
    select * from jsonb_to_recordset(${json}::jsonb)
      as c(key text, aggregation text, dimension text, unique_by text)
  )`;

const bucketsCte = (buckets: Bucket[]) =>
  sql`touched as (
    select * from jsonb_to_recordset(${JSON.stringify(buckets)}::jsonb)
      as t(tenant_id uuid, metric text, bucket timestamptz)
  )`;

const upsert = sql`on conflict on constraint usage_rollups_pk
  do update set value = excluded.value, events = excluded.events, updated_at = now()`;

/**
 * The figures of one touched bucket `t` of metric `c` from its raw events, per dimension. A
 * LATERAL subquery, so each bucket is an index range scan of (tenant, metric, occurred_at): the
 * planner cannot size a jsonb recordset and would otherwise hash-join the whole table.
 */
const rawFigures = (span: ReturnType<typeof sql>) => sql`lateral (
  select
    case when c.aggregation in ('count', 'sum')
      then coalesce(e.properties ->> c.dimension, '') else '' end as dimension,
    case c.aggregation
      when 'max' then max(e.value)::numeric
      when 'unique_count' then count(distinct e.properties ->> c.unique_by)::numeric
      else sum(e.value::numeric) end as value,
    count(*) as events
  from usage_events e
  where e.tenant_id = t.tenant_id and e.metric = t.metric
    and e.occurred_at >= t.bucket and e.occurred_at < t.bucket + ${span}
  group by 1
) f`;

/** Recomputes the touched hour buckets from raw events. */
async function rollUpHours(tx: Transaction, catalogue: string, buckets: Bucket[]) {
  await tx.execute(sql`
    with ${catalogueCte(catalogue)}, ${bucketsCte(buckets)}
    insert into usage_rollups (tenant_id, metric, granularity, bucket_start, dimension, value, events)
    select t.tenant_id, t.metric, 'hour', t.bucket, f.dimension, f.value, f.events
    from touched t
    join catalogue c on c.key = t.metric
    cross join ${rawFigures(sql`interval '1 hour'`)}
    ${upsert}`);
}

/**
 * Recomputes touched day or month buckets: count, sum and max from the finer rollups (24 hour
 * rows make a day, a month's day rows make the month), unique_count from raw events, since
 * distinct counts do not add up.
 */
async function rollUpCoarser(
  tx: Transaction,
  catalogue: string,
  buckets: Bucket[],
  granularity: 'day' | 'month',
) {
  const finer = granularity === 'day' ? 'hour' : 'day';
  const span = granularity === 'day' ? sql`interval '1 day'` : sql`interval '1 month'`;
  await tx.execute(sql`
    with ${catalogueCte(catalogue)}, ${bucketsCte(buckets)}
    insert into usage_rollups (tenant_id, metric, granularity, bucket_start, dimension, value, events)
    select t.tenant_id, t.metric, ${granularity}, t.bucket, f.dimension, f.value, f.events
    from touched t
    join catalogue c on c.key = t.metric and c.aggregation <> 'unique_count'
    cross join lateral (
      select r.dimension,
        case c.aggregation when 'max' then max(r.value) else sum(r.value) end as value,
        sum(r.events) as events
      from usage_rollups r
      where r.tenant_id = t.tenant_id and r.metric = t.metric and r.granularity = ${finer}
        and r.bucket_start >= t.bucket and r.bucket_start < t.bucket + ${span}
      group by r.dimension
    ) f
    ${upsert}`);
  await tx.execute(sql`
    with ${catalogueCte(catalogue)}, ${bucketsCte(buckets)}
    insert into usage_rollups (tenant_id, metric, granularity, bucket_start, dimension, value, events)
    select t.tenant_id, t.metric, ${granularity}, t.bucket, f.dimension, f.value, f.events
    from touched t
    join catalogue c on c.key = t.metric and c.aggregation = 'unique_count'
    cross join ${rawFigures(span)}
    ${upsert}`);
}

function coarser(hours: Bucket[], unit: 'day' | 'month'): Bucket[] {
  const seen = new Map<string, Bucket>();
  for (const hour of hours) {
    const bucket = bucketStartOf(new Date(hour.bucket), unit).toISOString();
    seen.set(`${hour.tenant_id}|${hour.metric}|${bucket}`, { ...hour, bucket });
  }
  return [...seen.values()];
}

/**
 * The rollup job: brings usage_rollups up to date with usage_events. It finds the hour buckets
 * of every event received since its watermark (less ROLLUP_OVERLAP_MS, so an event whose
 * transaction committed after a run began is still picked up by the next), recomputes those
 * hours from raw events, then their days and months, and moves the watermark, all in one
 * platform transaction. Recomputing a bucket is idempotent, so a run that fails changes nothing
 * and a crash or a rerun double-counts nothing. Runs one at a time (advisory lock): a second
 * caller returns `busy` at once, or with `wait` runs once the first is done (tests, benches).
 */
export async function refreshUsageRollups(
  options: { catalogue?: MetricCatalogue; database?: Database; wait?: boolean } = {},
): Promise<RollupRun> {
  const catalogue = catalogueJson(options.catalogue ?? metricCatalogue());
  const started = performance.now();
  return withPlatform(async (tx) => {
    const key = sql`hashtextextended(${STATE}, 0)`;
    if (options.wait) {
      await tx.execute(sql`select pg_advisory_xact_lock(${key})`);
    } else {
      const [lock] = await rows<{ locked: boolean }>(
        tx,
        sql`select pg_try_advisory_xact_lock(${key}) as locked`,
      );
      if (!lock?.locked) return { ran: false, reason: 'busy' } as const;
    }
    // The window is read and the watermark written in SQL, at the database's microseconds: now()
    // is this transaction's start, and a JavaScript Date would round it down to milliseconds.
    const hours = await rows<Bucket>(
      tx,
      sql`select distinct tenant_id, metric, date_trunc('hour', occurred_at, 'UTC') as bucket
          from usage_events
          where received_at <= now()
            and received_at >= coalesce(
              (select watermark from usage_rollup_state where name = ${STATE})
                - ${`${ROLLUP_OVERLAP_MS} milliseconds`}::interval,
              '-infinity')`,
    );
    const days = coarser(hours, 'day');
    const months = coarser(hours, 'month');
    if (hours.length) {
      await rollUpHours(tx, catalogue, hours);
      await rollUpCoarser(tx, catalogue, days, 'day');
      await rollUpCoarser(tx, catalogue, months, 'month');
    }
    const ms = Math.round(performance.now() - started);
    const [state] = await rows<{ watermark: string | Date }>(
      tx,
      sql`insert into usage_rollup_state (name, watermark, last_run_at, last_run_ms, last_buckets)
        values (${STATE}, now(), now(), ${ms}, ${hours.length})
        on conflict (name) do update set watermark = excluded.watermark,
          last_run_at = excluded.last_run_at, last_run_ms = excluded.last_run_ms,
          last_buckets = excluded.last_buckets
        returning watermark`,
    );
    return {
      ran: true,
      hours: hours.length,
      days: days.length,
      months: months.length,
      watermark: new Date(state!.watermark),
      ms,
    } as const;
  }, options.database);
}
