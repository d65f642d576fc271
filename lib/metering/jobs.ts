import 'server-only';
import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { withPlatform } from '@/db/scope';
import { log } from '@/lib/log';
import { startSchedule } from '@/lib/schedule';
import { notifyAllowanceThresholds } from './notifications';
import { usageRecorder } from './recorder';
import { refreshUsageRollups, type RollupRun } from './rollup';

/** How often the in-process schedule runs the metering jobs. */
export const METERING_JOB_INTERVAL_MS = 60_000;
const GAUGES = 'usage_gauges';

/**
 * Samples the gauges once per hour: each tenant's storage (the bytes of its documents as stored,
 * pg_column_size of each row) and active members (its memberships), as storage_bytes and
 * active_members events stamped now. The idempotency key names the hour, so a second run in the
 * same hour records nothing; the state row spares the scan when the hour is already sampled.
 */
export async function sampleGauges(
  options: { now?: Date; database?: Database } = {},
): Promise<{ sampled: number }> {
  const now = options.now ?? new Date();
  const hour = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  return withPlatform(async (tx) => {
    const state = (await tx.execute(
      sql`select watermark from usage_rollup_state where name = ${GAUGES} and watermark >= ${hour}`,
    )) as unknown as { rows: unknown[] };
    if (state.rows.length) return { sampled: 0 };
    const suffix = hour.toISOString();
    const inserted = (await tx.execute(sql`
      insert into usage_events (tenant_id, metric, value, idempotency_key, occurred_at, properties, source)
      select t.id, g.metric, g.value, 'gauge:' || g.metric || ':' || ${suffix}, ${now}, '{}', 'system'
      from tenants t
      cross join lateral (values
        ('storage_bytes', (select coalesce(sum(pg_column_size(d.*)), 0)::float8
                           from documents d where d.tenant_id = t.id)),
        ('active_members', (select count(*)::float8 from memberships m where m.tenant_id = t.id))
      ) as g(metric, value)
      where t.status <> 'archived'
      on conflict (tenant_id, idempotency_key) do nothing
      returning 1`)) as unknown as { rows: unknown[] };
    await tx.execute(sql`
      insert into usage_rollup_state (name, watermark, last_run_at) values (${GAUGES}, ${hour}, now())
      on conflict (name) do update set watermark = excluded.watermark, last_run_at = now()`);
    return { sampled: inserted.rows.length };
  }, options.database);
}

export type MeteringJobReport = {
  flushed: number;
  gauges: { sampled: number };
  rollups: RollupRun;
  notices: { notices: number; emails: number };
};

/**
 * One pass of the metering jobs, in order: write this process's buffered usage, sample the
 * gauges (hourly), bring the rollups up to date, send the allowance notices due. Every step is
 * idempotent, so a pass that dies half-way is simply run again.
 */
export async function runMeteringJobs(
  options: { now?: Date; database?: Database; wait?: boolean } = {},
): Promise<MeteringJobReport> {
  const flushed = await usageRecorder().flush();
  const gauges = await sampleGauges(options);
  const rollups = await refreshUsageRollups({ database: options.database, wait: options.wait });
  const notices = await notifyAllowanceThresholds(options);
  return { flushed, gauges, rollups, notices };
}

/**
 * Runs the metering jobs every METERING_JOB_INTERVAL_MS in this process (started by
 * instrumentation.ts; METERING_JOBS=off leaves it to the platform API's job route). Several
 * processes may run it: the rollup job's advisory lock lets one through at a time.
 */
export function startMeteringSchedule(intervalMs = METERING_JOB_INTERVAL_MS): () => void {
  return startSchedule('metering', () => runMeteringJobs(), { intervalMs, firstAfterMs: 0 });
}

/**
 * Starts what a server process runs in the background: the usage buffer's flushes, and the
 * metering jobs every minute unless `jobs` is false (METERING_JOBS=off).
 */
export function startMetering(options: { jobs: boolean }): void {
  usageRecorder().start();
  if (options.jobs) startMeteringSchedule();
}

/**
 * Writes buffered usage before the process exits (SIGTERM, SIGINT). Under `npm start`
 * NEXT_MANUAL_SIG_HANDLE is set, so Next leaves the signals to this handler, which flushes and
 * then exits; otherwise Next exits on its own schedule and the flush races it (README).
 */
export function flushUsageOnShutdown(
  processLike: Pick<NodeJS.Process, 'once' | 'exit'> = process,
  options: { exit: boolean } = { exit: Boolean(process.env.NEXT_MANUAL_SIG_HANDLE) },
): void {
  const onSignal = (signal: NodeJS.Signals) => {
    const recorder = usageRecorder();
    recorder.stop();
    recorder
      .flush()
      .then((rows) => log.info({ signal, rows }, 'metering.flushed_on_shutdown'))
      .catch((error: unknown) =>
        log.error(
          { err: error, signal, backlog: recorder.backlog },
          'metering.shutdown_flush_failed',
        ),
      )
      .finally(() => {
        if (options.exit) processLike.exit(0);
      });
  };
  processLike.once('SIGTERM', onSignal);
  processLike.once('SIGINT', onSignal);
}
