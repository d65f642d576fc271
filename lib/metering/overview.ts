import 'server-only';
import { sql } from 'drizzle-orm';
import type { FeatureOverrides, LimitOverrides, OverageOverrides, TenantStatus } from '@/db/schema';
import type { Transaction } from '@/db/scope';
import { allowancesOf, figuresByTenant, type AllowanceUsage } from './allowances';

export type TenantUsageOverview = {
  tenantId: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: string;
  allowances: AllowanceUsage[];
  /** The highest percentage of any limited allowance; null when every one is unlimited. */
  nearest: AllowanceUsage | null;
};

type Row = {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: string;
  feature_overrides: FeatureOverrides | null;
  limit_overrides: LimitOverrides | null;
  overage_overrides: OverageOverrides | null;
};

/**
 * Every non-archived tenant's allowances this period, in one platform query over the rollups
 * (month rows for monthly allowances, each tenant's latest hour sample for gauges). For the
 * operator console and the notification job; run it inside withPlatform only.
 */
export async function usageOverview(
  tx: Transaction,
  now: Date = new Date(),
): Promise<TenantUsageOverview[]> {
  const result = (await tx.execute(sql`
    select t.id, t.slug, t.name, t.status, t.plan, t.feature_overrides, t.limit_overrides,
      t.overage_overrides
    from tenants t
    where t.status <> 'archived'
    order by t.slug`)) as unknown as { rows: Row[] };
  const figures = await figuresByTenant(tx, now);
  return result.rows.map((row) => {
    const allowances = allowancesOf(
      {
        plan: row.plan,
        featureOverrides: row.feature_overrides,
        limitOverrides: row.limit_overrides,
        overageOverrides: row.overage_overrides,
      },
      figures.get(row.id) ?? {},
      now,
    );
    const nearest =
      allowances
        .filter((usage) => usage.percent !== null)
        .sort((a, b) => (b.percent ?? 0) - (a.percent ?? 0))[0] ?? null;
    return {
      tenantId: row.id,
      slug: row.slug,
      name: row.name,
      status: row.status,
      plan: row.plan,
      allowances,
      nearest,
    };
  });
}
