import 'server-only';
import type { BillingAccount } from '@/db/schema';
import type { Transaction } from '@/db/scope';
import {
  allowancesOf,
  entitledOf,
  forecastPeriodEnd,
  meteredFigures,
  periodOf,
  type MeteredFigures,
} from '@/lib/metering';
import { meteredLimits, trialWaivesBase, type Entitled } from '@/lib/plans';
import { ratePeriod, type PeriodCharges } from './rating';

/** ratePeriod, with the base line at zero (and saying so) when a trial waives it. */
export function rateWithTrial(
  tenant: Entitled,
  figures: MeteredFigures,
  options: { now: Date; waiveBase: boolean },
): PeriodCharges {
  const charges = ratePeriod(tenant, allowancesOf(tenant, figures, options.now));
  if (!options.waiveBase) return charges;
  const lines = charges.lines.map((line) =>
    line.kind === 'plan'
      ? { ...line, description: `${line.description} (trial)`, unitAmount: 0, amount: 0 }
      : line,
  );
  return { ...charges, lines, total: lines.reduce((sum, line) => sum + line.amount, 0) };
}

/**
 * The figures of the period's end if usage goes on as it has: cumulative metrics scaled by the
 * share of the period gone (lib/metering's forecast), gauges as they stand.
 */
export function forecastFigures(figures: MeteredFigures, now: Date): MeteredFigures {
  const period = periodOf(now);
  const monthly = new Set<string>(
    Object.values(meteredLimits)
      .filter((limit) => limit.monthly)
      .map((limit) => limit.metric),
  );
  return Object.fromEntries(
    Object.entries(figures).map(([metric, used]) => [
      metric,
      forecastPeriodEnd({ used: used ?? 0, cumulative: monthly.has(metric), period, now }),
    ]),
  );
}

export type PeriodSpend = {
  period: { start: Date; end: Date };
  toDate: PeriodCharges;
  forecast: PeriodCharges;
};

/** What the tenant's current period has cost so far, and will cost by its end at this pace. */
export async function periodSpend(
  tx: Transaction,
  tenantId: string,
  account: Pick<BillingAccount, 'status' | 'trialEndsAt'> | null,
  now: Date = new Date(),
): Promise<PeriodSpend> {
  const period = periodOf(now);
  const tenant = await entitledOf(tx, tenantId);
  const figures = await meteredFigures(tx, tenantId, now);
  const waiveBase = trialWaivesBase(account, period.end);
  return {
    period,
    toDate: rateWithTrial(tenant, figures, { now, waiveBase }),
    forecast: rateWithTrial(tenant, forecastFigures(figures, now), { now, waiveBase }),
  };
}
