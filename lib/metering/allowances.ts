import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import { billingAccounts, billingBudgets, tenants } from '@/db/schema';
import type { Transaction } from '@/db/scope';
import { AppError } from '@/lib/errors';
import { formatMoney } from '@/lib/money';
import {
  billedOverage,
  limitFor,
  limits,
  meteredLimitNames,
  meteredLimits,
  overagePolicyFor,
  planPricing,
  trialWaivesBase,
  type Entitled,
  type MeteredLimit,
  type OveragePolicy,
} from '@/lib/plans';
import { formatQuantity, formatResetTime } from './format';
import { metricCatalogue } from './ingest';
import { recordUsage } from './recorder';

/** The billing period a moment falls in: the calendar month, UTC. */
export function periodOf(now: Date): { start: Date; end: Date } {
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

export type AllowanceUsage = {
  limit: MeteredLimit;
  metric: string;
  unit: string;
  /** This period's total (monthly allowances), or the latest sample (storage, members). */
  used: number;
  /** null = unlimited. */
  allowance: number | null;
  /** used / allowance × 100, null when unlimited. */
  percent: number | null;
  policy: OveragePolicy;
  /** Used beyond the allowance (what `allow` bills). */
  overage: number;
  /** When a monthly allowance starts again; null for gauges. */
  resetsAt: Date | null;
};

/** How far back the latest gauge sample is looked for (gauges are sampled hourly). */
const GAUGE_FRESHNESS_MS = 7 * 24 * 3_600_000;

/** Current figures per metered metric, by metric key. */
export type MeteredFigures = Partial<Record<string, number>>;

/**
 * The rows (tenant_id, metric, used) of this period's figures, for the tenants named or all: month
 * rollups for the monthly allowances (summed over dimensions), the latest hour's sample for
 * gauges (storage, members) within the last GAUGE_FRESHNESS_MS (older samples are stale: the
 * jobs have not run), and no later than `now`, so a past moment gives that period's figures
 * (invoices at a period's end). Reads rollups only, never raw events.
 */
export function figuresQuery(now: Date, tenantIds?: readonly string[]) {
  const monthly = meteredLimitNames
    .filter((limit) => meteredLimits[limit].monthly)
    .map((limit) => meteredLimits[limit].metric);
  const gauges = meteredLimitNames
    .filter((limit) => !meteredLimits[limit].monthly)
    .map((limit) => meteredLimits[limit].metric);
  const tenant = tenantIds ? sql`and tenant_id in ${tenantIds}` : sql``;
  return sql`
    select tenant_id, metric, sum(value)::float8 as used from usage_rollups
    where granularity = 'month' and bucket_start = ${periodOf(now).start}
      and metric in ${monthly} ${tenant}
    group by tenant_id, metric
    union all
    (select distinct on (tenant_id, metric) tenant_id, metric, value::float8 as used
    from usage_rollups
    where granularity = 'hour' and metric in ${gauges} ${tenant}
      and bucket_start >= ${new Date(now.getTime() - GAUGE_FRESHNESS_MS)}
      and bucket_start <= ${now}
    order by tenant_id, metric, bucket_start desc)`;
}

/**
 * The figures at `now` of every tenant, or of those named, by tenant id: one query (figuresQuery),
 * grouped here rather than joined to tenants in SQL, where the planner's estimate of the
 * grouped rows led it to a nested loop growing with the square of the tenant count.
 */
export async function figuresByTenant(
  tx: Transaction,
  now: Date,
  tenantIds?: readonly string[],
): Promise<Map<string, MeteredFigures>> {
  const byTenant = new Map<string, MeteredFigures>();
  if (tenantIds?.length === 0) return byTenant;
  const result = (await tx.execute(figuresQuery(now, tenantIds))) as unknown as {
    rows: { tenant_id: string; metric: string; used: number }[];
  };
  for (const row of result.rows) {
    const figures = byTenant.get(row.tenant_id) ?? {};
    figures[row.metric] = Number(row.used);
    byTenant.set(row.tenant_id, figures);
  }
  return byTenant;
}

/** This period's figures of the transaction's tenant (see figuresQuery). */
export async function meteredFigures(
  tx: Transaction,
  tenantId: string,
  now: Date = new Date(),
): Promise<MeteredFigures> {
  return (await figuresByTenant(tx, now, [tenantId])).get(tenantId) ?? {};
}

/** Each metered allowance of the tenant against its figures. */
export function allowancesOf(
  tenant: Entitled,
  figures: MeteredFigures,
  now: Date = new Date(),
): AllowanceUsage[] {
  const catalogue = metricCatalogue();
  const { end } = periodOf(now);
  return meteredLimitNames.map((limit) => {
    const { metric, monthly } = meteredLimits[limit];
    const used = figures[metric] ?? 0;
    const allowance = limitFor(tenant, limit);
    return {
      limit,
      metric,
      unit: catalogue.get(metric)?.unit ?? '',
      used,
      allowance,
      percent: allowance === null ? null : allowance === 0 ? 100 : (used / allowance) * 100,
      policy: overagePolicyFor(tenant, limit),
      overage: allowance === null ? 0 : Math.max(0, used - allowance),
      resetsAt: monthly ? end : null,
    };
  });
}

/** The refusal for work past a `block` allowance: which limit, how much, when it resets. */
export function quotaError(usage: AllowanceUsage, now: Date = new Date()): AppError {
  const allowance = formatQuantity(usage.unit, usage.allowance ?? 0);
  const what = limits[usage.limit].toLowerCase();
  if (!usage.resetsAt)
    return new AppError(
      'quota_exceeded',
      `This workspace has reached its limit of ${allowance} (${what}). Free some up, or ask an admin to upgrade the plan.`,
    );
  return new AppError(
    'quota_exceeded',
    `This workspace has used its ${allowance} (${what}). The allowance resets on ${formatResetTime(usage.resetsAt)}; until then, ask an admin to upgrade the plan.`,
    { retryAfterSeconds: Math.ceil((usage.resetsAt.getTime() - now.getTime()) / 1000) },
  );
}

const CACHE_MS = 10_000;
/** A budget capping overage, and the base the period owes (none while a trial covers it). */
type BudgetCap = { amount: number; currency: string; base: number };
type Cached = { at: number; figures: MeteredFigures; entitled: Entitled; cap: BudgetCap | null };
const cache = new Map<string, Cached>();

/** The tenant's plan and every override, from its own row (as the transaction may see it). */
export async function entitledOf(tx: Transaction, tenantId: string): Promise<Entitled> {
  const [entitled] = await tx
    .select({
      plan: tenants.plan,
      featureOverrides: tenants.featureOverrides,
      limitOverrides: tenants.limitOverrides,
      overageOverrides: tenants.overageOverrides,
    })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (!entitled) throw new AppError('not_found', 'This workspace does not exist.');
  return entitled;
}

async function loadCached(tx: Transaction, tenantId: string, now: Date): Promise<Cached> {
  const entitled = await entitledOf(tx, tenantId);
  const [budget] = await tx
    .select({
      amount: billingBudgets.amount,
      status: billingAccounts.status,
      trialEndsAt: billingAccounts.trialEndsAt,
    })
    .from(billingBudgets)
    .leftJoin(billingAccounts, eq(billingAccounts.tenantId, billingBudgets.tenantId))
    .where(and(eq(billingBudgets.tenantId, tenantId), eq(billingBudgets.capOverage, true)));
  const pricing = planPricing(entitled);
  return {
    at: now.getTime(),
    figures: await meteredFigures(tx, tenantId, now),
    entitled,
    cap: budget
      ? {
          amount: budget.amount,
          currency: pricing.currency,
          base: trialWaivesBase(budget, periodOf(now).end) ? 0 : pricing.monthlyAmount,
        }
      : null,
  };
}

/**
 * A tenant that caps overage at its budget: once the period's spend (the plan's base and the
 * overage billed so far) reaches the budget, allowances under `allow` act as `block`.
 */
function budgetReached(entitled: Entitled, allowances: readonly AllowanceUsage[], cap: BudgetCap) {
  const spend =
    cap.base + billedOverage(entitled, allowances).reduce((sum, line) => sum + line.amount, 0);
  return spend >= cap.amount;
}

function budgetError(usage: AllowanceUsage, cap: BudgetCap, now: Date): AppError {
  const budget = formatMoney(cap.amount, cap.currency);
  return new AppError(
    'quota_exceeded',
    `This workspace has reached its monthly budget of ${budget}, and overage is capped at the budget. ${limits[usage.limit]} past the plan's allowance resumes on ${formatResetTime(usage.resetsAt ?? periodOf(now).end)}, or when an admin raises the budget.`,
    {
      retryAfterSeconds: Math.ceil(
        ((usage.resetsAt ?? periodOf(now).end).getTime() - now.getTime()) / 1000,
      ),
    },
  );
}

/**
 * Refuses work that would use a blocked allowance: throws `quota_exceeded` (402) when one of
 * `checked` is at or past its allowance and its policy is `block`. The tenant's plan, overrides
 * and figures (from the rollups) are cached per tenant for 10 s in the process, so a busy API
 * pays two queries per tenant every 10 s; the rollup job's interval adds to that lag
 * (docs/metering.md).
 */
export async function assertWithinAllowances(
  tx: Transaction,
  tenantId: string,
  checked: readonly MeteredLimit[],
  now: Date = new Date(),
): Promise<void> {
  let entry = cache.get(tenantId);
  if (!entry || now.getTime() - entry.at > CACHE_MS) {
    entry = await loadCached(tx, tenantId, now);
    cache.set(tenantId, entry);
  }
  const allowances = allowancesOf(entry.entitled, entry.figures, now);
  const used = (usage: AllowanceUsage) =>
    checked.includes(usage.limit) && usage.allowance !== null && usage.used >= usage.allowance;
  const exceeded = allowances.find((usage) => used(usage) && usage.policy === 'block');
  if (exceeded) throw quotaError(exceeded, now);
  const { cap } = entry;
  if (!cap) return;
  const capped = allowances.find((usage) => used(usage) && usage.policy === 'allow');
  if (capped && budgetReached(entry.entitled, allowances, cap)) throw budgetError(capped, cap, now);
}

/**
 * A use of a metered feature (feature_usage, dimension `feature`): refused while the tenant's
 * feature_uses_per_month allowance is used up under `block`, counted once `work` succeeds.
 */
export async function withMeteredFeature<T>(
  tx: Transaction,
  params: { tenantId: string; feature: string },
  work: () => Promise<T>,
): Promise<T> {
  await assertWithinAllowances(tx, params.tenantId, ['feature_uses_per_month']);
  const result = await work();
  recordUsage(params.tenantId, 'feature_usage', 1, params.feature);
  return result;
}

/** Forgets cached figures (tests; after the rollup job moves a tenant's usage). */
export function forgetCachedFigures(tenantId?: string): void {
  if (tenantId) cache.delete(tenantId);
  else cache.clear();
}
