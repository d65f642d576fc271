import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { tenants, usageEvents, usageNotifications } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { loadUsageDashboard, loadUsageSeries, refreshUsageRollups, usageSeriesCsv } from '.';

let handle: DatabaseHandle;
let acme: { id: string };
let globex: { id: string };
let fresh: { id: string };

const MB = 1024 * 1024;
/**
 * Half-way through 15 June 2026 (UTC): 14.5 of the period's 30 days have gone. A past month, so
 * the notice job of another suite sharing a PostgreSQL test database (it runs at the real time)
 * finds nothing of these tenants to notify about.
 */
const now = new Date(Date.UTC(2026, 5, 15, 12));
const at = (month: number, day: number, hour: number) =>
  new Date(Date.UTC(2026, month - 1, day, hour, 10));

type Seed = {
  metric: string;
  value: number;
  occurredAt: Date;
  properties?: Record<string, string>;
};

function insertEvents(tenantId: string, rows: Seed[]) {
  return withPlatform((tx) =>
    tx.insert(usageEvents).values(
      rows.map((row) => ({
        tenantId,
        metric: row.metric,
        value: row.value,
        occurredAt: row.occurredAt,
        properties: row.properties ?? {},
        idempotencyKey: randomUUID(),
        source: 'system' as const,
      })),
    ),
  );
}

/** Runs the rollup job, after another suite's run on a shared server if one holds the lock. */
async function rollUp() {
  await refreshUsageRollups({ wait: true });
}

const api = (route: string, value: number, occurredAt: Date): Seed => ({
  metric: 'api_calls',
  value,
  occurredAt,
  properties: { route },
});

beforeAll(async () => {
  handle = await setupTestDatabase();
  acme = await createTenant({ plan: 'free' });
  globex = await createTenant({ plan: 'free' });
  fresh = await createTenant({ plan: 'free' });
  await insertEvents(acme.id, [
    api('listDocuments', 2000, at(6, 14, 10)),
    api('listDocuments', 2000, at(6, 15, 11)),
    api('listDocuments', 2000, at(6, 15, 12)),
    api('getDocument', 1500, at(6, 10, 9)),
    // Last month: in the series, not in this period's figures or routes.
    api('createDocument', 500, at(5, 20, 8)),
    { metric: 'egress_bytes', value: 900 * MB, occurredAt: at(6, 12, 3) },
    { metric: 'feature_usage', value: 120, occurredAt: at(6, 3, 3), properties: { feature: 'x' } },
    { metric: 'storage_bytes', value: 70 * MB, occurredAt: at(6, 15, 9) },
    { metric: 'storage_bytes', value: 50 * MB, occurredAt: at(6, 15, 11) },
    // A gauge's figure is its latest sample up to `now`: a later one (like those of the gauge
    // sampler in a test database shared with other suites) belongs to another moment.
    { metric: 'storage_bytes', value: 40 * MB, occurredAt: new Date(Date.UTC(2099, 0, 1)) },
    { metric: 'compute_ms', value: 90_000, occurredAt: at(6, 15, 11) },
  ]);
  await insertEvents(globex.id, [api('secretRoute', 99, at(6, 15, 11))]);
  await rollUp();
  await withPlatform(async (tx) => {
    // An operator's overrides: the page must show what the API enforces.
    await tx
      .update(tenants)
      .set({
        overageOverrides: { api_calls_per_month: 'notify' },
        limitOverrides: { compute_ms_per_month: null },
      })
      .where(eq(tenants.id, acme.id));
    await tx
      .insert(usageNotifications)
      .values([
        {
          tenantId: acme.id,
          metric: 'feature_usage',
          periodStart: new Date(Date.UTC(2026, 5, 1)),
          threshold: 100,
          used: 120,
          allowance: 100,
          policy: 'block',
        },
        {
          tenantId: acme.id,
          metric: 'api_calls',
          periodStart: new Date(Date.UTC(2026, 4, 1)),
          threshold: 80,
          used: 8000,
          allowance: 10000,
          policy: 'block',
        },
      ])
      .onConflictDoNothing();
  });
});

afterAll(() => teardownTestDatabase(handle));

describe('loadUsageDashboard', () => {
  it('shows each metered allowance of the period, with overrides, forecasts and policies', async () => {
    const usage = await withTenant(acme.id, (tx) =>
      loadUsageDashboard(tx, { tenantId: acme.id, metric: 'api_calls', granularity: 'day', now }),
    );
    const byLimit = Object.fromEntries(usage.allowances.map((row) => [row.limit, row]));
    expect(Object.keys(byLimit)).toEqual([
      'api_calls_per_month',
      'compute_ms_per_month',
      'egress_bytes_per_month',
      'feature_uses_per_month',
      'storage_bytes',
      'members',
    ]);
    expect(byLimit.api_calls_per_month).toMatchObject({
      label: 'API calls per month',
      used: 7500,
      usedText: '7,500 calls',
      allowance: 10_000,
      allowanceText: '10,000 calls',
      percent: 75,
      level: 'ok',
      policy: 'notify',
      resetsAt: '2026-07-01T00:00:00.000Z',
      resetText: '1 July 2026, 00:00 UTC',
      // 7,500 in 14.5 of 30 days: 15,517 by the end of the month, past the allowance.
      forecast: expect.closeTo((7500 * 30) / 14.5, 6),
      forecastText: '15,517 calls',
      forecastExceeds: true,
      overageText: null,
    });
    expect(byLimit.api_calls_per_month!.policyText).toMatch(/^Notify only/);
    expect(byLimit.compute_ms_per_month).toMatchObject({
      used: 90_000,
      usedText: '90 s',
      allowance: null,
      allowanceText: null,
      percent: null,
      level: 'unlimited',
      forecastExceeds: false,
    });
    expect(byLimit.egress_bytes_per_month).toMatchObject({
      usedText: '900 MB',
      allowanceText: '1 GB',
      level: 'warning',
      policy: 'block',
    });
    expect(byLimit.feature_uses_per_month).toMatchObject({
      used: 120,
      level: 'exceeded',
      overageText: '20 uses',
      forecastExceeds: true,
    });
    expect(byLimit.feature_uses_per_month!.policyText).toMatch(
      /refused until the allowance resets/,
    );
    // Gauges: the latest sample, no reset and no forecast.
    expect(byLimit.storage_bytes).toMatchObject({
      used: 50 * MB,
      usedText: '50 MB',
      allowanceText: '100 MB',
      level: 'ok',
      resetsAt: null,
      forecast: null,
      forecastText: null,
    });
    expect(byLimit.storage_bytes!.policyText).toMatch(/until usage goes down/);
    expect(usage.hasUsage).toBe(true);
    expect(usage.period).toEqual({
      start: '2026-06-01T00:00:00.000Z',
      end: '2026-07-01T00:00:00.000Z',
      label: 'June 2026',
    });
  });

  it('lists the month’s top API routes with their share, for this tenant only', async () => {
    const usage = await withTenant(acme.id, (tx) =>
      loadUsageDashboard(tx, { tenantId: acme.id, metric: 'api_calls', granularity: 'day', now }),
    );
    expect(usage.topRoutes).toEqual([
      {
        route: 'listDocuments',
        calls: 6000,
        callsText: '6,000 calls',
        share: 0.8,
        shareText: '80 %',
      },
      {
        route: 'getDocument',
        calls: 1500,
        callsText: '1,500 calls',
        share: 0.2,
        shareText: '20 %',
      },
    ]);
  });

  it('gives the chart every bucket of the range, zeros included', async () => {
    const day = await withTenant(acme.id, (tx) =>
      loadUsageDashboard(tx, { tenantId: acme.id, metric: 'api_calls', granularity: 'day', now }),
    );
    expect(day.series).toHaveLength(31);
    expect(day.series[0]!.bucketStart).toBe('2026-05-16T00:00:00.000Z');
    expect(day.series.at(-1)).toEqual({
      bucketStart: '2026-06-15T00:00:00.000Z',
      label: '15 Jun 2026',
      value: 4000,
      valueText: '4,000 calls',
      events: 2,
    });
    expect(day.series.filter((point) => point.value > 0).map((point) => point.value)).toEqual([
      500, 1500, 2000, 4000,
    ]);
    expect(day.seriesSummary).toBe('8,000 calls');
    expect(day.metric).toMatchObject({ key: 'api_calls', label: 'API calls', gauge: false });
    expect(day.metrics.map((metric) => metric.key)).toContain('storage_bytes');

    const hour = await withTenant(acme.id, (tx) =>
      loadUsageDashboard(tx, { tenantId: acme.id, metric: 'api_calls', granularity: 'hour', now }),
    );
    expect(hour.series).toHaveLength(48);
    expect(hour.series.at(-1)).toMatchObject({ label: '15 Jun, 12:00', value: 2000 });
    expect(hour.seriesSummary).toBe('6,000 calls');

    const month = await withTenant(acme.id, (tx) =>
      loadUsageDashboard(tx, { tenantId: acme.id, metric: 'api_calls', granularity: 'month', now }),
    );
    expect(month.series.map((point) => point.label)).toEqual([
      'Jul 2025',
      'Aug 2025',
      'Sept 2025',
      'Oct 2025',
      'Nov 2025',
      'Dec 2025',
      'Jan 2026',
      'Feb 2026',
      'Mar 2026',
      'Apr 2026',
      'May 2026',
      'Jun 2026',
    ]);
    expect(month.series.slice(-2).map((point) => point.value)).toEqual([500, 7500]);

    const storage = await withTenant(acme.id, (tx) =>
      loadUsageDashboard(tx, {
        tenantId: acme.id,
        metric: 'storage_bytes',
        granularity: 'day',
        now,
      }),
    );
    // A gauge's day is its highest sample, and the summary is the highest, not a sum.
    expect(storage.series.at(-1)).toMatchObject({ value: 70 * MB, valueText: '70 MB' });
    expect(storage.seriesSummary).toBe('70 MB');
    expect(storage.axis).toEqual({ divisor: MB, unit: 'MB' });
    expect(storage.metric.gauge).toBe(true);
  });

  it('lists this period’s notices only', async () => {
    const usage = await withTenant(acme.id, (tx) =>
      loadUsageDashboard(tx, { tenantId: acme.id, metric: 'api_calls', granularity: 'day', now }),
    );
    expect(usage.notices).toHaveLength(1);
    expect(usage.notices[0]).toMatchObject({
      label: 'Metered feature uses per month',
      threshold: 100,
      text: 'Metered feature uses per month: 100 % reached — 120 uses of 100 uses.',
    });
  });

  it('is empty for a tenant with no usage', async () => {
    const usage = await withTenant(fresh.id, (tx) =>
      loadUsageDashboard(tx, { tenantId: fresh.id, metric: 'api_calls', granularity: 'day', now }),
    );
    expect(usage.hasUsage).toBe(false);
    expect(usage.topRoutes).toEqual([]);
    expect(usage.notices).toEqual([]);
    expect(usage.series.every((point) => point.value === 0 && point.events === 0)).toBe(true);
    expect(usage.allowances.every((row) => row.used === 0 && row.level === 'ok')).toBe(true);
  });

  it('reads nothing of another tenant', async () => {
    // Asked for acme inside globex's transaction: RLS hides acme's row, so nothing leaks.
    await expect(
      withTenant(globex.id, (tx) =>
        loadUsageDashboard(tx, {
          tenantId: acme.id,
          metric: 'api_calls',
          granularity: 'day',
          now,
        }),
      ),
    ).rejects.toThrow('This workspace does not exist.');
    const series = await withTenant(globex.id, (tx) =>
      loadUsageSeries(tx, { tenantId: acme.id, metric: 'api_calls', granularity: 'day', now }),
    );
    expect(series.every((point) => point.value === 0)).toBe(true);
    const own = await withTenant(globex.id, (tx) =>
      loadUsageDashboard(tx, { tenantId: globex.id, metric: 'api_calls', granularity: 'day', now }),
    );
    expect(own.topRoutes.map((route) => route.route)).toEqual(['secretRoute']);
  });

  it('exports the chart’s series as CSV', async () => {
    const series = await withTenant(acme.id, (tx) =>
      loadUsageSeries(tx, { tenantId: acme.id, metric: 'api_calls', granularity: 'month', now }),
    );
    const lines = usageSeriesCsv(series).split('\r\n');
    expect(lines[0]).toBe('bucket_start,value,events');
    expect(lines).toHaveLength(14);
    expect(lines.slice(-3)).toEqual([
      '2026-05-01T00:00:00.000Z,500,1',
      '2026-06-01T00:00:00.000Z,7500,4',
      '',
    ]);
  });
});
