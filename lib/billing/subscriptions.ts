import 'server-only';
import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { billingAccounts, tenants, type BillingAccount } from '@/db/schema';
import type { Transaction } from '@/db/scope';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { entitledOf, periodOf } from '@/lib/metering';
import { plans, type PlanId } from '@/lib/plans';
import { planPriceKeys, pricesByLookupKey } from './catalogue';
import { billingMode } from './mode';

const DAY_MS = 86_400_000;

/**
 * The tenant's billing account, created on first use with the plan the registry gives it (a
 * tenant registered on a plan, or moved by an operator, has no account until billing touches it).
 */
export async function billingAccountFor(
  tx: Transaction,
  tenantId: string,
): Promise<BillingAccount> {
  const [existing] = await tx
    .select()
    .from(billingAccounts)
    .where(eq(billingAccounts.tenantId, tenantId));
  if (existing) return existing;
  const [tenant] = await tx
    .select({ plan: tenants.plan })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (!tenant) throw new AppError('not_found', 'This workspace does not exist.');
  const period = periodOf(new Date());
  // Only the columns granted to the app role: drizzle's insert names every column (`default`
  // for the unset ones), and Postgres checks the privilege of each column named.
  await tx.execute(sql`
    insert into billing_accounts (tenant_id, plan, status, current_period_start, current_period_end)
    values (${tenantId}, ${tenant.plan}, 'active', ${period.start}, ${period.end})
    on conflict do nothing`);
  return (
    await tx.select().from(billingAccounts).where(eq(billingAccounts.tenantId, tenantId))
  )[0]!;
}

function priceOf(plan: string): number {
  return plans[plan as PlanId]?.pricing.monthlyAmount ?? 0;
}

export type PlanChange = {
  from: string;
  to: string;
  /** Upgrades take effect at once; downgrades and cancellation at the period's end. */
  effective: 'now' | 'period_end';
  trialEndsAt: Date | null;
};

/**
 * Internal mode: a billing manager chooses a plan. An upgrade applies at once (the tenant's
 * features and limits follow through tenantry_internal.apply_internal_plan), the first time a
 * free tenant takes a paid plan with a trial it starts the trial; a downgrade, or cancelling
 * (choosing free), waits for the period's end so the month is billed on the plan held through
 * it. Choosing the current plan again withdraws a pending downgrade.
 */
export async function changeInternalPlan(
  tx: Transaction,
  params: { tenantId: string; plan: PlanId; actor: Actor; request?: RequestMeta; now?: Date },
): Promise<PlanChange> {
  const now = params.now ?? new Date();
  const account = await billingAccountFor(tx, params.tenantId);
  if (account.mode !== 'internal' || billingMode() === 'stripe')
    throw new AppError(
      'conflict',
      'This workspace is billed through Stripe: subscribe or change the plan through Stripe.',
    );
  // The registry's plan, which an operator may have changed since the account last did.
  const from = (await entitledOf(tx, params.tenantId)).plan;
  const to = params.plan;
  const period = periodOf(now);
  let change: PlanChange;
  if (to === from) {
    if (!account.scheduledPlan)
      throw new AppError('conflict', `This workspace is already on the ${plans[to].name} plan.`);
    await tx
      .update(billingAccounts)
      .set({ scheduledPlan: null, cancelAtPeriodEnd: false, updatedAt: sql`now()` })
      .where(eq(billingAccounts.tenantId, params.tenantId));
    change = { from, to, effective: 'now', trialEndsAt: account.trialEndsAt };
  } else if (priceOf(to) > priceOf(from)) {
    const trial = !account.trialUsed && plans[to].trialDays > 0 && priceOf(from) === 0;
    const trialEndsAt = trial ? new Date(now.getTime() + plans[to].trialDays * DAY_MS) : null;
    await tx
      .update(billingAccounts)
      .set({
        plan: to,
        status: trial ? 'trialing' : 'active',
        scheduledPlan: null,
        cancelAtPeriodEnd: false,
        ...(trial ? { trialEndsAt, trialUsed: true } : {}),
        currentPeriodStart: period.start,
        currentPeriodEnd: period.end,
        updatedAt: sql`now()`,
      })
      .where(eq(billingAccounts.tenantId, params.tenantId));
    await tx.execute(sql`select tenantry_internal.apply_internal_plan()`);
    change = { from, to, effective: 'now', trialEndsAt: trial ? trialEndsAt : account.trialEndsAt };
  } else {
    await tx
      .update(billingAccounts)
      .set({
        scheduledPlan: to,
        cancelAtPeriodEnd: priceOf(to) === 0,
        currentPeriodStart: period.start,
        currentPeriodEnd: period.end,
        updatedAt: sql`now()`,
      })
      .where(eq(billingAccounts.tenantId, params.tenantId));
    change = { from, to, effective: 'period_end', trialEndsAt: account.trialEndsAt };
  }
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'billing.plan_changed',
    target: { type: 'tenant', id: params.tenantId },
    metadata: { ...change, trialEndsAt: change.trialEndsAt?.toISOString() ?? null },
    request: params.request,
  });
  return change;
}

/** The Stripe price ids of a plan's base and metered overage prices, by lookup key. */
async function planPrices(stripe: Stripe, plan: PlanId): Promise<string[]> {
  const keys = planPriceKeys(plans[plan]);
  const found = await pricesByLookupKey(stripe, keys);
  if (keys.some((key) => !found.has(key)))
    throw new AppError(
      'unavailable',
      'Billing is not set up for this plan yet. Please try again later.',
    );
  return keys.map((key) => found.get(key)!.id);
}

/**
 * Stripe mode, no live subscription: a Checkout session for the plan (its base price and every
 * metered overage price), billed from the 1st of next month (UTC) so Stripe's periods are the
 * calendar months usage is metered in, with the plan's trial the first time. The webhook
 * (checkout.session.completed) binds the customer and subscription to the tenant.
 */
export async function startCheckout(
  tx: Transaction,
  stripe: Stripe,
  params: {
    tenantId: string;
    plan: PlanId;
    email: string;
    returnUrl: string;
    actor: Actor;
    request?: RequestMeta;
    now?: Date;
  },
): Promise<{ url: string }> {
  const account = await billingAccountFor(tx, params.tenantId);
  if (account.stripeSubscriptionId && account.status !== 'canceled')
    throw new AppError(
      'conflict',
      'This workspace already has a subscription: change it in the billing portal.',
    );
  if (priceOf(params.plan) === 0)
    throw new AppError('invalid_input', 'Choose a paid plan to subscribe to.');
  const now = params.now ?? new Date();
  const prices = await planPrices(stripe, params.plan);
  const trialDays = account.trialUsed ? 0 : plans[params.plan].trialDays;
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: prices.map((price, index) => (index === 0 ? { price, quantity: 1 } : { price })),
    client_reference_id: params.tenantId,
    metadata: { tenant_id: params.tenantId, plan: params.plan },
    ...(account.stripeCustomerId
      ? { customer: account.stripeCustomerId }
      : { customer_email: params.email }),
    subscription_data: {
      metadata: { tenant_id: params.tenantId, plan: params.plan },
      ...(trialDays > 0
        ? { trial_period_days: trialDays }
        : { billing_cycle_anchor: Math.floor(periodOf(now).end.getTime() / 1000) }),
    },
    success_url: `${params.returnUrl}?checkout=success`,
    cancel_url: `${params.returnUrl}?checkout=cancelled`,
  });
  if (!session.url) throw new AppError('unavailable', 'Stripe did not return a checkout page.');
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'billing.checkout_started',
    target: { type: 'tenant', id: params.tenantId },
    metadata: { plan: params.plan, session: session.id, trialDays },
    request: params.request,
  });
  return { url: session.url };
}

/**
 * Stripe mode: the Customer Portal, where a billing manager changes or cancels the plan (at
 * the period's end) and manages the payment method; the webhook mirrors what they do.
 */
export async function openBillingPortal(
  tx: Transaction,
  stripe: Stripe,
  params: { tenantId: string; returnUrl: string; actor: Actor; request?: RequestMeta },
): Promise<{ url: string }> {
  const account = await billingAccountFor(tx, params.tenantId);
  if (!account.stripeCustomerId)
    throw new AppError('conflict', 'Subscribe to a plan first: there is no Stripe customer yet.');
  const session = await stripe.billingPortal.sessions.create({
    customer: account.stripeCustomerId,
    return_url: params.returnUrl,
  });
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'billing.portal_opened',
    target: { type: 'tenant', id: params.tenantId },
    request: params.request,
  });
  return { url: session.url };
}
