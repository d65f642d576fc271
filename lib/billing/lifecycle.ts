import 'server-only';
import { and, eq, isNotNull, lt, ne, sql } from 'drizzle-orm';
import { billingAccounts, invoices, tenants, type BillingAccount } from '@/db/schema';
import type { Transaction } from '@/db/scope';
import { updateTenant } from '@/lib/tenancy';

/**
 * What payments do to a tenant's status, in both modes. These run on the platform path
 * (webhooks, jobs, the operator console), each status change audited by updateTenant as the
 * system. A failed payment → past_due; past due longer than the grace period → suspended
 * (remembered as billing's doing); a paid invoice → active again, undoing only billing's own
 * suspension, never an operator's.
 */
const system = { type: 'system', id: null } as const;

/** The tenant's billing account, created bare if it has none, locked for this transaction. */
export async function lockBillingAccount(
  tx: Transaction,
  tenantId: string,
): Promise<BillingAccount> {
  await tx.insert(billingAccounts).values({ tenantId }).onConflictDoNothing();
  const [account] = await tx
    .select()
    .from(billingAccounts)
    .where(eq(billingAccounts.tenantId, tenantId))
    .for('update');
  return account!;
}

async function tenantStatus(tx: Transaction, tenantId: string) {
  const [tenant] = await tx
    .select({ status: tenants.status })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  return tenant?.status;
}

/** A payment failed (Stripe's invoice.payment_failed, or an internal invoice past its due date). */
export async function recordPaymentFailed(
  tx: Transaction,
  tenantId: string,
  at: Date,
  reason: string,
): Promise<void> {
  const account = await lockBillingAccount(tx, tenantId);
  if (!account.pastDueSince)
    await tx
      .update(billingAccounts)
      .set({ pastDueSince: at, updatedAt: sql`now()` })
      .where(eq(billingAccounts.tenantId, tenantId));
  const status = await tenantStatus(tx, tenantId);
  if (status === 'active' || status === 'trial')
    await updateTenant(tx, {
      id: tenantId,
      changes: { status: 'past_due', reason },
      actor: system,
    });
}

/**
 * An invoice was paid. The tenant is restored unless another internal invoice of it is still
 * overdue (Stripe retries its own failed invoices and says so again if one fails).
 */
export async function recordInvoicePaid(
  tx: Transaction,
  tenantId: string,
  now: Date,
  reason: string,
): Promise<void> {
  const account = await lockBillingAccount(tx, tenantId);
  const [stillOverdue] = await tx
    .select({ id: invoices.id })
    .from(invoices)
    .where(
      and(
        eq(invoices.tenantId, tenantId),
        eq(invoices.status, 'open'),
        isNotNull(invoices.dueAt),
        lt(invoices.dueAt, now),
      ),
    )
    .limit(1);
  if (stillOverdue) return;
  await tx
    .update(billingAccounts)
    .set({ pastDueSince: null, suspendedForNonpayment: false, updatedAt: sql`now()` })
    .where(eq(billingAccounts.tenantId, tenantId));
  const status = await tenantStatus(tx, tenantId);
  if (status === 'past_due' || (status === 'suspended' && account.suspendedForNonpayment))
    await updateTenant(tx, { id: tenantId, changes: { status: 'active', reason }, actor: system });
}

/** Suspends tenants past due for longer than the grace period; returns their ids. */
export async function suspendAfterGracePeriod(
  tx: Transaction,
  now: Date,
  graceDays: number,
): Promise<string[]> {
  const cutoff = new Date(now.getTime() - graceDays * 86_400_000);
  const due = await tx
    .select({ tenantId: billingAccounts.tenantId })
    .from(billingAccounts)
    .innerJoin(tenants, eq(tenants.id, billingAccounts.tenantId))
    .where(
      and(
        isNotNull(billingAccounts.pastDueSince),
        lt(billingAccounts.pastDueSince, cutoff),
        eq(tenants.status, 'past_due'),
        ne(billingAccounts.suspendedForNonpayment, true),
      ),
    )
    .for('update', { of: billingAccounts, skipLocked: true });
  for (const { tenantId } of due) {
    await tx
      .update(billingAccounts)
      .set({ suspendedForNonpayment: true, updatedAt: sql`now()` })
      .where(eq(billingAccounts.tenantId, tenantId));
    await updateTenant(tx, {
      id: tenantId,
      changes: {
        status: 'suspended',
        reason: `Payment overdue for more than ${graceDays} days`,
      },
      actor: system,
    });
  }
  return due.map((row) => row.tenantId);
}
