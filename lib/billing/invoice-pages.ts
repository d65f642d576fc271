import 'server-only';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { withTenant } from '@/db/scope';
import { recordAccess, reportSecurityEvent, type ActivityRequest } from '@/lib/activity';
import type { Actor } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { getInvoice, listInvoices, type InvoiceWithLines } from './invoices';
import { invoicePdfFilename, parseInvoiceCursor, encodeInvoiceCursor } from './invoice-view';
import { renderInvoicePdf } from './invoice-pdf';
import type { Invoice } from '@/db/schema';

/**
 * What the tenant's invoice pages and the PDF download read (billing:manage, checked by the page
 * or the download wrapper before these run). Everything is read in the tenant's transaction, so
 * another tenant's invoice id finds nothing, like an unknown one.
 */

const invoiceIdSchema = z.uuid();

/** Who is reading in the web portal. */
type Reader = { tenantId: string; actor: Actor; request?: ActivityRequest };

export type InvoiceListPage = {
  invoices: Invoice[];
  /** `?after=` of the next (older) page, or null on the last. */
  next: string | null;
  /** Whether this is a later page (a valid `?after=` was given). */
  paged: boolean;
  /** A malformed `?after=` was ignored: the list starts from the newest. */
  invalidCursor: boolean;
};

/** One page of the tenant's invoices, newest period first, from the `?after=` of the URL. */
export async function loadInvoiceList(params: {
  tenantId: string;
  after: string | string[] | undefined;
}): Promise<InvoiceListPage> {
  const after = parseInvoiceCursor(params.after);
  const page = await withTenant(params.tenantId, (tx) =>
    listInvoices(tx, params.tenantId, { after }),
  );
  return {
    invoices: page.invoices,
    next: page.next ? encodeInvoiceCursor(page.next) : null,
    paged: after !== null,
    invalidCursor: after === null && Boolean(params.after),
  };
}

async function findInvoice(params: Reader & { id: string }): Promise<InvoiceWithLines | null> {
  if (!invoiceIdSchema.safeParse(params.id).success) return null;
  const invoice = await withTenant(params.tenantId, (tx) =>
    getInvoice(tx, params.tenantId, params.id),
  );
  if (invoice) return invoice;
  // A well-formed id this tenant does not have: a stale link, or another workspace's id tried.
  await reportSecurityEvent({
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'request.unknown_id',
    channel: 'web',
    target: { type: 'invoice', id: params.id },
    request: params.request,
  });
  return null;
}

/** For the detail page: the invoice with its lines, or the 404 page (also for another tenant's). */
export async function loadInvoiceOr404(params: Reader & { id: string }): Promise<InvoiceWithLines> {
  const invoice = await findInvoice(params);
  if (!invoice) notFound();
  return invoice;
}

/**
 * For the download route: the invoice as a PDF and its file name, the download recorded in the
 * access log (`invoice.downloaded`). An unknown id is `not_found` (404).
 */
export async function downloadInvoicePdf(
  params: Reader & { id: string; workspaceName: string },
): Promise<{ filename: string; pdf: Buffer }> {
  const invoice = await findInvoice(params);
  if (!invoice) throw new AppError('not_found', 'This invoice does not exist.');
  const pdf = await renderInvoicePdf({ invoice, workspaceName: params.workspaceName });
  await withTenant(params.tenantId, (tx) =>
    recordAccess(tx, {
      tenantId: params.tenantId,
      actor: params.actor,
      action: 'invoice.downloaded',
      channel: 'export',
      target: { type: 'invoice', id: invoice.id },
      metadata: { number: invoice.number, bytes: pdf.length },
      request: params.request,
    }),
  );
  return { filename: invoicePdfFilename(invoice.number), pdf };
}
