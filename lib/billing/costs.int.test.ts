import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { tenants, usageRollups } from '@/db/schema';
import { withPlatform } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  TEST_PASSWORD,
} from '@/db/testing';
import { runPlatformAction, type PlatformResolvedRequest } from '@/lib/actions/pipeline';
import { log } from '@/lib/log';
import { periodOf } from '@/lib/metering';
import {
  authenticateOperator,
  ensurePlatformAdmin,
  resolveOperator,
  type OperatorDTO,
} from '@/lib/operators';
import {
  getUnitCosts,
  setUnitCosts,
  tenantCostReport,
  unitCostsInput,
  type CostReportDTO,
  type TenantCostDTO,
} from './costs';

const GB = 1024 ** 3;
const MB = 1024 ** 2;
let handle: DatabaseHandle;
let operator: OperatorDTO;

// June 2026 (30 days), long past: other suites sharing a PostgreSQL test database write their
// usage at the real time, so nothing of theirs lands in this month for these tenants.
const june = periodOf(new Date(Date.UTC(2026, 5, 10)));
const at = (month: number, day: number, hour = 0) => new Date(Date.UTC(2026, month - 1, day, hour));
const afterJune = new Date(Date.UTC(2026, 7, 10));

// $0.023 per GB-month, $0.40 per million requests, $0.05 per compute hour, $0.09 per GB egress.
const costs = { storage_gb_month: 2.3, requests_million: 40, compute_hour: 5, egress_gb: 9 };

type Rollup = {
  metric: string;
  value: number;
  bucket: Date;
  granularity?: 'hour' | 'month';
  dimension?: string;
};
const month = (metric: string, value: number, dimension = ''): Rollup => ({
  metric,
  value,
  bucket: june.start,
  granularity: 'month',
  dimension,
});
const storage = (bytes: number, bucket: Date): Rollup => ({
  metric: 'storage_bytes',
  value: bytes,
  bucket,
});

const ids: Record<string, string> = {};

async function seed(
  key: string,
  params: {
    plan: string;
    createdAt: Date;
    status?: 'active' | 'archived';
    limitOverrides?: Record<string, number | null>;
    rollups?: Rollup[];
  },
) {
  const tenant = await createTenant({ plan: params.plan, status: params.status ?? 'active' });
  ids[key] = tenant.id;
  await withPlatform(async (tx) => {
    await tx
      .update(tenants)
      .set({ createdAt: params.createdAt, limitOverrides: params.limitOverrides ?? {} })
      .where(eq(tenants.id, tenant.id));
    if (params.rollups?.length)
      await tx.insert(usageRollups).values(
        params.rollups.map((row) => ({
          tenantId: tenant.id,
          metric: row.metric,
          granularity: row.granularity ?? 'hour',
          bucketStart: row.bucket,
          dimension: row.dimension ?? '',
          value: row.value,
          events: 1,
        })),
      );
  });
}

function rowOf(report: CostReportDTO, key: string): TenantCostDTO | undefined {
  return report.tenants.find((row) => row.tenantId === ids[key]);
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  const home = await createTenant();
  const person = await createMember(home.id, { name: 'Olive Operator' });
  await ensurePlatformAdmin(person.email);
  const outcome = await authenticateOperator({
    email: person.email,
    password: TEST_PASSWORD,
    request: {},
  });
  if (!outcome.ok) throw new Error('operator sign-in failed');
  operator = (await resolveOperator({ sessionId: outcome.sessionId, kind: 'operator' }))!;

  const before = at(5, 1);
  // Pro, past its million calls by half a million (50 blocks: $25), storage 2 then 4 GiB.
  await seed('alpha', {
    plan: 'pro',
    createdAt: before,
    rollups: [
      month('api_calls', 1_000_000, 'listDocuments'),
      month('api_calls', 500_000, 'getDocument'),
      month('compute_ms', 7_200_000, 'listDocuments'),
      month('egress_bytes', 10 * GB, 'listDocuments'),
      storage(2 * GB, at(6, 10, 3)),
      storage(4 * GB, at(6, 20, 3)),
      // Outside June: in neither the mean nor the figures.
      storage(100 * GB, at(5, 31, 23)),
      storage(100 * GB, at(7, 1, 0)),
      { metric: 'api_calls', value: 9_000_000, bucket: at(7, 1), granularity: 'month' },
    ],
  });
  // Business for 100,000 calls: Pro carries them for $49; created half-way through June.
  await seed('bravo', {
    plan: 'business',
    createdAt: at(6, 16),
    rollups: [month('api_calls', 100_000), storage(2 * GB, at(6, 20, 5))],
  });
  // Free: pays nothing, costs storage and egress.
  await seed('charlie', {
    plan: 'free',
    createdAt: before,
    rollups: [
      month('egress_bytes', GB / 2),
      storage(50 * MB, at(6, 2, 0)),
      storage(50 * MB, at(6, 3, 0)),
    ],
  });
  // Pro with its own allowance of 5 million calls: no overage on its plan; Free would refuse the
  // calls (no API access) and Business costs more.
  await seed('golf', {
    plan: 'pro',
    createdAt: before,
    limitOverrides: { api_calls_per_month: 5_000_000 },
    rollups: [month('api_calls', 3_000_000)],
  });
  // Pro, egress past Free's 1 GB (blocked there): Free would be cheaper but cannot carry it.
  await seed('hotel', {
    plan: 'pro',
    createdAt: before,
    rollups: [month('egress_bytes', 2 * GB)],
  });
  // Archived: listed only for a month in which it has figures.
  await seed('echo', {
    plan: 'pro',
    status: 'archived',
    createdAt: before,
    rollups: [month('compute_ms', 3_600_000)],
  });
  await seed('delta', { plan: 'pro', status: 'archived', createdAt: before });
  // Created after June.
  await seed('foxtrot', { plan: 'pro', createdAt: at(7, 5) });

  await withPlatform((tx) => setUnitCosts(tx, costs, operator.userId));
});

afterAll(async () => {
  await withPlatform((tx) => tx.delete(tenants).where(inArray(tenants.id, Object.values(ids))));
  await teardownTestDatabase(handle);
});

describe('unit costs', () => {
  it('reads back what was set, with who set it', async () => {
    const unitCosts = await withPlatform((tx) => getUnitCosts(tx));
    expect(unitCosts).toMatchObject({
      currency: 'usd',
      amounts: costs,
      configured: ['storage_gb_month', 'requests_million', 'compute_hour', 'egress_gb'],
    });
    expect(unitCosts.updatedAt).toBeInstanceOf(Date);
  });

  it('writes only what changed, stamped with the operator, and logs the change', async () => {
    const info = vi.spyOn(log, 'info');
    try {
      const request = { requestId: randomUUID(), ip: '127.0.0.1' };
      const unchanged = await withPlatform((tx) =>
        setUnitCosts(tx, costs, operator.userId, request),
      );
      expect(unchanged).toEqual([]);
      const changes = await withPlatform((tx) =>
        setUnitCosts(tx, { ...costs, compute_hour: 6.25 }, operator.userId, request),
      );
      expect(changes).toEqual([{ resource: 'compute_hour', before: 5, after: 6.25 }]);
      expect(info).toHaveBeenCalledTimes(1);
      expect(info.mock.calls[0]![0]).toMatchObject({
        event: 'platform_unit_costs.updated',
        userId: operator.userId,
        requestId: request.requestId,
        changes,
      });
      const unitCosts = await withPlatform((tx) => getUnitCosts(tx));
      expect(unitCosts.amounts.compute_hour).toBe(6.25);
      expect(unitCosts.updatedBy).toEqual({ id: operator.userId, name: 'Olive Operator' });
    } finally {
      info.mockRestore();
      await withPlatform((tx) => setUnitCosts(tx, costs, operator.userId));
    }
  });

  it('refuses a negative or absurd cost', async () => {
    await expect(
      withPlatform((tx) => setUnitCosts(tx, { egress_gb: -1 }, operator.userId)),
    ).rejects.toThrow(RangeError);
  });

  it('saves through the console action’s wrapper: validated, for an operator only', async () => {
    const resolved = (who: OperatorDTO | null): PlatformResolvedRequest => ({
      request: { requestId: randomUUID(), ip: null, tenantSlug: null },
      operator: async () => who,
    });
    const form = (values: Record<string, string>) => {
      const data = new FormData();
      for (const [key, value] of Object.entries(values)) data.set(key, value);
      return data;
    };
    const definition = { name: 'platform.update_unit_costs', input: unitCostsInput };
    const handler = ({
      tx,
      ctx,
      input,
    }: Parameters<Parameters<typeof runPlatformAction<typeof unitCostsInput, unknown>>[2]>[0]) =>
      setUnitCosts(tx, input, ctx.operator.userId, ctx.request);
    const dollars = {
      storage_gb_month: '0.023',
      requests_million: '0.4',
      compute_hour: '0.05',
      egress_gb: '0.09',
    };

    const invalid = await runPlatformAction(
      resolved(operator),
      definition,
      handler,
      form({ ...dollars, egress_gb: '-1' }),
    );
    expect(invalid).toMatchObject({
      ok: false,
      code: 'invalid_input',
      fieldErrors: { egress_gb: [expect.any(String)] },
    });

    const anonymous = await runPlatformAction(resolved(null), definition, handler, form(dollars));
    expect(anonymous).toMatchObject({ ok: false, code: 'unauthenticated' });

    const saved = await runPlatformAction(resolved(operator), definition, handler, form(dollars));
    expect(saved).toEqual({ ok: true, data: [] });
  });
});

describe('tenantCostReport', () => {
  let report: CostReportDTO;
  beforeAll(async () => {
    report = await withPlatform((tx) => tenantCostReport(tx, { period: june, now: afterJune }));
  });

  it('reports a past month whole, as of its last instant', () => {
    expect(report.partial).toBe(false);
    expect(report.asOf).toEqual(new Date(june.end.getTime() - 1));
    expect(report.unitCosts.amounts).toEqual(costs);
  });

  it('allocates cost from the month’s usage and the mean stored bytes', () => {
    const alpha = rowOf(report, 'alpha')!;
    expect(alpha.quantities).toEqual({
      storage_gb_month: 3,
      requests_million: 1.5,
      compute_hour: 2,
      egress_gb: 10,
    });
    expect(alpha.cost.byResource.storage_gb_month).toBeCloseTo(6.9, 10);
    expect(alpha.cost.byResource).toMatchObject({
      requests_million: 60,
      compute_hour: 10,
      egress_gb: 90,
    });
    expect(alpha.cost.total).toBeCloseTo(166.9, 10);
    // $49 base and 50 blocks of 10,000 calls at 50 cents.
    expect(alpha.revenue).toBe(7_400);
    expect(alpha.margin).toBeCloseTo(7_233.1, 10);
    expect(alpha.marginPercent).toBeCloseTo((7_233.1 / 7_400) * 100, 10);
    expect(alpha.flags).toEqual([]);
    expect(alpha).toMatchObject({ plan: 'pro', status: 'active' });
  });

  it('charges storage only for the part of the month a tenant existed', () => {
    const bravo = rowOf(report, 'bravo')!;
    // 2 GiB for the 15 of 30 days since it was created.
    expect(bravo.quantities.storage_gb_month).toBeCloseTo(1, 10);
    expect(bravo.quantities.requests_million).toBe(0.1);
  });

  it('flags a plan that would cost less and carries the usage', () => {
    expect(rowOf(report, 'bravo')!.flags).toEqual([
      { kind: 'cheaper_plan', plan: 'pro', total: 4_900, saving: 25_000 },
    ]);
  });

  it('flags a tenant that costs more than it pays', () => {
    const charlie = rowOf(report, 'charlie')!;
    expect(charlie.revenue).toBe(0);
    expect(charlie.cost.total).toBeCloseTo((50 / 1024) * 2.3 + 0.5 * 9, 10);
    expect(charlie.marginPercent).toBeNull();
    expect(charlie.flags).toEqual([{ kind: 'loss', loss: charlie.cost.total }]);
  });

  it('rates the tenant’s own plan with its overrides, the other plans without', () => {
    const golf = rowOf(report, 'golf')!;
    expect(golf.revenue).toBe(4_900);
    expect(golf.flags).toEqual([]);
  });

  it('does not take a plan whose block policy would have refused the usage for a cheaper one', () => {
    expect(rowOf(report, 'hotel')!.flags).toEqual([]);
  });

  it('leaves out tenants created after the month, and archived ones without figures', () => {
    expect(rowOf(report, 'echo')).toMatchObject({
      status: 'archived',
      quantities: { compute_hour: 1 },
    });
    expect(rowOf(report, 'delta')).toBeUndefined();
    expect(rowOf(report, 'foxtrot')).toBeUndefined();
  });

  it('totals every tenant listed', () => {
    const mine = report.tenants.filter((row) => Object.values(ids).includes(row.tenantId));
    expect(mine).toHaveLength(6);
    const revenue = report.tenants.reduce((sum, row) => sum + row.revenue, 0);
    const cost = report.tenants.reduce((sum, row) => sum + row.cost.total, 0);
    expect(report.totals.revenue).toBe(revenue);
    expect(report.totals.cost.total).toBeCloseTo(cost, 6);
    expect(report.totals.margin).toBeCloseTo(revenue - cost, 6);
    expect(report.totals.revenue).toBeGreaterThanOrEqual(7_400 + 29_900 + 4_900 + 4_900 + 4_900);
    expect(report.totals.loss).toBeGreaterThanOrEqual(1);
    expect(report.totals.cheaperPlan).toBeGreaterThanOrEqual(1);
  });

  it('reports the running month to date', async () => {
    const now = at(6, 16);
    const running = await withPlatform((tx) =>
      tenantCostReport(tx, { period: periodOf(now), now }),
    );
    expect(running).toMatchObject({ partial: true, asOf: now });
    // Only the 2 GiB sample so far, over the 15 of 30 days gone.
    expect(rowOf(running, 'alpha')!.quantities.storage_gb_month).toBeCloseTo(1, 10);
    // Created at this very moment: no storage yet.
    expect(rowOf(running, 'bravo')!.quantities.storage_gb_month).toBe(0);
  });
});
