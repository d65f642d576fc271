'use server';

import { revalidatePath } from 'next/cache';
import { platformAction, type ActionState } from '@/lib/actions';
import { markInvoicePaid, settleInvoiceInput, voidInvoice } from '@/lib/billing';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action. platformAction refuses tenant hosts, validates the
// input, checks the operator's session and runs the change in one platform transaction; the
// settlement functions refuse Stripe invoices and settled ones, and write the audit event
// (actor: this operator) in that transaction.

// The console's tenant pages show the invoice's and the tenant's new status.
const refresh = () => revalidatePath('/admin', 'layout');

const markPaid = platformAction(
  { name: 'invoice.mark_paid', input: settleInvoiceInput },
  async ({ tx, ctx, input }) => {
    await markInvoicePaid(tx, {
      invoiceId: input.invoiceId,
      operatorId: ctx.operator.userId,
      now: new Date(),
      request: ctx.request,
    });
  },
  refresh,
);

const voidOne = platformAction(
  { name: 'invoice.void', input: settleInvoiceInput },
  async ({ tx, ctx, input }) => {
    await voidInvoice(tx, {
      invoiceId: input.invoiceId,
      operatorId: ctx.operator.userId,
      now: new Date(),
      request: ctx.request,
    });
  },
  refresh,
);

export async function markInvoicePaidAction(previous: ActionState, formData: FormData) {
  return markPaid(previous, formData);
}

export async function voidInvoiceAction(previous: ActionState, formData: FormData) {
  return voidOne(previous, formData);
}
