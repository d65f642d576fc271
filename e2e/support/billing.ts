import { billingAccounts, invoiceLines, invoices, type InvoiceStatus } from '@/db/schema';
import type { E2EDatabase, TestTenant } from './database';

/**
 * Billing data for the invoice specs, written straight into the database through the platform
 * role (E2EDatabase.platform), as the billing job and the webhook would. Everything hangs off the
 * test's tenant, so the tenant fixture's deletion removes it.
 */

export type SeededInvoice = {
  id: string;
  number: string;
  /** What the pages show as the invoice's total: "$58.32". */
  totalText: string;
};

export type SeedInvoiceOptions = {
  status?: InvoiceStatus;
  /** First day of the invoiced month (UTC); default January 2026. */
  periodStart?: Date;
};

/**
 * Puts the tenant in internal billing mode and gives it one internal invoice for a month: the
 * plan (USD 49.00), an API-call overage (2 × USD 2.50) and tax (USD 4.32), total USD 58.32, due
 * two weeks after the period.
 */
export async function seedInternalInvoice(
  db: E2EDatabase,
  tenant: TestTenant,
  options: SeedInvoiceOptions = {},
): Promise<SeededInvoice> {
  const periodStart = options.periodStart ?? new Date(Date.UTC(2026, 0, 1));
  const [year, month] = [periodStart.getUTCFullYear(), periodStart.getUTCMonth()];
  const periodEnd = new Date(Date.UTC(year, month + 1, 1));
  const number = `${tenant.slug.toUpperCase()}-${year}${String(month + 1).padStart(2, '0')}`;
  const status = options.status ?? 'open';
  const lines = [
    { kind: 'plan', description: 'Pro plan', quantity: 1, unitAmount: 4_900, amount: 4_900 },
    {
      kind: 'overage',
      description: 'API calls: 12,345 past the allowance',
      limit: 'api_calls_per_month',
      quantity: 2,
      unitAmount: 250,
      amount: 500,
    },
    { kind: 'tax', description: 'Sales tax (8%)', quantity: 1, unitAmount: null, amount: 432 },
  ] as const;
  const subtotal = 5_400;
  const tax = 432;
  const total = subtotal + tax;
  const paid = status === 'paid';
  const id = await db.platform(async (tx) => {
    await tx
      .insert(billingAccounts)
      .values({ tenantId: tenant.id, mode: 'internal', plan: tenant.plan })
      .onConflictDoUpdate({ target: billingAccounts.tenantId, set: { mode: 'internal' } });
    const [invoice] = await tx
      .insert(invoices)
      .values({
        tenantId: tenant.id,
        number,
        source: 'internal',
        status,
        currency: 'usd',
        periodStart,
        periodEnd,
        subtotal,
        tax,
        total,
        amountPaid: paid ? total : 0,
        amountDue: paid ? 0 : total,
        issuedAt: periodEnd,
        dueAt: new Date(Date.UTC(year, month + 1, 15)),
        paidAt: paid ? new Date(Date.UTC(year, month + 1, 3)) : null,
      })
      .returning({ id: invoices.id });
    if (!invoice) throw new Error('invoice insert returned no row');
    await tx.insert(invoiceLines).values(
      lines.map((line, position) => ({
        tenantId: tenant.id,
        invoiceId: invoice.id,
        position,
        kind: line.kind,
        description: line.description,
        limit: 'limit' in line ? line.limit : null,
        quantity: line.quantity,
        unitAmount: line.unitAmount,
        amount: line.amount,
      })),
    );
    return invoice.id;
  });
  return { id, number, totalText: '$58.32' };
}
