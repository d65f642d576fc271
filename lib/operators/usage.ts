import 'server-only';
import { z } from 'zod';
import { withPlatform } from '@/db/scope';
import { tenantStatuses } from '@/db/schema';
import {
  periodOf,
  usageOverview,
  type AllowanceUsage,
  type TenantUsageOverview,
} from '@/lib/metering';
import { meteredLimitNames, planIds, type MeteredLimit } from '@/lib/plans';

/**
 * The console's usage view: every tenant's metered allowances this period (calendar month,
 * UTC), sortable by any column, and the tenants nearest their limits.
 */

export const usageSortFields = [
  'tenant',
  'plan',
  'status',
  'nearest',
  ...meteredLimitNames,
] as const;
export type UsageSortField = 'tenant' | 'plan' | 'status' | 'nearest' | MeteredLimit;
export const sortDirections = ['asc', 'desc'] as const;
export type SortDirection = (typeof sortDirections)[number];
export type UsageSort = { sort: UsageSortField; direction: SortDirection };

/** Names and categories read A–Z first; figures read the largest first. */
export function defaultDirection(sort: UsageSortField): SortDirection {
  return sort === 'tenant' || sort === 'plan' || sort === 'status' ? 'asc' : 'desc';
}

const first = (value: unknown) => (Array.isArray(value) ? (value as unknown[])[0] : value);

/**
 * `?sort=&dir=` as the URL carries them. A value this view does not know falls back to the
 * default (tenant A–Z) rather than failing the page: these are links people share and edit.
 */
export const usageSortQuery = z
  .object({
    sort: z.preprocess(
      first,
      z.enum(usageSortFields as unknown as [UsageSortField, ...UsageSortField[]]).catch('tenant'),
    ),
    dir: z.preprocess(first, z.enum(sortDirections).optional().catch(undefined)),
  })
  .transform(({ sort, dir }): UsageSort => ({ sort, direction: dir ?? defaultDirection(sort) }));

export type TenantUsageRow = TenantUsageOverview;

export type NearestLimit = {
  tenantId: string;
  slug: string;
  name: string;
  plan: string;
  status: TenantUsageOverview['status'];
  /** The tenant's allowance with the highest percentage used. */
  allowance: AllowanceUsage;
};

export type TenantUsageList = {
  period: { start: Date; end: Date };
  sort: UsageSort;
  tenants: TenantUsageRow[];
  /** Up to NEAREST_COUNT tenants by their highest allowance percentage, highest first. */
  nearest: NearestLimit[];
};

export const NEAREST_COUNT = 10;

const nameOrder = (a: TenantUsageRow, b: TenantUsageRow) =>
  a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || (a.slug < b.slug ? -1 : 1);

const rank = (list: readonly string[], value: string) => {
  const index = list.indexOf(value);
  return index === -1 ? list.length : index;
};

/** A figure's order in a direction, with missing figures (unlimited) after every present one. */
function compareFigures(a: number | null, b: number | null, sign: number): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return (a - b) * sign;
}

function allowanceOf(row: TenantUsageRow, limit: MeteredLimit): AllowanceUsage | undefined {
  return row.allowances.find((usage) => usage.limit === limit);
}

/**
 * Orders the rows by one column. Plans follow the catalogue (free → enterprise, retired plans
 * last), statuses the lifecycle; an allowance sorts by its percentage, unlimited ones after the
 * limited in either direction and among themselves by what they used. Ties go by name, A–Z.
 */
export function sortTenantUsage(
  rows: readonly TenantUsageRow[],
  order: UsageSort,
): TenantUsageRow[] {
  const sign = order.direction === 'asc' ? 1 : -1;
  const compare = (a: TenantUsageRow, b: TenantUsageRow): number => {
    switch (order.sort) {
      case 'tenant':
        return nameOrder(a, b) * sign;
      case 'plan':
        return (rank(planIds, a.plan) - rank(planIds, b.plan)) * sign;
      case 'status':
        return (rank(tenantStatuses, a.status) - rank(tenantStatuses, b.status)) * sign;
      case 'nearest':
        return compareFigures(a.nearest?.percent ?? null, b.nearest?.percent ?? null, sign);
      default: {
        const x = allowanceOf(a, order.sort);
        const y = allowanceOf(b, order.sort);
        return (
          compareFigures(x?.percent ?? null, y?.percent ?? null, sign) ||
          ((x?.percent ?? null) === null ? ((x?.used ?? 0) - (y?.used ?? 0)) * sign : 0)
        );
      }
    }
  };
  return [...rows].sort((a, b) => compare(a, b) || nameOrder(a, b));
}

/**
 * The tenants nearest their limits: each tenant's highest allowance percentage, highest first,
 * at most `count`. Tenants that used nothing of any limited allowance are left out.
 */
export function nearestLimits(
  rows: readonly TenantUsageRow[],
  count: number = NEAREST_COUNT,
): NearestLimit[] {
  return rows
    .filter(
      (row): row is TenantUsageRow & { nearest: AllowanceUsage } =>
        row.nearest !== null && (row.nearest.percent ?? 0) > 0,
    )
    .sort((a, b) => (b.nearest.percent ?? 0) - (a.nearest.percent ?? 0) || nameOrder(a, b))
    .slice(0, count)
    .map((row) => ({
      tenantId: row.tenantId,
      slug: row.slug,
      name: row.name,
      plan: row.plan,
      status: row.status,
      allowance: row.nearest,
    }));
}

/**
 * Every non-archived tenant's usage this period, from the rollups (one platform query), sorted
 * as asked, with the tenants nearest their limits. Call it only after requireOperator: it reads
 * every tenant.
 */
export async function listTenantUsage(
  params: Partial<UsageSort> & { now?: Date } = {},
): Promise<TenantUsageList> {
  const now = params.now ?? new Date();
  const sort = params.sort ?? 'tenant';
  const order: UsageSort = { sort, direction: params.direction ?? defaultDirection(sort) };
  const rows = await withPlatform((tx) => usageOverview(tx, now));
  return {
    period: periodOf(now),
    sort: order,
    tenants: sortTenantUsage(rows, order),
    nearest: nearestLimits(rows),
  };
}
