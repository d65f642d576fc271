import 'server-only';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { billingAccounts, invoices, type Invoice, type InvoiceStatus } from '@/db/schema';
import { withPlatform, type Transaction } from '@/db/scope';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { AppError, isAppError } from '@/lib/errors';
import { getTenant } from '@/lib/tenancy';
import { listInvoices } from './invoices';
import { recordInvoicePaid } from './lifecycle';
import { encodeInvoiceCursor, invoiceStatusLabels, parseInvoiceCursor } from './invoice-view';

/**
 * Operators settle internal-mode invoices by hand from the console (platform path): mark one paid
 * when the money arrived some other way, or void one that should never have been owed. Stripe
 * invoices are Stripe's to settle: their state arrives by webhook and would overwrite a change
 * made here. Each settlement is audited in the tenant's trail with the operator as actor, in the
 * caller's transaction, and then lets billing restore a tenant it had marked past due or
 * suspended for non-payment (lifecycle.recordInvoicePaid), unless another invoice is overdue.
 */

export type SettleInvoiceParams = {
  invoiceId: string;
  /** The operator settling it (users.id): recorded as `settled_by` and as the audit actor. */
  operatorId: string;
  now: Date;
  request?: RequestMeta;
};

export type SettledInvoiceDTO = {
  id: string;
  tenantId: string;
  number: string;
  status: InvoiceStatus;
};

/** The invoice, locked, if an operator may settle it; otherwise the reason, as an AppError. */
async function settleable(tx: Transaction, invoiceId: string, verb: string): Promise<Invoice> {
  const [invoice] = await tx
    .select()
    .from(invoices)
    .where(eq(invoices.id, invoiceId))
    .for('update');
  if (!invoice) throw new AppError('not_found', 'This invoice does not exist.');
  if (invoice.source === 'stripe')
    throw new AppError(
      'conflict',
      `Invoice ${invoice.number} is billed through Stripe, which settles it: it cannot be ${verb} here.`,
    );
  if (invoice.status !== 'open')
    throw new AppError(
      'invalid_transition',
      `Invoice ${invoice.number} is ${invoiceStatusLabels[invoice.status].toLowerCase()}: only an open invoice can be ${verb}.`,
    );
  return invoice;
}

async function settle(
  tx: Transaction,
  invoice: Invoice,
  params: SettleInvoiceParams,
  change: Partial<Invoice> & { status: InvoiceStatus },
  audit: { action: 'invoice.marked_paid' | 'invoice.voided'; reason: string },
): Promise<SettledInvoiceDTO> {
  const [updated] = await tx
    .update(invoices)
    .set({ ...change, settledBy: params.operatorId })
    .where(and(eq(invoices.id, invoice.id), eq(invoices.status, 'open')))
    .returning({
      id: invoices.id,
      tenantId: invoices.tenantId,
      number: invoices.number,
      status: invoices.status,
    });
  if (!updated) throw new AppError('conflict', 'The invoice changed meanwhile. Reload and retry.');
  await recordAudit(tx, {
    tenantId: invoice.tenantId,
    actor: { type: 'operator', id: params.operatorId },
    action: audit.action,
    target: { type: 'invoice', id: invoice.id },
    metadata: {
      number: invoice.number,
      currency: invoice.currency,
      total: invoice.total,
      amountDue: invoice.amountDue,
    },
    request: params.request,
  });
  await recordInvoicePaid(tx, invoice.tenantId, params.now, audit.reason);
  return updated;
}

/**
 * Marks an open internal invoice paid in full: amount paid = total, nothing due, paid now. The
 * tenant is restored if this was what kept it past due or suspended for non-payment.
 */
export async function markInvoicePaid(
  tx: Transaction,
  params: SettleInvoiceParams,
): Promise<SettledInvoiceDTO> {
  const invoice = await settleable(tx, params.invoiceId, 'marked paid');
  return settle(
    tx,
    invoice,
    params,
    { status: 'paid', amountPaid: invoice.total, amountDue: 0, paidAt: params.now },
    { action: 'invoice.marked_paid', reason: `Invoice ${invoice.number} marked paid` },
  );
}

/**
 * Voids an open internal invoice: nothing is owed on it any more. A tenant past due because of
 * it alone is restored like a paid one — it has nothing left to pay, and would otherwise be
 * suspended at the end of the grace period with no invoice it could settle.
 */
export async function voidInvoice(
  tx: Transaction,
  params: SettleInvoiceParams,
): Promise<SettledInvoiceDTO> {
  const invoice = await settleable(tx, params.invoiceId, 'voided');
  return settle(
    tx,
    invoice,
    params,
    { status: 'void', amountDue: 0 },
    { action: 'invoice.voided', reason: `Invoice ${invoice.number} voided` },
  );
}

/** The console's settle forms: which invoice (zod-validated before the operator is even checked). */
export const settleInvoiceInput = z.object({
  invoiceId: z.uuid({ message: 'This invoice does not exist.' }),
});

export type TenantInvoicesConsole = {
  tenant: { id: string; name: string; slug: string };
  /** The tenant's billing mode ('internal' when it has no billing account yet). */
  mode: 'internal' | 'stripe';
  invoices: Invoice[];
  /** `?after=` of the next (older) page, or null on the last. */
  next: string | null;
  paged: boolean;
};

/**
 * One page of a tenant's invoices for the operator console, or null when there is no such tenant
 * (also for malformed ids): the page answers 404. Call it only after requireOperator.
 */
export async function loadTenantInvoicesConsole(
  tenantId: string,
  after: string | string[] | undefined,
): Promise<TenantInvoicesConsole | null> {
  if (!z.uuid().safeParse(tenantId).success) return null;
  const cursor = parseInvoiceCursor(after);
  try {
    return await withPlatform(async (tx) => {
      const tenant = await getTenant(tx, tenantId);
      const [account] = await tx
        .select({ mode: billingAccounts.mode })
        .from(billingAccounts)
        .where(eq(billingAccounts.tenantId, tenantId));
      const page = await listInvoices(tx, tenantId, { after: cursor });
      return {
        tenant: { id: tenant.id, name: tenant.name, slug: tenant.slug },
        mode: account?.mode ?? 'internal',
        invoices: page.invoices,
        next: page.next ? encodeInvoiceCursor(page.next) : null,
        paged: cursor !== null,
      };
    });
  } catch (error) {
    if (isAppError(error) && error.code === 'not_found') return null;
    throw error;
  }
}
