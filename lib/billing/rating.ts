import { formatQuantity, type AllowanceUsage } from '@/lib/metering';
import {
  billedOverage,
  limits,
  planPricing,
  plans,
  type Entitled,
  type MeteredLimit,
  type PlanId,
} from '@/lib/plans';

export type ChargeLine = {
  kind: 'plan' | 'overage';
  description: string;
  /** Overage lines: the allowance they go past. */
  limit?: MeteredLimit;
  /** Plan: 1. Overage: the billed blocks of `per` units (a part block counts whole). */
  quantity: number;
  /** Minor units per quantity. */
  unitAmount: number;
  /** Overage: the metric's units per block (e.g. 10,000 calls); plan: 1. */
  per: number;
  /** quantity × unitAmount, minor units. */
  amount: number;
};

export type PeriodCharges = { currency: 'usd'; lines: ChargeLine[]; total: number };

/**
 * What a tenant owes for one period: its plan's monthly amount, and for each allowance under the
 * `allow` policy whose usage went past it, the overage in blocks of the price's `per` units, a
 * part block counting whole (250 calls past the allowance at 50 cents per 10,000 is one block,
 * 50 cents). `block` and `notify` allowances never bill overage; members never do. Pure: the
 * allowances come from lib/metering (allowancesOf over the period's figures).
 */
export function ratePeriod(tenant: Entitled, allowances: readonly AllowanceUsage[]): PeriodCharges {
  const pricing = planPricing(tenant);
  const plan = plans[tenant.plan as PlanId];
  const lines: ChargeLine[] = [
    {
      kind: 'plan',
      description: `${plan?.name ?? 'Free'} plan`,
      quantity: 1,
      unitAmount: pricing.monthlyAmount,
      per: 1,
      amount: pricing.monthlyAmount,
    },
  ];
  const usageOf = new Map(allowances.map((usage) => [usage.limit, usage]));
  for (const { limit, price, blocks, amount } of billedOverage(tenant, allowances)) {
    const { unit, overage } = usageOf.get(limit)!;
    lines.push({
      kind: 'overage',
      description: `${limits[limit]}: ${formatQuantity(unit, overage)} past the allowance`,
      limit,
      quantity: blocks,
      unitAmount: price.unitAmount,
      per: price.per,
      amount,
    });
  }
  return {
    currency: pricing.currency,
    lines,
    total: lines.reduce((sum, line) => sum + line.amount, 0),
  };
}
