import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { usageEvents, type NewUsageEvent } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import {
  buildMetricCatalogue,
  refreshUsageRollups,
  ROLLUP_OVERLAP_MS,
  topDimensions,
  usageSeries,
  UsageRecorder,
} from '.';

let handle: DatabaseHandle;
let acme: { id: string };
let globex: { id: string };

const catalogue = buildMetricCatalogue(
  JSON.stringify([
    { key: 'devices', unit: 'devices', aggregation: 'unique_count', uniqueBy: 'device' },
  ]),
);

function insertRaw(rows: Omit<NewUsageEvent, 'idempotencyKey' | 'source'>[]) {
  return withPlatform((tx) =>
    tx
      .insert(usageEvents)
      .values(
        rows.map((row) => ({ ...row, idempotencyKey: randomUUID(), source: 'system' as const })),
      ),
  );
}

type Row = Record<string, unknown>;
async function query(statement: ReturnType<typeof sql>): Promise<Row[]> {
  const result = (await withPlatform((tx) => tx.execute(statement))) as unknown as { rows: Row[] };
  return result.rows;
}

/** A deterministic pseudo-random mix of events over three days, two tenants, all aggregations. */
function mixedEvents(seed: number, count: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const start = Date.UTC(2026, 10, 27, 22);
  const metrics = ['api_calls', 'compute_ms', 'storage_bytes', 'devices', 'feature_usage'];
  return Array.from({ length: count }, () => {
    const metric = metrics[Math.floor(next() * metrics.length)]!;
    const tenantId = next() < 0.7 ? acme.id : globex.id;
    const occurredAt = new Date(start + Math.floor(next() * 3 * 24 * 3600_000));
    const value =
      metric === 'compute_ms'
        ? Math.round(next() * 50_000) / 100
        : metric === 'storage_bytes'
          ? Math.floor(next() * 1e9)
          : 1 + Math.floor(next() * 3);
    const properties =
      metric === 'api_calls' || metric === 'compute_ms'
        ? { route: ['listDocuments', 'getDocument', 'createDocument'][Math.floor(next() * 3)]! }
        : metric === 'devices'
          ? { device: `d${Math.floor(next() * 40)}` }
          : metric === 'feature_usage'
            ? { feature: next() < 0.5 ? 'log_export' : 'csv_import' }
            : {};
    return { tenantId, metric, value, occurredAt, properties };
  });
}

/**
 * The same figures computed straight from raw events, per tenant, metric and bucket, for this
 * file's tenants only: on a server database other suites' tenants share the tables.
 */
async function rawTotals(unit: 'hour' | 'day' | 'month') {
  return query(sql`
    select tenant_id, metric, date_trunc(${unit}, occurred_at, 'UTC') as bucket,
      case metric
        when 'storage_bytes' then max(value)::numeric
        when 'devices' then count(distinct properties ->> 'device')::numeric
        else sum(value::numeric) end::text as value,
      count(*)::int as events
    from usage_events where tenant_id in (${acme.id}, ${globex.id})
    group by 1, 2, 3 order by 1, 2, 3`);
}

async function rollupTotals(unit: 'hour' | 'day' | 'month') {
  return query(sql`
    select tenant_id, metric, bucket_start as bucket,
      case metric when 'storage_bytes' then max(value) else sum(value) end::text as value,
      sum(events)::int as events
    from usage_rollups
    where granularity = ${unit} and tenant_id in (${acme.id}, ${globex.id})
    group by 1, 2, 3 order by 1, 2, 3`);
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  acme = await createTenant({ plan: 'pro' });
  globex = await createTenant({ plan: 'pro' });
});

afterAll(() => teardownTestDatabase(handle));

describe('refreshUsageRollups', () => {
  it('gives every hour, day and month exactly the totals computed from raw events', async () => {
    await insertRaw(mixedEvents(7, 3000));
    const run = await refreshUsageRollups({ catalogue, wait: true });
    expect(run).toMatchObject({ ran: true });
    for (const unit of ['hour', 'day', 'month'] as const) {
      const raw = await rawTotals(unit);
      expect(raw.length).toBeGreaterThan(0);
      expect(await rollupTotals(unit)).toEqual(raw);
    }
  });

  it('stays exact when more events arrive for buckets already rolled up, and reruns change nothing', async () => {
    await insertRaw(mixedEvents(11, 1500));
    await refreshUsageRollups({ catalogue, wait: true });
    const again = await refreshUsageRollups({ catalogue, wait: true });
    expect(again).toMatchObject({ ran: true });
    for (const unit of ['hour', 'day', 'month'] as const) {
      expect(await rollupTotals(unit)).toEqual(await rawTotals(unit));
    }
  });

  it('keeps dimensions apart: the month of api_calls by route adds up to its total', async () => {
    const monthStart = new Date(Date.UTC(2026, 10, 1));
    const routes = await withTenant(acme.id, (tx) =>
      topDimensions(tx, { tenantId: acme.id, metric: 'api_calls', monthStart }),
    );
    expect(routes.map((route) => route.dimension).sort()).toEqual([
      'createDocument',
      'getDocument',
      'listDocuments',
    ]);
    const [raw] = await query(sql`
      select sum(value)::float8 as total from usage_events
      where tenant_id = ${acme.id} and metric = 'api_calls'
        and occurred_at >= ${monthStart} and occurred_at < '2026-12-01T00:00:00Z'`);
    expect(routes.reduce((sum, route) => sum + route.value, 0)).toBe(raw!.total);
  });

  it('answers a series per bucket for the tenant only', async () => {
    const series = await withTenant(acme.id, (tx) =>
      usageSeries(tx, {
        tenantId: acme.id,
        metric: 'api_calls',
        granularity: 'day',
        from: new Date(Date.UTC(2026, 10, 27)),
        to: new Date(Date.UTC(2026, 11, 1)),
      }),
    );
    const [raw] = await query(sql`
      select sum(value)::float8 as total from usage_events
      where tenant_id = ${acme.id} and metric = 'api_calls'`);
    expect(series.length).toBeGreaterThanOrEqual(3);
    expect(series.reduce((sum, point) => sum + point.value, 0)).toBe(raw!.total);
    // Another tenant's transaction sees none of acme's rollups.
    const leaked = await withTenant(globex.id, (tx) =>
      usageSeries(tx, {
        tenantId: acme.id,
        metric: 'api_calls',
        granularity: 'day',
        from: new Date(0),
        to: new Date(Date.UTC(2030, 0, 1)),
      }),
    );
    expect(leaked).toEqual([]);
  });

  it('picks up an event received before the watermark within the overlap (a late commit)', async () => {
    const [state] = await query(
      sql`select watermark from usage_rollup_state where name = 'usage_rollups'`,
    );
    const watermark = new Date(state!.watermark as string);
    const occurredAt = new Date(Date.UTC(2026, 10, 29, 5, 30));
    await withPlatform((tx) =>
      tx.insert(usageEvents).values({
        tenantId: globex.id,
        metric: 'api_calls',
        value: 5,
        idempotencyKey: randomUUID(),
        occurredAt,
        receivedAt: new Date(watermark.getTime() - ROLLUP_OVERLAP_MS / 2),
        properties: { route: 'late' },
        source: 'system',
      }),
    );
    await refreshUsageRollups({ catalogue, wait: true });
    const [row] = await query(sql`
      select value::float8 as value from usage_rollups
      where tenant_id = ${globex.id} and metric = 'api_calls' and granularity = 'hour'
        and bucket_start = ${new Date(Date.UTC(2026, 10, 29, 5))} and dimension = 'late'`);
    expect(row).toEqual({ value: 5 });
  });

  it('lets one run at a time: a concurrent caller answers busy', async () => {
    const results = await Promise.all([
      refreshUsageRollups({ catalogue }),
      refreshUsageRollups({ catalogue }),
    ]);
    const ran = results.filter((result) => result.ran).length;
    // PGlite runs one transaction at a time, so there both run in turn.
    expect(ran).toBeGreaterThanOrEqual(1);
    if (ran === 1) expect(results).toContainEqual({ ran: false, reason: 'busy' });
  });
});

describe('UsageRecorder', () => {
  it('pre-aggregates per tenant, metric, dimension and minute and writes it in one flush', async () => {
    const recorder = new UsageRecorder();
    const at = Date.UTC(2026, 10, 30, 1, 2, 3);
    for (let i = 0; i < 250; i++) recorder.record(acme.id, 'api_calls', 1, 'recorderRoute', at);
    recorder.record(acme.id, 'egress_bytes', 1000, 'recorderRoute', at);
    recorder.record(acme.id, 'egress_bytes', 24, 'recorderRoute', at + 1000);
    recorder.record(acme.id, 'api_calls', 0, 'recorderRoute', at);
    expect(recorder.backlog).toBe(2);
    expect(await recorder.flush()).toBe(2);
    expect(recorder.backlog).toBe(0);
    recorder.stop();
    const rows = await query(sql`
      select metric, value::float8 as value, occurred_at, properties from usage_events
      where tenant_id = ${acme.id} and properties ->> 'route' = 'recorderRoute' order by metric`);
    const minute = new Date(Date.UTC(2026, 10, 30, 1, 2));
    expect(
      rows.map((row) => ({ ...row, occurred_at: new Date(row.occurred_at as string) })),
    ).toEqual([
      {
        metric: 'api_calls',
        value: 250,
        occurred_at: minute,
        properties: { route: 'recorderRoute' },
      },
      {
        metric: 'egress_bytes',
        value: 1024,
        occurred_at: minute,
        properties: { route: 'recorderRoute' },
      },
    ]);
  });

  it('flushes on its own once started', async () => {
    const recorder = new UsageRecorder({ intervalMs: 20 });
    recorder.record(globex.id, 'api_calls', 3, 'startedRoute');
    recorder.start();
    await vi.waitFor(() => expect(recorder.backlog).toBe(0));
    recorder.stop();
    const rows = await query(sql`
      select value::float8 as value from usage_events
      where tenant_id = ${globex.id} and properties ->> 'route' = 'startedRoute'`);
    expect(rows).toEqual([{ value: 3 }]);
  });

  it('keeps a batch that failed to write and retries it with the same keys', async () => {
    let attempts = 0;
    const flaky = {
      transaction: (work: Parameters<typeof handle.db.transaction>[0]) => {
        attempts++;
        return attempts === 1
          ? Promise.reject(new Error('connection lost'))
          : handle.db.transaction(work);
      },
    } as unknown as DatabaseHandle['db'];
    const recorder = new UsageRecorder({ database: flaky });
    recorder.record(globex.id, 'api_calls', 4, 'flakyRoute');
    await expect(recorder.flush()).rejects.toThrow('connection lost');
    expect(recorder.backlog).toBe(1);
    recorder.record(globex.id, 'api_calls', 1, 'flakyRoute');
    expect(await recorder.flush()).toBe(2);
    const rows = await query(sql`
      select value::float8 as value from usage_events
      where tenant_id = ${globex.id} and properties ->> 'route' = 'flakyRoute' order by value`);
    expect(rows).toEqual([{ value: 1 }, { value: 4 }]);
  });

  it('drops the usage of a tenant that no longer exists instead of failing the batch', async () => {
    const recorder = new UsageRecorder();
    recorder.record(randomUUID(), 'api_calls', 9, 'ghostRoute');
    recorder.record(globex.id, 'api_calls', 2, 'ghostRoute');
    expect(await recorder.flush()).toBe(2);
    expect(recorder.backlog).toBe(0);
    const rows = await query(sql`
      select tenant_id, value::float8 as value from usage_events
      where properties ->> 'route' = 'ghostRoute'`);
    expect(rows).toEqual([{ tenant_id: globex.id, value: 2 }]);
  });
});
