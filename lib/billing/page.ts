import 'server-only';
import { eq } from 'drizzle-orm';
import { billingAccounts, tenants, type BillingMode } from '@/db/schema';
import type { Transaction } from '@/db/scope';
import { planIds, plans, type PlanId } from '@/lib/plans';
import { budgetAlertsOf, getBudget } from './budgets';
import { formatBillingMonth } from './invoice-view';
import { listInvoices } from './invoices';
import { billingMode } from './mode';
import { formatMoney } from '@/lib/money';
import { periodSpend } from './spend';

const dayFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

export type BillingLineDTO = { description: string; amountText: string; amount: number };

export type BillingPageDTO = {
  mode: BillingMode;
  plan: { id: string; name: string; priceText: string };
  /** The subscription in words: "Active", "Trial until 14 December 2026", … */
  statusText: string;
  /** A pending change at the period's end, in words, or null. */
  pendingText: string | null;
  period: { label: string; endsText: string };
  spend: { lines: BillingLineDTO[]; totalText: string; total: number };
  forecast: { totalText: string; total: number };
  budget: {
    amount: number;
    amountText: string;
    thresholds: number[];
    capOverage: boolean;
    /** Spend to date and the forecast as a share of the budget, whole percent. */
    percent: number;
    forecastPercent: number;
  } | null;
  alerts: { threshold: number; at: string; text: string }[];
  invoices: { id: string; number: string; status: string; totalText: string; periodText: string }[];
  moreInvoices: boolean;
  /** The plans a billing manager may choose, with what choosing does. */
  plans: {
    id: PlanId;
    name: string;
    priceText: string;
    current: boolean;
    /** 'upgrade' applies now; 'downgrade' at the period's end. */
    change: 'current' | 'upgrade' | 'downgrade';
    trialDays: number;
  }[];
  /** Stripe mode: the tenant has a Stripe customer (the portal works). */
  hasStripeCustomer: boolean;
  hasSubscription: boolean;
};

const price = (plan: PlanId) => plans[plan].pricing.monthlyAmount;

/** Everything the billing page shows, read in the tenant's transaction. */
export async function loadBillingPage(
  tx: Transaction,
  params: { tenantId: string; now?: Date },
): Promise<BillingPageDTO> {
  const now = params.now ?? new Date();
  const [account] = await tx
    .select()
    .from(billingAccounts)
    .where(eq(billingAccounts.tenantId, params.tenantId));
  const [tenant] = await tx
    .select({ plan: tenants.plan })
    .from(tenants)
    .where(eq(tenants.id, params.tenantId));
  const planId = (tenant?.plan ?? 'free') as PlanId;
  const plan = plans[planId] ?? plans.free;
  const { currency } = plan.pricing;
  const money = (amount: number) => formatMoney(amount, currency);
  const { period, toDate, forecast } = await periodSpend(tx, params.tenantId, account ?? null, now);
  const budget = await getBudget(tx, params.tenantId);
  const alerts = budget ? await budgetAlertsOf(tx, params.tenantId, period.start) : [];
  const recent = await listInvoices(tx, params.tenantId, { limit: 5 });

  const trialing = account?.status === 'trialing' && account.trialEndsAt;
  const statusText =
    trialing && account.trialEndsAt
      ? `Trial until ${dayFormat.format(account.trialEndsAt)}`
      : account?.status === 'past_due'
        ? 'Payment overdue'
        : account?.status === 'canceled'
          ? 'Cancelled'
          : 'Active';
  const scheduled = account?.scheduledPlan as PlanId | null | undefined;
  const pendingText = account?.cancelAtPeriodEnd
    ? `Cancels at the end of the period: moves to the Free plan on ${dayFormat.format(period.end)}.`
    : scheduled && scheduled !== planId
      ? `Moves to the ${plans[scheduled]?.name ?? scheduled} plan on ${dayFormat.format(period.end)}.`
      : null;

  return {
    mode: billingMode(),
    plan: { id: plan.id, name: plan.name, priceText: `${money(price(plan.id))} a month` },
    statusText,
    pendingText,
    period: {
      label: formatBillingMonth(period.start),
      endsText: dayFormat.format(new Date(period.end.getTime() - 1)),
    },
    spend: {
      lines: toDate.lines.map((line) => ({
        description: line.description,
        amount: line.amount,
        amountText: money(line.amount),
      })),
      total: toDate.total,
      totalText: money(toDate.total),
    },
    forecast: { total: forecast.total, totalText: money(forecast.total) },
    budget: budget && {
      amount: budget.amount,
      amountText: money(budget.amount),
      thresholds: budget.thresholds,
      capOverage: budget.capOverage,
      percent: Math.floor((toDate.total / budget.amount) * 100),
      forecastPercent: Math.floor((forecast.total / budget.amount) * 100),
    },
    alerts: alerts.map((alert) => ({
      threshold: alert.threshold,
      at: alert.createdAt.toISOString(),
      text: `Spend reached ${alert.threshold} % of the ${money(alert.budget)} budget (${money(alert.spend)}).`,
    })),
    invoices: recent.invoices.map((invoice) => ({
      id: invoice.id,
      number: invoice.number,
      status: invoice.status,
      totalText: formatMoney(invoice.total, invoice.currency),
      periodText: formatBillingMonth(invoice.periodStart),
    })),
    moreInvoices: recent.next !== null,
    plans: planIds.map((id) => ({
      id,
      name: plans[id].name,
      priceText: `${money(price(id))} a month`,
      current: id === planId,
      change: id === planId ? 'current' : price(id) > price(planId) ? 'upgrade' : 'downgrade',
      trialDays:
        !account?.trialUsed && price(planId) === 0 && price(id) > 0 ? plans[id].trialDays : 0,
    })),
    hasStripeCustomer: Boolean(account?.stripeCustomerId),
    hasSubscription: Boolean(
      account?.stripeSubscriptionId && account.status && account.status !== 'canceled',
    ),
  };
}
