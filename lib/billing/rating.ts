import { formatQuantity, type AllowanceUsage } from '@/lib/metering';
import {
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
  for (const usage of allowances) {
    const price = pricing.overagePrices[usage.limit];
    if (usage.policy !== 'allow' || usage.overage <= 0 || !price) continue;
    const quantity = Math.ceil(usage.overage / price.per);
    lines.push({
      kind: 'overage',
      description: `${limits[usage.limit]}: ${formatQuantity(usage.unit, usage.overage)} past the allowance`,
      limit: usage.limit,
      quantity,
      unitAmount: price.unitAmount,
      per: price.per,
      amount: quantity * price.unitAmount,
    });
  }
  return {
    currency: pricing.currency,
    lines,
    total: lines.reduce((sum, line) => sum + line.amount, 0),
  };
}
