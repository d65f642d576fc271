import 'server-only';
import { inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import {
  platformUnitCosts,
  unitCostResources,
  users,
  type FeatureOverrides,
  type LimitOverrides,
  type OverageOverrides,
  type TenantStatus,
  type UnitCostResource,
} from '@/db/schema';
import { withPlatform, type Transaction } from '@/db/scope';
import type { RequestMeta } from '@/lib/audit';
import { log } from '@/lib/log';
import { allowancesOf, figuresByTenant, periodOf, type MeteredFigures } from '@/lib/metering';
import { isFeatureEnabled, planIds, type Entitled, type PlanId } from '@/lib/plans';
import { ratePeriod } from './rating';

/**
 * Platform cost management: what the platform's own resources cost it (unit costs operators
 * set), allocated to each tenant from its metered usage, against what the tenant pays for the
 * period (ratePeriod), and whether its plan fits its usage. Platform data: run in withPlatform.
 */

export { unitCostResources, type UnitCostResource };

const GIB = 1024 ** 3;
const HOUR_MS = 3_600_000;

/** What each resource is, and the unit its cost is quoted per. */
export const unitCostLabels: Record<UnitCostResource, { label: string; per: string }> = {
  storage_gb_month: { label: 'Storage', per: 'GB-month' },
  requests_million: { label: 'Requests', per: 'million requests' },
  compute_hour: { label: 'Compute', per: 'compute hour' },
  egress_gb: { label: 'Egress', per: 'GB' },
};

/** Minor units (USD cents, fractions allowed) per unit of each resource. */
export type UnitCosts = Record<UnitCostResource, number>;

export type UnitCostsDTO = {
  currency: 'usd';
  /** Per resource; 0 for a resource no operator has priced yet. */
  amounts: UnitCosts;
  /** The resources an operator has priced (the others count as free). */
  configured: UnitCostResource[];
  /** The latest change, if any. */
  updatedAt: Date | null;
  updatedBy: { id: string; name: string } | null;
};

const zeroCosts = (): UnitCosts => ({
  storage_gb_month: 0,
  requests_million: 0,
  compute_hour: 0,
  egress_gb: 0,
});

/** The unit costs in force. Unpriced resources read 0. */
export async function getUnitCosts(tx: Transaction): Promise<UnitCostsDTO> {
  const rows = await tx
    .select({
      resource: platformUnitCosts.resource,
      amount: platformUnitCosts.amount,
      updatedAt: platformUnitCosts.updatedAt,
      updatedById: platformUnitCosts.updatedBy,
      updatedByName: users.name,
    })
    .from(platformUnitCosts)
    .leftJoin(users, sql`${users.id} = ${platformUnitCosts.updatedBy}`);
  const amounts = zeroCosts();
  let latest: (typeof rows)[number] | undefined;
  for (const row of rows) {
    amounts[row.resource] = Number(row.amount);
    if (!latest || row.updatedAt > latest.updatedAt) latest = row;
  }
  return {
    currency: 'usd',
    amounts,
    configured: unitCostResources.filter((resource) => rows.some((r) => r.resource === resource)),
    updatedAt: latest?.updatedAt ?? null,
    updatedBy:
      latest?.updatedById != null
        ? { id: latest.updatedById, name: latest.updatedByName ?? 'Unknown operator' }
        : null,
  };
}

/** The most a unit may cost: $10,000 per unit (far above any real price), in cents. */
export const MAX_UNIT_COST = 1_000_000;

/**
 * A dollar amount as typed ("0.023", "12", "$1.5") turned into cents exactly: the decimal point
 * moves two places in the text, so 0.023 becomes 2.3 and never 2.3000000000000003. At most six
 * decimal places of a dollar (a ten-thousandth of a cent); null when it is not such a number.
 */
export function dollarsToCents(text: string): number | null {
  const match = /^\s*\$?\s*(\d{1,9})(?:\.(\d{0,6}))?\s*$/.exec(text);
  if (!match) return null;
  const whole = match[1]!;
  const fraction = (match[2] ?? '').padEnd(2, '0');
  return Number(`${whole}${fraction.slice(0, 2)}.${fraction.slice(2) || '0'}`);
}

/** Cents as the dollars an operator typed them: 2.3 → "0.023" (no float noise, no padding). */
export function centsToDollars(cents: number): string {
  // Cents carry at most four decimals (dollarsToCents), so six decimals of a dollar are exact.
  const fixed = (cents / 100).toFixed(6);
  return fixed.replace(/\.?0+$/, '');
}

const unitCostField = z
  .string({ message: 'Enter an amount in dollars; 0 if it costs nothing.' })
  .trim()
  .min(1, 'Enter an amount in dollars; 0 if it costs nothing.')
  .transform((text, ctx) => {
    const cents = dollarsToCents(text);
    if (cents === null) {
      ctx.addIssue({
        code: 'custom',
        message: 'Enter dollars as a number such as 0.023, with at most six decimal places.',
      });
      return z.NEVER;
    }
    if (cents > MAX_UNIT_COST) {
      ctx.addIssue({ code: 'custom', message: 'At most $10,000 per unit.' });
      return z.NEVER;
    }
    return cents;
  });

/** The console form: each resource's cost in dollars per unit (stored as cents). */
export const unitCostsInput = z.object({
  storage_gb_month: unitCostField,
  requests_million: unitCostField,
  compute_hour: unitCostField,
  egress_gb: unitCostField,
});

export type UnitCostChange = { resource: UnitCostResource; before: number | null; after: number };

/**
 * Sets unit costs (cents per unit; fractions allowed): inserts or updates each one that differs
 * from what is stored, stamped with the operator. Returns what changed. Platform-wide data has
 * no tenant whose audit trail could hold the change, so the row keeps who made the latest change
 * and when, and each change is logged as a structured `platform_unit_costs.updated` line with the
 * old and new amounts (docs/billing.md, Platform cost management).
 */
export async function setUnitCosts(
  tx: Transaction,
  values: Partial<UnitCosts>,
  operatorId: string,
  request: RequestMeta = {},
): Promise<UnitCostChange[]> {
  const entries = unitCostResources.flatMap((resource) => {
    const amount = values[resource];
    return amount === undefined ? [] : [{ resource, amount }];
  });
  for (const { amount } of entries) {
    if (!Number.isFinite(amount) || amount < 0 || amount > MAX_UNIT_COST)
      throw new RangeError('A unit cost is a non-negative number of cents, at most MAX_UNIT_COST.');
  }
  if (entries.length === 0) return [];
  // Locks the rows being changed, so two operators saving at once each log a true "before".
  const stored = await tx
    .select({ resource: platformUnitCosts.resource, amount: platformUnitCosts.amount })
    .from(platformUnitCosts)
    .where(
      inArray(
        platformUnitCosts.resource,
        entries.map((entry) => entry.resource),
      ),
    )
    .for('update');
  const before = new Map(stored.map((row) => [row.resource, Number(row.amount)]));
  const changes: UnitCostChange[] = entries
    .filter((entry) => before.get(entry.resource) !== entry.amount)
    .map((entry) => ({
      resource: entry.resource,
      before: before.get(entry.resource) ?? null,
      after: entry.amount,
    }));
  if (changes.length === 0) return [];
  const now = new Date();
  await tx
    .insert(platformUnitCosts)
    .values(
      changes.map((change) => ({
        resource: change.resource,
        amount: change.after,
        updatedBy: operatorId,
        updatedAt: now,
      })),
    )
    .onConflictDoUpdate({
      target: platformUnitCosts.resource,
      set: {
        amount: sql`excluded.amount`,
        updatedBy: sql`excluded.updated_by`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
  log.info(
    {
      event: 'platform_unit_costs.updated',
      actorType: 'operator',
      userId: operatorId,
      requestId: request.requestId ?? undefined,
      ip: request.ip ?? undefined,
      changes,
    },
    'platform unit costs updated',
  );
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Allocation: pure maths, tested in costs.test.ts.

/** What a tenant used of each priced resource in the period, in the resource's unit. */
export type ResourceQuantities = Record<UnitCostResource, number>;

export type StorageSamples = {
  /** Mean of the hourly storage_bytes samples in the period (up to now), or null if none. */
  meanBytes: number | null;
  /** How long the tenant existed in the period so far: min(now, end) − max(start, created). */
  coveredMs: number;
  /** The whole period's length (the calendar month). */
  periodMs: number;
};

/**
 * Storage in GiB-months: the mean of the hourly samples ÷ 1 GiB, times the share of the month
 * the tenant existed in so far. Hours without a sample (the sampler did not run) count at the
 * mean, so an outage of the job does not make storage free; a tenant created mid-month, or a
 * month still running, pays only for its part of the month.
 */
export function storageGbMonths(samples: StorageSamples): number {
  if (samples.meanBytes === null || samples.periodMs <= 0) return 0;
  const share = Math.min(1, Math.max(0, samples.coveredMs / samples.periodMs));
  return (samples.meanBytes / GIB) * share;
}

/** A period's usage in the units unit costs are quoted per (GiB to match the overage prices). */
export function resourceQuantities(usage: {
  apiCalls: number;
  computeMs: number;
  egressBytes: number;
  storage: StorageSamples;
}): ResourceQuantities {
  return {
    storage_gb_month: storageGbMonths(usage.storage),
    requests_million: usage.apiCalls / 1e6,
    compute_hour: usage.computeMs / HOUR_MS,
    egress_gb: usage.egressBytes / GIB,
  };
}

export type AllocatedCost = { byResource: Record<UnitCostResource, number>; total: number };

/** Quantity × unit cost per resource, in cents, fractions kept (rounded only for display). */
export function allocateCost(quantities: ResourceQuantities, costs: UnitCosts): AllocatedCost {
  const byResource = zeroCosts();
  for (const resource of unitCostResources)
    byResource[resource] = quantities[resource] * costs[resource];
  return {
    byResource,
    total: unitCostResources.reduce((sum, resource) => sum + byResource[resource], 0),
  };
}

export type PlanQuote = {
  plan: PlanId;
  /** What the period's usage would cost on this plan, cents. */
  total: number;
  /** false when the plan could not have carried the usage (see planCarries). */
  fits: boolean;
};

/**
 * Whether a plan, with its own limits and policies (no tenant overrides), could have carried
 * this usage: no allowance under `block` was gone past (that work would have been refused), and
 * API calls were made only if the plan includes API access (only the tenant API counts them).
 */
export function planCarries(plan: PlanId, figures: MeteredFigures, now: Date): boolean {
  const entitled: Entitled = { plan };
  if ((figures.api_calls ?? 0) > 0 && !isFeatureEnabled(entitled, 'api_access')) return false;
  return allowancesOf(entitled, figures, now).every(
    (usage) =>
      usage.policy !== 'block' || usage.allowance === null || usage.used <= usage.allowance,
  );
}

/** The same usage rated under every plan but the tenant's own (their limits, not its overrides). */
export function quoteOtherPlans(current: string, figures: MeteredFigures, now: Date): PlanQuote[] {
  return planIds
    .filter((plan) => plan !== current)
    .map((plan) => ({
      plan,
      total: ratePeriod({ plan }, allowancesOf({ plan }, figures, now)).total,
      fits: planCarries(plan, figures, now),
    }));
}

export type CostFlag =
  | { kind: 'cheaper_plan'; plan: PlanId; total: number; saving: number }
  | { kind: 'loss'; loss: number };

/**
 * A tenant's flags: the cheapest other plan that carries its usage, when it costs less than what
 * the tenant pays (ties go to the catalogue's order); and a loss when the allocated cost is
 * above the revenue.
 */
export function costFlags(params: {
  revenue: number;
  cost: number;
  quotes: readonly PlanQuote[];
}): CostFlag[] {
  const flags: CostFlag[] = [];
  const cheapest = params.quotes
    .filter((quote) => quote.fits && quote.total < params.revenue)
    .reduce<PlanQuote | null>(
      (best, quote) => (!best || quote.total < best.total ? quote : best),
      null,
    );
  if (cheapest)
    flags.push({
      kind: 'cheaper_plan',
      plan: cheapest.plan,
      total: cheapest.total,
      saving: params.revenue - cheapest.total,
    });
  if (params.cost > params.revenue)
    flags.push({ kind: 'loss', loss: params.cost - params.revenue });
  return flags;
}

/** Revenue − cost, and its share of revenue (null when there is no revenue). */
export function marginOf(
  revenue: number,
  cost: number,
): { margin: number; percent: number | null } {
  const margin = revenue - cost;
  return { margin, percent: revenue > 0 ? (margin / revenue) * 100 : null };
}

// ---------------------------------------------------------------------------------------------
// Periods: the calendar month (UTC), as the console's ?period=YYYY-MM carries it.

export type CostPeriod = { start: Date; end: Date };

const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** "2026-11" for November 2026. */
export function periodKey(period: CostPeriod): string {
  return period.start.toISOString().slice(0, 7);
}

/**
 * `?period=YYYY-MM` as a period: a month from 2000 up to the current one; anything else (absent,
 * malformed, in the future) is the current month, since these are links people share and edit.
 */
export function parsePeriod(value: unknown, now: Date = new Date()): CostPeriod {
  const text = Array.isArray(value) ? (value as unknown[])[0] : value;
  const current = periodOf(now);
  const match = typeof text === 'string' ? PERIOD_PATTERN.exec(text) : null;
  if (!match) return current;
  const start = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  if (start > current.start || start.getUTCFullYear() < 2000) return current;
  return periodOf(start);
}

/** The current month and the `count − 1` before it, newest first (the console's selector). */
export function recentPeriods(now: Date = new Date(), count = 12): CostPeriod[] {
  const { start } = periodOf(now);
  return Array.from({ length: count }, (_, back) =>
    periodOf(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - back, 1))),
  );
}

// ---------------------------------------------------------------------------------------------
// The report.

export type TenantCostDTO = {
  tenantId: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: string;
  quantities: ResourceQuantities;
  /** Cents, fractions kept. */
  cost: AllocatedCost;
  /** What the tenant's plan charges for the period's usage (ratePeriod), cents. */
  revenue: number;
  margin: number;
  /** margin ÷ revenue × 100; null when the revenue is 0. */
  marginPercent: number | null;
  flags: CostFlag[];
};

export type CostReportDTO = {
  period: CostPeriod;
  /** True while the period is still running: figures are month-to-date. */
  partial: boolean;
  /** The moment the figures stand at: now, or the period's end for a past month. */
  asOf: Date;
  currency: 'usd';
  unitCosts: UnitCostsDTO;
  tenants: TenantCostDTO[];
  totals: {
    quantities: ResourceQuantities;
    cost: AllocatedCost;
    revenue: number;
    margin: number;
    marginPercent: number | null;
    /** Tenants flagged with a cheaper plan, and running at a loss. */
    cheaperPlan: number;
    loss: number;
  };
};

type ReportRow = {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: string;
  feature_overrides: FeatureOverrides | null;
  limit_overrides: LimitOverrides | null;
  overage_overrides: OverageOverrides | null;
  created_at: Date | string;
  storage_mean: number | string | null;
};

/**
 * Every tenant's allocated cost, revenue, margin and flags for a calendar month, in two queries
 * over the rollups: the period's month rows and latest gauge samples as of the period's last
 * instant (lib/metering's figuresByTenant), and per tenant the mean of its hourly storage
 * samples (an index range scan on the rollups' primary key, which starts with tenant_id).
 * Tenants created after the period are left out; archived tenants only appear for a period in
 * which they have figures. Run inside withPlatform only.
 */
export async function tenantCostReport(
  tx: Transaction,
  params: { period: CostPeriod; now?: Date },
): Promise<CostReportDTO> {
  const now = params.now ?? new Date();
  const { period } = params;
  const partial = now < period.end;
  // The figures stand at the period's last instant, or now while it runs.
  const asOf = partial ? now : new Date(period.end.getTime() - 1);
  const until = partial ? now : period.end;
  const unitCosts = await getUnitCosts(tx);

  const figuresOf = await figuresByTenant(tx, asOf);
  const result = (await tx.execute(sql`
    select t.id, t.slug, t.name, t.status, t.plan, t.feature_overrides, t.limit_overrides,
      t.overage_overrides, t.created_at, s.storage_mean
    from tenants t
    left join lateral (
      select avg(r.value)::float8 as storage_mean from usage_rollups r
      where r.tenant_id = t.id and r.metric = 'storage_bytes' and r.granularity = 'hour'
        and r.dimension = '' and r.bucket_start >= ${period.start} and r.bucket_start < ${until}
    ) s on true
    where t.created_at < ${period.end}
    order by t.slug`)) as unknown as { rows: ReportRow[] };

  const periodMs = period.end.getTime() - period.start.getTime();
  const listed = result.rows.filter((row) => row.status !== 'archived' || figuresOf.has(row.id));
  const tenants = listed.map((row): TenantCostDTO => {
    const figures = figuresOf.get(row.id) ?? {};
    const entitled: Entitled = {
      plan: row.plan,
      featureOverrides: row.feature_overrides,
      limitOverrides: row.limit_overrides,
      overageOverrides: row.overage_overrides,
    };
    const createdAt = new Date(row.created_at).getTime();
    const quantities = resourceQuantities({
      apiCalls: figures.api_calls ?? 0,
      computeMs: figures.compute_ms ?? 0,
      egressBytes: figures.egress_bytes ?? 0,
      storage: {
        meanBytes: row.storage_mean === null ? null : Number(row.storage_mean),
        coveredMs: Math.max(0, until.getTime() - Math.max(period.start.getTime(), createdAt)),
        periodMs,
      },
    });
    const cost = allocateCost(quantities, unitCosts.amounts);
    const revenue = ratePeriod(entitled, allowancesOf(entitled, figures, asOf)).total;
    const { margin, percent } = marginOf(revenue, cost.total);
    return {
      tenantId: row.id,
      slug: row.slug,
      name: row.name,
      status: row.status,
      plan: row.plan,
      quantities,
      cost,
      revenue,
      margin,
      marginPercent: percent,
      flags: costFlags({
        revenue,
        cost: cost.total,
        quotes: quoteOtherPlans(row.plan, figures, asOf),
      }),
    };
  });

  return {
    period,
    partial,
    asOf,
    currency: 'usd',
    unitCosts,
    tenants,
    totals: totalsOf(tenants),
  };
}

/**
 * The console's cost page: a month's report in one platform transaction. Call it only after
 * requireOperator: it reads every tenant.
 */
export function loadCostReport(params: { period: CostPeriod; now?: Date }): Promise<CostReportDTO> {
  return withPlatform((tx) => tenantCostReport(tx, params));
}

/** Sums over the tenants; the margin % is of the summed revenue. */
export function totalsOf(tenants: readonly TenantCostDTO[]): CostReportDTO['totals'] {
  const quantities = zeroCosts();
  const byResource = zeroCosts();
  let revenue = 0;
  for (const tenant of tenants) {
    revenue += tenant.revenue;
    for (const resource of unitCostResources) {
      quantities[resource] += tenant.quantities[resource];
      byResource[resource] += tenant.cost.byResource[resource];
    }
  }
  const total = unitCostResources.reduce((sum, resource) => sum + byResource[resource], 0);
  const { margin, percent } = marginOf(revenue, total);
  return {
    quantities,
    cost: { byResource, total },
    revenue,
    margin,
    marginPercent: percent,
    cheaperPlan: tenants.filter((t) => t.flags.some((f) => f.kind === 'cheaper_plan')).length,
    loss: tenants.filter((t) => t.flags.some((f) => f.kind === 'loss')).length,
  };
}
