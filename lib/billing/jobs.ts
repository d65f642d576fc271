import 'server-only';
import { and, eq, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Database } from '@/db/client';
import { billingAccounts, tenants, usageRollupState } from '@/db/schema';
import { withPlatform, type Transaction } from '@/db/scope';
import { env } from '@/lib/env';
import { startSchedule } from '@/lib/schedule';
import { entitledOf, figuresByTenant, periodOf } from '@/lib/metering';
import { trialWaivesBase, type PlanId } from '@/lib/plans';
import { updateTenant } from '@/lib/tenancy';
import { sendBudgetAlerts } from './budgets';
import { internalInvoiceNumber, overdueInvoices, saveInvoice } from './invoices';
import { recordPaymentFailed, suspendAfterGracePeriod } from './lifecycle';
import { planMeterReports, reconcileMeterReports, sendMeterReports } from './meter-reports';
import { billingMode } from './mode';
import { rateWithTrial } from './spend';
import { stripeFromEnv } from './stripe';

export const BILLING_JOB_INTERVAL_MS = 60_000;
/** Internal invoices are due this many days after they are issued. */
export const INVOICE_NET_DAYS = 14;
const DAY_MS = 86_400_000;
const RECONCILE_EVERY_MS = 3_600_000;
/** One billing pass at a time across processes (pg advisory lock key). */
const BILLING_LOCK = 7_231_006;
const INVOICED_THROUGH = 'billing.internal_invoices';
const RECONCILED_AT = 'billing.meter_reconciliation';

const system = { type: 'system', id: null } as const;

async function stateOf(tx: Transaction, name: string): Promise<Date | null> {
  const [row] = await tx
    .select({ watermark: usageRollupState.watermark })
    .from(usageRollupState)
    .where(eq(usageRollupState.name, name));
  return row?.watermark ?? null;
}

async function setState(tx: Transaction, name: string, watermark: Date, now: Date) {
  await tx
    .insert(usageRollupState)
    .values({ name, watermark, lastRunAt: now })
    .onConflictDoUpdate({ target: usageRollupState.name, set: { watermark, lastRunAt: now } });
}

/**
 * Internal mode: at a period's end each tenant in internal billing gets an invoice for it — its
 * plan's base (waived while a trial covers the period's end) and its overage, rated from the
 * rollups as of the period's last moment — open, due in INVOICE_NET_DAYS. A tenant owing nothing
 * gets none. The state row records the last period invoiced, so the pass runs once per period;
 * the unique invoice per tenant and period makes a repeated pass harmless.
 */
export async function issueInternalInvoices(tx: Transaction, now: Date): Promise<number> {
  const current = periodOf(now);
  const previous = periodOf(new Date(current.start.getTime() - 1));
  const through = await stateOf(tx, INVOICED_THROUGH);
  if (through && through.getTime() >= previous.start.getTime()) return 0;
  const lastMoment = new Date(previous.end.getTime() - 1);
  const candidates = await tx
    .select({
      id: tenants.id,
      slug: tenants.slug,
      plan: tenants.plan,
      featureOverrides: tenants.featureOverrides,
      limitOverrides: tenants.limitOverrides,
      overageOverrides: tenants.overageOverrides,
      account: { status: billingAccounts.status, trialEndsAt: billingAccounts.trialEndsAt },
    })
    .from(tenants)
    .leftJoin(billingAccounts, eq(billingAccounts.tenantId, tenants.id))
    .where(
      and(
        ne(tenants.status, 'archived'),
        lte(tenants.createdAt, previous.end),
        or(isNull(billingAccounts.mode), eq(billingAccounts.mode, 'internal')),
      ),
    );
  // Every tenant's figures of the period in one query, rated in memory.
  const figures = await figuresByTenant(tx, lastMoment);
  let issued = 0;
  for (const tenant of candidates) {
    const charges = rateWithTrial(tenant, figures.get(tenant.id) ?? {}, {
      now: lastMoment,
      waiveBase: trialWaivesBase(tenant.account, previous.end),
    });
    if (charges.total === 0) continue;
    const saved = await saveInvoice(tx, {
      tenantId: tenant.id,
      source: 'internal',
      number: internalInvoiceNumber(tenant.slug, previous.start),
      status: 'open',
      currency: charges.currency,
      periodStart: previous.start,
      periodEnd: previous.end,
      issuedAt: now,
      dueAt: new Date(now.getTime() + INVOICE_NET_DAYS * DAY_MS),
      lines: charges.lines.map((line) => ({
        kind: line.kind,
        description: line.description,
        limit: line.limit ?? null,
        quantity: line.quantity,
        unitAmount: line.unitAmount,
        amount: line.amount,
      })),
      onlyIfNew: true,
    });
    if (saved) issued++;
  }
  await setState(tx, INVOICED_THROUGH, previous.start, now);
  return issued;
}

/**
 * Internal mode, once a period is over: a trial that has ended becomes a paid subscription, and
 * a downgrade or cancellation waiting for the period's end takes effect (the registry's plan,
 * and so the tenant's features and limits, follow; audited as the system).
 */
export async function applyPeriodTransitions(tx: Transaction, now: Date): Promise<number> {
  const period = periodOf(now);
  const due = await tx
    .select()
    .from(billingAccounts)
    .where(
      and(
        eq(billingAccounts.mode, 'internal'),
        or(
          lte(billingAccounts.currentPeriodEnd, now),
          and(eq(billingAccounts.status, 'trialing'), lte(billingAccounts.trialEndsAt, now)),
        ),
      ),
    )
    .for('update', { skipLocked: true });
  for (const account of due) {
    const periodOver = account.currentPeriodEnd !== null && account.currentPeriodEnd <= now;
    // Only a change billing scheduled moves the registry's plan; otherwise the account follows
    // the registry, which an operator may have changed meanwhile.
    const registryPlan = (await entitledOf(tx, account.tenantId)).plan;
    const scheduled = periodOver ? account.scheduledPlan : null;
    const plan = scheduled ?? registryPlan;
    const trialOver =
      account.status === 'trialing' && account.trialEndsAt !== null && account.trialEndsAt <= now;
    await tx
      .update(billingAccounts)
      .set({
        plan,
        status: trialOver ? 'active' : account.status,
        ...(periodOver
          ? {
              scheduledPlan: null,
              cancelAtPeriodEnd: false,
              currentPeriodStart: period.start,
              currentPeriodEnd: period.end,
            }
          : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(billingAccounts.tenantId, account.tenantId));
    if (scheduled && scheduled !== registryPlan)
      await updateTenant(tx, {
        id: account.tenantId,
        changes: { plan: plan as PlanId },
        actor: system,
      });
  }
  return due.length;
}

/** Internal invoices past their due date count as failed payments (→ past due). */
export async function markOverdueInvoices(tx: Transaction, now: Date): Promise<number> {
  const overdue = await overdueInvoices(tx, now);
  for (const invoice of overdue)
    await recordPaymentFailed(
      tx,
      invoice.tenantId,
      invoice.dueAt ?? now,
      `Invoice ${invoice.number} is overdue`,
    );
  return overdue.length;
}

export type BillingJobReport = {
  ran: boolean;
  invoices: number;
  transitions: number;
  overdue: number;
  suspended: number;
  alerts: { alerts: number; emails: number };
  meters: { planned: number; sent: number; failed: number } | null;
  reconciliation: { checked: number; mismatches: number } | null;
};

/**
 * One pass of the billing jobs, in order: invoices for a period just ended (internal mode),
 * period-end plan changes and trial ends, overdue invoices → past due, past due beyond
 * BILLING_GRACE_DAYS → suspended, budget alerts, and in Stripe mode overage reports to the
 * meters and, hourly, their reconciliation. The database part holds an advisory lock, so
 * concurrent passes (several processes, the job route) run one at a time; each step is
 * idempotent.
 */
export async function runBillingJobs(
  options: { now?: Date; database?: Database; stripe?: Stripe | null } = {},
): Promise<BillingJobReport> {
  const now = options.now ?? new Date();
  const stripe =
    options.stripe !== undefined
      ? options.stripe
      : billingMode() === 'stripe'
        ? stripeFromEnv()
        : null;
  const locked = await withPlatform(async (tx) => {
    const [lock] = (
      (await tx.execute(
        sql`select pg_try_advisory_xact_lock(${BILLING_LOCK}) as ok`,
      )) as unknown as { rows: { ok: boolean }[] }
    ).rows;
    if (!lock?.ok) return null;
    const invoices = await issueInternalInvoices(tx, now);
    const transitions = await applyPeriodTransitions(tx, now);
    const overdue = await markOverdueInvoices(tx, now);
    const suspended = (await suspendAfterGracePeriod(tx, now, env().BILLING_GRACE_DAYS)).length;
    const planned = stripe ? await planMeterReports(tx, now) : 0;
    const reconcileDue =
      stripe !== null &&
      now.getTime() - ((await stateOf(tx, RECONCILED_AT))?.getTime() ?? 0) >= RECONCILE_EVERY_MS;
    if (reconcileDue) await setState(tx, RECONCILED_AT, now, now);
    return { invoices, transitions, overdue, suspended, planned, reconcileDue };
  }, options.database);
  if (!locked)
    return {
      ran: false,
      invoices: 0,
      transitions: 0,
      overdue: 0,
      suspended: 0,
      alerts: { alerts: 0, emails: 0 },
      meters: null,
      reconciliation: null,
    };
  const alerts = await sendBudgetAlerts({ now, database: options.database });
  let meters: BillingJobReport['meters'] = null;
  let reconciliation: BillingJobReport['reconciliation'] = null;
  if (stripe) {
    meters = {
      planned: locked.planned,
      ...(await sendMeterReports(stripe, { now, database: options.database })),
    };
    if (locked.reconcileDue)
      reconciliation = await reconcileMeterReports(stripe, { now, database: options.database });
  }
  return {
    ran: true,
    invoices: locked.invoices,
    transitions: locked.transitions,
    overdue: locked.overdue,
    suspended: locked.suspended,
    alerts,
    meters,
    reconciliation,
  };
}

/**
 * Runs the billing jobs every BILLING_JOB_INTERVAL_MS in this process (instrumentation.ts;
 * BILLING_JOBS=off leaves them to POST /api/platform/v1/jobs/billing).
 */
export function startBillingSchedule(intervalMs = BILLING_JOB_INTERVAL_MS): () => void {
  return startSchedule('billing', () => runBillingJobs(), { intervalMs, firstAfterMs: 5_000 });
}
