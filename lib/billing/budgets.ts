import 'server-only';
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import {
  billingAccounts,
  billingBudgets,
  budgetAlerts,
  tenants,
  type BillingBudget,
} from '@/db/schema';
import { withPlatform, type Transaction } from '@/db/scope';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { env } from '@/lib/env';
import { protocolFor, tenantOrigin } from '@/lib/host';
import { sendNotices, type MailMessage } from '@/lib/mail';
import { emailsOfMembersWith } from '@/lib/members';
import { figuresByTenant, periodOf } from '@/lib/metering';
import { trialWaivesBase } from '@/lib/plans';
import { formatMoney } from '@/lib/money';
import { formatBillingMonth } from './invoice-view';
import { rateWithTrial } from './spend';

export const DEFAULT_BUDGET_THRESHOLDS = [50, 80, 100] as const;

/**
 * The budget form: an amount in the currency's major units (dollars, up to cents), alert
 * thresholds as percentages (1–200, at most five, e.g. "50, 80, 100"), and whether overage is
 * capped at the budget.
 */
export const budgetInput = z.object({
  amount: z
    .string()
    .trim()
    .regex(/^\d{1,9}(\.\d{1,2})?$/, 'Enter an amount like 250 or 250.50.')
    .transform((value) => Math.round(Number(value) * 100))
    .refine((cents) => cents > 0, 'The budget must be more than zero.'),
  thresholds: z
    .string()
    .trim()
    .transform((value, ctx) => {
      const parts = value.split(/[\s,%]+/).filter(Boolean);
      const numbers = [...new Set(parts.map(Number))].sort((a, b) => a - b);
      if (!numbers.length || numbers.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) {
        ctx.addIssue({
          code: 'custom',
          message: 'Use whole percentages from 1 to 200, e.g. 50, 80, 100.',
        });
        return z.NEVER;
      }
      if (numbers.length > 5) {
        ctx.addIssue({ code: 'custom', message: 'Use at most five thresholds.' });
        return z.NEVER;
      }
      return numbers;
    }),
  capOverage: z
    .union([z.literal('on'), z.literal('')])
    .optional()
    .transform((value) => value === 'on'),
});
export type BudgetInput = z.output<typeof budgetInput>;

export async function getBudget(tx: Transaction, tenantId: string): Promise<BillingBudget | null> {
  const [budget] = await tx
    .select()
    .from(billingBudgets)
    .where(eq(billingBudgets.tenantId, tenantId));
  return budget ?? null;
}

/** Sets (or replaces) the tenant's budget; audited with before and after. */
export async function saveBudget(
  tx: Transaction,
  params: { tenantId: string; input: BudgetInput; actor: Actor; request?: RequestMeta },
): Promise<BillingBudget> {
  const before = await getBudget(tx, params.tenantId);
  const values = {
    amount: params.input.amount,
    thresholds: params.input.thresholds,
    capOverage: params.input.capOverage,
    updatedBy: params.actor.type === 'user' ? params.actor.id : null,
    updatedAt: new Date(),
  };
  const [saved] = await tx
    .insert(billingBudgets)
    .values({ tenantId: params.tenantId, ...values })
    .onConflictDoUpdate({ target: billingBudgets.tenantId, set: values })
    .returning();
  const view = (b: BillingBudget | null) =>
    b && { amount: b.amount, thresholds: b.thresholds, capOverage: b.capOverage };
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'billing.budget_updated',
    target: { type: 'tenant', id: params.tenantId },
    metadata: { before: view(before), after: view(saved!) },
    request: params.request,
  });
  return saved!;
}

export async function removeBudget(
  tx: Transaction,
  params: { tenantId: string; actor: Actor; request?: RequestMeta },
): Promise<void> {
  const removed = await tx
    .delete(billingBudgets)
    .where(eq(billingBudgets.tenantId, params.tenantId))
    .returning();
  if (!removed.length) return;
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'billing.budget_removed',
    target: { type: 'tenant', id: params.tenantId },
    metadata: { amount: removed[0]!.amount },
    request: params.request,
  });
}

/** The budget alerts of the tenant's period starting at `periodStart`, highest first. */
export function budgetAlertsOf(tx: Transaction, tenantId: string, periodStart: Date) {
  return tx
    .select()
    .from(budgetAlerts)
    .where(and(eq(budgetAlerts.tenantId, tenantId), eq(budgetAlerts.periodStart, periodStart)))
    .orderBy(desc(budgetAlerts.threshold));
}

/** The thresholds `spend` has reached of `budget`. */
export function thresholdsReached(
  spend: number,
  budget: Pick<BillingBudget, 'amount' | 'thresholds'>,
): number[] {
  return budget.thresholds.filter((threshold) => spend * 100 >= budget.amount * threshold);
}

function alertMail(params: {
  tenant: { id: string; slug: string; name: string };
  threshold: number;
  spend: number;
  budget: BillingBudget;
  currency: string;
  periodStart: Date;
  to: string;
}): MailMessage {
  const { ROOT_DOMAIN } = env();
  const link = `${tenantOrigin(params.tenant.slug, ROOT_DOMAIN, protocolFor(ROOT_DOMAIN))}/settings/billing`;
  const spend = formatMoney(params.spend, params.currency);
  const budget = formatMoney(params.budget.amount, params.currency);
  return {
    to: params.to,
    tenantId: params.tenant.id,
    subject: `${params.tenant.name} has spent ${params.threshold} % of its ${formatBillingMonth(params.periodStart)} budget`,
    text: [
      `${params.tenant.name} has spent ${spend} of its ${budget} monthly budget in ${formatBillingMonth(params.periodStart)}.`,
      params.budget.capOverage
        ? 'Overage is capped at the budget: once it is reached, usage past the plan’s allowances is refused until the next period.'
        : 'Usage past the plan’s allowances keeps working and is billed as overage.',
      `See billing: ${link}`,
    ].join('\n\n'),
  };
}

/**
 * Alerts each tenant with a budget when the period's spend reaches one of its thresholds: one
 * row per tenant, period and threshold (unique), so each alert goes out once; when spend jumps
 * past several, one e-mail names the highest. E-mails go to the members holding
 * billing:manage, after the rows commit; a failed send is logged, not retried.
 */
export async function sendBudgetAlerts(
  options: { now?: Date; database?: Database } = {},
): Promise<{ alerts: number; emails: number }> {
  const now = options.now ?? new Date();
  const { start: periodStart, end: periodEnd } = periodOf(now);
  const outgoing: MailMessage[] = [];
  const alerts = await withPlatform(async (tx) => {
    let created = 0;
    const budgeted = await tx
      .select({
        budget: billingBudgets,
        tenant: {
          id: tenants.id,
          slug: tenants.slug,
          name: tenants.name,
          plan: tenants.plan,
          featureOverrides: tenants.featureOverrides,
          limitOverrides: tenants.limitOverrides,
          overageOverrides: tenants.overageOverrides,
        },
        account: { status: billingAccounts.status, trialEndsAt: billingAccounts.trialEndsAt },
      })
      .from(billingBudgets)
      .innerJoin(tenants, eq(tenants.id, billingBudgets.tenantId))
      .leftJoin(billingAccounts, eq(billingAccounts.tenantId, billingBudgets.tenantId));
    const figures = await figuresByTenant(
      tx,
      now,
      budgeted.map(({ tenant }) => tenant.id),
    );
    for (const { budget, tenant, account } of budgeted) {
      const toDate = rateWithTrial(tenant, figures.get(tenant.id) ?? {}, {
        now,
        waiveBase: trialWaivesBase(account, periodEnd),
      });
      const reached = thresholdsReached(toDate.total, budget);
      if (!reached.length) continue;
      const inserted = await tx
        .insert(budgetAlerts)
        .values(
          reached.map((threshold) => ({
            tenantId: tenant.id,
            periodStart,
            threshold,
            spend: toDate.total,
            budget: budget.amount,
          })),
        )
        .onConflictDoNothing()
        .returning({ id: budgetAlerts.id, threshold: budgetAlerts.threshold });
      if (!inserted.length) continue;
      created += inserted.length;
      const highest = Math.max(...inserted.map((row) => row.threshold));
      const recipients = await emailsOfMembersWith(tx, tenant.id, 'billing:manage');
      for (const row of inserted)
        await tx
          .update(budgetAlerts)
          .set({ recipients: recipients.length })
          .where(eq(budgetAlerts.id, row.id));
      for (const to of recipients)
        outgoing.push(
          alertMail({
            tenant,
            threshold: highest,
            spend: toDate.total,
            budget,
            currency: toDate.currency,
            periodStart,
            to,
          }),
        );
    }
    return created;
  }, options.database);
  const emails = await sendNotices(outgoing, 'billing.budget_alert_not_sent');
  return { alerts, emails };
}
