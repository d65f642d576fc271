import 'server-only';
import { and, asc, desc, eq, lt, or, sql } from 'drizzle-orm';
import {
  invoiceLines,
  invoices,
  type Invoice,
  type InvoiceLine,
  type InvoiceLineKind,
  type InvoiceStatus,
} from '@/db/schema';
import type { Transaction } from '@/db/scope';

export type InvoiceLineInput = {
  kind: InvoiceLineKind;
  description: string;
  limit?: string | null;
  quantity: number;
  unitAmount: number | null;
  amount: number;
};

export type InvoiceInput = {
  tenantId: string;
  source: 'internal' | 'stripe';
  number: string;
  status: InvoiceStatus;
  currency: string;
  periodStart: Date;
  periodEnd: Date;
  /** Tax lines are passed among `lines` (kind 'tax'); subtotal and tax are summed from them. */
  lines: InvoiceLineInput[];
  amountPaid?: number;
  issuedAt?: Date;
  dueAt?: Date | null;
  paidAt?: Date | null;
  stripeInvoiceId?: string | null;
  hostedUrl?: string | null;
  stripeEventAt?: Date | null;
  /** Leave an existing invoice of the same identity as it is (internal invoices at period end). */
  onlyIfNew?: boolean;
};

export type InvoiceWithLines = Invoice & { lines: InvoiceLine[] };

export function invoiceTotals(lines: readonly InvoiceLineInput[]): {
  subtotal: number;
  tax: number;
  total: number;
} {
  const tax = lines.filter((l) => l.kind === 'tax').reduce((sum, l) => sum + l.amount, 0);
  const subtotal = lines.filter((l) => l.kind !== 'tax').reduce((sum, l) => sum + l.amount, 0);
  return { subtotal, tax, total: subtotal + tax };
}

/**
 * Writes an invoice and its lines, replacing the lines of an invoice with the same identity
 * (the tenant's internal invoice for the period, or the Stripe invoice id): Stripe sends an
 * invoice several times as it moves from finalized to paid, and each copy is the whole truth.
 * Returns null when an existing Stripe invoice already reflects a newer event, or when one
 * exists and `onlyIfNew` is set.
 */
export async function saveInvoice(
  tx: Transaction,
  input: InvoiceInput,
): Promise<InvoiceWithLines | null> {
  const { subtotal, tax, total } = invoiceTotals(input.lines);
  const amountPaid = input.amountPaid ?? (input.status === 'paid' ? total : 0);
  const values = {
    tenantId: input.tenantId,
    number: input.number,
    source: input.source,
    stripeInvoiceId: input.stripeInvoiceId ?? null,
    status: input.status,
    currency: input.currency,
    periodStart: input.periodStart,
    periodEnd: input.periodEnd,
    subtotal,
    tax,
    total,
    amountPaid,
    amountDue: Math.max(0, total - amountPaid),
    issuedAt: input.issuedAt ?? new Date(),
    dueAt: input.dueAt ?? null,
    paidAt: input.paidAt ?? null,
    hostedUrl: input.hostedUrl ?? null,
    stripeEventAt: input.stripeEventAt ?? null,
  };
  const identity =
    input.source === 'stripe'
      ? and(
          eq(invoices.tenantId, input.tenantId),
          eq(invoices.stripeInvoiceId, input.stripeInvoiceId!),
        )
      : and(
          eq(invoices.tenantId, input.tenantId),
          eq(invoices.source, 'internal'),
          eq(invoices.periodStart, input.periodStart),
        );
  const [existing] = await tx.select().from(invoices).where(identity).for('update');
  let invoice: Invoice;
  if (existing) {
    if (input.onlyIfNew) return null;
    if (
      existing.stripeEventAt &&
      input.stripeEventAt &&
      existing.stripeEventAt.getTime() > input.stripeEventAt.getTime()
    )
      return null;
    [invoice] = (await tx
      .update(invoices)
      .set(values)
      .where(eq(invoices.id, existing.id))
      .returning()) as [Invoice];
    await tx.delete(invoiceLines).where(eq(invoiceLines.invoiceId, existing.id));
  } else {
    [invoice] = (await tx.insert(invoices).values(values).returning()) as [Invoice];
  }
  const lines = input.lines.length
    ? await tx
        .insert(invoiceLines)
        .values(
          input.lines.map((line, position) => ({
            tenantId: input.tenantId,
            invoiceId: invoice.id,
            position,
            kind: line.kind,
            description: line.description,
            limit: line.limit ?? null,
            quantity: line.quantity,
            unitAmount: line.unitAmount,
            amount: line.amount,
          })),
        )
        .returning()
    : [];
  return { ...invoice, lines };
}

/** The next internal invoice number of a tenant: `<SLUG>-<YYYYMM>`, unique per tenant and period. */
export function internalInvoiceNumber(slug: string, periodStart: Date): string {
  const month = `${periodStart.getUTCFullYear()}${String(periodStart.getUTCMonth() + 1).padStart(2, '0')}`;
  return `${slug.toUpperCase()}-${month}`;
}

export type InvoiceCursor = { periodStart: Date; id: string };
export const INVOICE_PAGE_SIZE = 25;

/** A tenant's invoices, newest period first, keyset-paged. */
export async function listInvoices(
  tx: Transaction,
  tenantId: string,
  options: { after?: InvoiceCursor | null; limit?: number } = {},
): Promise<{ invoices: Invoice[]; next: InvoiceCursor | null }> {
  const limit = options.limit ?? INVOICE_PAGE_SIZE;
  const after = options.after;
  const rows = await tx
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.tenantId, tenantId),
        after
          ? or(
              lt(invoices.periodStart, after.periodStart),
              and(eq(invoices.periodStart, after.periodStart), lt(invoices.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(invoices.periodStart), desc(invoices.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    invoices: page,
    next: rows.length > limit && last ? { periodStart: last.periodStart, id: last.id } : null,
  };
}

/** One invoice of the tenant with its lines in order, or null. */
export async function getInvoice(
  tx: Transaction,
  tenantId: string,
  invoiceId: string,
): Promise<InvoiceWithLines | null> {
  const [invoice] = await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.tenantId, tenantId), eq(invoices.id, invoiceId)));
  if (!invoice) return null;
  const lines = await tx
    .select()
    .from(invoiceLines)
    .where(and(eq(invoiceLines.tenantId, tenantId), eq(invoiceLines.invoiceId, invoiceId)))
    .orderBy(asc(invoiceLines.position));
  return { ...invoice, lines };
}

/** Open invoices whose due date has passed (internal mode's failed payments). */
export async function overdueInvoices(tx: Transaction, now: Date): Promise<Invoice[]> {
  return tx
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.status, 'open'),
        eq(invoices.source, 'internal'),
        sql`${invoices.dueAt} < ${now}`,
      ),
    );
}
