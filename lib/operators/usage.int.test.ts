import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { tenants, usageEvents, type TenantStatus } from '@/db/schema';
import { withPlatform } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase, uniqueSlug } from '@/db/testing';
import { periodOf, refreshUsageRollups } from '@/lib/metering';
import { plans, type MeteredLimit } from '@/lib/plans';
import {
  listTenantUsage,
  nearestLimits,
  NEAREST_COUNT,
  usageSortQuery,
  type TenantUsageList,
  type UsageSort,
} from './index';

const GB = 1024 ** 3;
let handle: DatabaseHandle;
const now = new Date();
const { start } = periodOf(now);
// Samples a few hours back, inside this period: gauges count only while fresh (a week).
const base = Math.max(start.getTime(), now.getTime() - 4 * 3600_000);
const at = (hours: number) => new Date(base + hours * 3600_000);

// The suite may share its database with others (TEST_DB=pg), so every check looks at these
// tenants only; sorting is a total order, so their relative order is the list's order.
const prefix = uniqueSlug('usage');
type Fixture = {
  name: string;
  plan: string;
  status?: TenantStatus;
  limits?: Partial<Record<MeteredLimit, number | null>>;
  overage?: Partial<Record<MeteredLimit, 'block' | 'allow' | 'notify'>>;
  events?: { metric: string; value: number; hour: number }[];
};
const fixtures = {
  // api_calls at 1,000,000,000 % of an allowance of 1, its policy overridden to notify.
  alpha: {
    name: 'Alpha',
    plan: 'free',
    limits: { api_calls_per_month: 1 },
    overage: { api_calls_per_month: 'notify' },
    events: [{ metric: 'api_calls', value: 10_000_000, hour: 1 }],
  },
  // compute at 2,000,000 %; storage's latest sample is 5 GB of 10 GB; a few API calls.
  bravo: {
    name: 'bravo',
    plan: 'pro',
    status: 'trial',
    limits: { compute_ms_per_month: 1 },
    events: [
      { metric: 'compute_ms', value: 20_000, hour: 1 },
      { metric: 'api_calls', value: 100, hour: 1 },
      { metric: 'storage_bytes', value: 1 * GB, hour: 1 },
      { metric: 'storage_bytes', value: 5 * GB, hour: 3 },
    ],
  },
  // feature uses at 100,000 %.
  charlie: {
    name: 'Charlie',
    plan: 'business',
    status: 'suspended',
    limits: { feature_uses_per_month: 1 },
    events: [{ metric: 'feature_usage', value: 1_000, hour: 2 }],
  },
  // Enterprise: every allowance unlimited, so no nearest limit.
  delta: {
    name: 'Delta',
    plan: 'enterprise',
    status: 'past_due',
    events: [{ metric: 'api_calls', value: 500, hour: 1 }],
  },
  // Nothing used: 0 % everywhere, so not among the nearest.
  echo: { name: 'Echo', plan: 'free' },
  foxtrot: {
    name: 'Foxtrot',
    plan: 'enterprise',
    events: [{ metric: 'api_calls', value: 900, hour: 1 }],
  },
  // Archived tenants are left out, whatever they used.
  golf: {
    name: 'Golf',
    plan: 'free',
    status: 'archived',
    limits: { api_calls_per_month: 1 },
    events: [{ metric: 'api_calls', value: 1e12, hour: 1 }],
  },
} satisfies Record<string, Fixture>;
type Key = keyof typeof fixtures;
const ids = {} as Record<Key, string>;

async function refreshRollups(): Promise<void> {
  // Another suite's run may hold the job's lock for a moment when the database is shared.
  await refreshUsageRollups({ wait: true });
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  for (const [key, fixture] of Object.entries(fixtures) as [Key, Fixture][]) {
    const { id } = await createTenant({
      slug: `${prefix}-${key}`,
      name: `${prefix} ${fixture.name}`,
      plan: fixture.plan,
      status: fixture.status ?? 'active',
    });
    ids[key] = id;
    await withPlatform(async (tx) => {
      await tx
        .update(tenants)
        .set({ limitOverrides: fixture.limits ?? {}, overageOverrides: fixture.overage ?? {} })
        .where(eq(tenants.id, id));
      if (fixture.events?.length)
        await tx.insert(usageEvents).values(
          fixture.events.map((event) => ({
            tenantId: id,
            metric: event.metric,
            value: event.value,
            occurredAt: at(event.hour),
            idempotencyKey: randomUUID(),
            source: 'system' as const,
          })),
        );
    });
  }
  await refreshRollups();
});
afterAll(async () => {
  // Deleting a tenant deletes its events and rollups: nothing is left to skew other suites.
  await withPlatform((tx) => tx.delete(tenants).where(inArray(tenants.id, Object.values(ids))));
  await teardownTestDatabase(handle);
});

const keyOf = (tenantId: string) =>
  (Object.keys(ids) as Key[]).find((key) => ids[key] === tenantId);
const ours = (list: { tenantId: string }[]) =>
  list.map((row) => keyOf(row.tenantId)).filter((key): key is Key => key !== undefined);
const list = (sort?: Partial<UsageSort>): Promise<TenantUsageList> =>
  listTenantUsage({ ...sort, now });

describe('listTenantUsage', () => {
  it('reports each tenant’s figures this period from the rollups, with its policies', async () => {
    const usage = await list();
    expect(usage.period).toEqual(periodOf(now));
    const byKey = (key: Key) => usage.tenants.find((row) => row.tenantId === ids[key])!;
    const allowance = (key: Key, limit: MeteredLimit) =>
      byKey(key).allowances.find((row) => row.limit === limit);

    expect(byKey('alpha')).toMatchObject({
      slug: `${prefix}-alpha`,
      plan: 'free',
      status: 'active',
      nearest: { limit: 'api_calls_per_month', percent: 1e9 },
    });
    expect(allowance('alpha', 'api_calls_per_month')).toMatchObject({
      used: 10_000_000,
      allowance: 1,
      percent: 1e9,
      policy: 'notify',
      overage: 9_999_999,
    });
    expect(allowance('alpha', 'compute_ms_per_month')).toMatchObject({
      used: 0,
      allowance: plans.free.limits.compute_ms_per_month,
      percent: 0,
      policy: 'block',
    });
    expect(allowance('bravo', 'storage_bytes')).toMatchObject({
      used: 5 * GB,
      allowance: 10 * GB,
      percent: 50,
      policy: plans.pro.overage.storage_bytes,
    });
    expect(allowance('bravo', 'api_calls_per_month')).toMatchObject({ used: 100, percent: 0.01 });
    expect(byKey('bravo').nearest).toMatchObject({ limit: 'compute_ms_per_month', percent: 2e6 });
    expect(byKey('delta').nearest).toBeNull();
    expect(allowance('delta', 'api_calls_per_month')).toMatchObject({
      used: 500,
      allowance: null,
      percent: null,
      policy: 'notify',
    });
    expect(ours(usage.tenants)).not.toContain('golf');
  });

  it('sorts by tenant name (A–Z, case-insensitive, by default), plan and status', async () => {
    expect(ours((await list()).tenants)).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'delta',
      'echo',
      'foxtrot',
    ]);
    expect((await list()).sort).toEqual({ sort: 'tenant', direction: 'asc' });
    expect(ours((await list({ sort: 'tenant', direction: 'desc' })).tenants)).toEqual([
      'foxtrot',
      'echo',
      'delta',
      'charlie',
      'bravo',
      'alpha',
    ]);
    // The catalogue's order, not the alphabet; ties by name.
    expect(ours((await list({ sort: 'plan' })).tenants)).toEqual([
      'alpha',
      'echo',
      'bravo',
      'charlie',
      'delta',
      'foxtrot',
    ]);
    expect(ours((await list({ sort: 'plan', direction: 'desc' })).tenants)).toEqual([
      'delta',
      'foxtrot',
      'charlie',
      'bravo',
      'alpha',
      'echo',
    ]);
    // The lifecycle's order: trial, active, past due, suspended.
    expect(ours((await list({ sort: 'status' })).tenants)).toEqual([
      'bravo',
      'alpha',
      'echo',
      'foxtrot',
      'delta',
      'charlie',
    ]);
  });

  it('sorts by an allowance’s share used, unlimited last either way and among themselves by use', async () => {
    const desc = await list({ sort: 'api_calls_per_month' });
    expect(desc.sort).toEqual({ sort: 'api_calls_per_month', direction: 'desc' });
    expect(ours(desc.tenants)).toEqual(['alpha', 'bravo', 'charlie', 'echo', 'foxtrot', 'delta']);
    expect(ours((await list({ sort: 'api_calls_per_month', direction: 'asc' })).tenants)).toEqual([
      'charlie',
      'echo',
      'bravo',
      'alpha',
      'delta',
      'foxtrot',
    ]);
    expect(ours((await list({ sort: 'storage_bytes' })).tenants).slice(0, 1)).toEqual(['bravo']);
    expect(ours((await list({ sort: 'nearest' })).tenants)).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'echo',
      'delta',
      'foxtrot',
    ]);
    expect(ours((await list({ sort: 'nearest', direction: 'asc' })).tenants)).toEqual([
      'echo',
      'charlie',
      'bravo',
      'alpha',
      'delta',
      'foxtrot',
    ]);
  });

  it('lists the tenants nearest their limits, highest share first, at most ten', async () => {
    const { nearest, tenants: rows } = await list();
    expect(ours(nearest)).toEqual(['alpha', 'bravo', 'charlie']);
    expect(nearest.find((row) => row.tenantId === ids.bravo)).toMatchObject({
      slug: `${prefix}-bravo`,
      plan: 'pro',
      status: 'trial',
      allowance: { limit: 'compute_ms_per_month', used: 20_000, allowance: 1, percent: 2e6 },
    });
    expect(nearest.length).toBeLessThanOrEqual(NEAREST_COUNT);
    const shares = nearest.map((row) => row.allowance.percent ?? 0);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    expect(shares.every((share) => share > 0)).toBe(true);
    const mine = rows.filter((row) => keyOf(row.tenantId));
    expect(ours(nearestLimits(mine, 2))).toEqual(['alpha', 'bravo']);
    expect(ours(nearestLimits(mine))).toEqual(['alpha', 'bravo', 'charlie']);
  });
});

describe('usageSortQuery', () => {
  it('reads ?sort=&dir=, with each column’s own default direction', () => {
    expect(usageSortQuery.parse({})).toEqual({ sort: 'tenant', direction: 'asc' });
    expect(usageSortQuery.parse({ sort: 'members' })).toEqual({
      sort: 'members',
      direction: 'desc',
    });
    expect(usageSortQuery.parse({ sort: 'plan', dir: 'desc' })).toEqual({
      sort: 'plan',
      direction: 'desc',
    });
    expect(usageSortQuery.parse({ sort: ['status', 'plan'], dir: ['asc'] })).toEqual({
      sort: 'status',
      direction: 'asc',
    });
  });

  it('falls back to the defaults for values it does not know', () => {
    expect(usageSortQuery.parse({ sort: 'password', dir: 'sideways' })).toEqual({
      sort: 'tenant',
      direction: 'asc',
    });
    expect(usageSortQuery.parse({ sort: 'storage_bytes', dir: 'up' })).toEqual({
      sort: 'storage_bytes',
      direction: 'desc',
    });
  });
});
