import Link from 'next/link';
import type { ReactNode } from 'react';
import { Badge } from '@/components/ui/badge';
import { buttonClasses } from '@/components/ui/button';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { getRequestContext, requireMember } from '@/lib/actions';
import {
  formatInvoiceDate,
  formatInvoicePeriod,
  invoiceStatusView,
  loadInvoiceOr404,
} from '@/lib/billing';
import { formatInvoiceQuantity, formatMoney, formatUnitAmount } from '@/lib/money';
import { Forbidden } from '../../../../_components/forbidden';

export const metadata = { title: 'Invoice' };

export default async function InvoicePage({ params }: { params: Promise<{ id: string }> }) {
  const { tenant, viewer, allowed } = await requireMember('billing:manage');
  if (!allowed) return <Forbidden />;
  const { requestId, ip, userAgent } = await getRequestContext();
  const invoice = await loadInvoiceOr404({
    tenantId: tenant.id,
    id: (await params).id,
    actor: { type: 'user', id: viewer.userId },
    request: { requestId, ip, userAgent },
  });
  const status = invoiceStatusView(invoice, new Date());
  const money = (minor: number) => formatMoney(minor, invoice.currency);
  const payable = invoice.status === 'open' && invoice.hostedUrl;

  const facts: Array<[string, ReactNode]> = [
    ['Period', formatInvoicePeriod(invoice.periodStart, invoice.periodEnd)],
    ['Issued', formatInvoiceDate(invoice.issuedAt)],
    ['Due', formatInvoiceDate(invoice.dueAt)],
    ['Paid', formatInvoiceDate(invoice.paidAt)],
    ['Currency', invoice.currency.toUpperCase()],
    ['Billed by', invoice.source === 'stripe' ? 'Stripe' : 'Tenantry'],
  ];
  const totals: Array<[string, string, boolean?]> = [
    ['Subtotal', money(invoice.subtotal)],
    ['Tax', money(invoice.tax)],
    ['Total', money(invoice.total), true],
    ['Amount paid', money(invoice.amountPaid)],
    ['Amount due', money(invoice.amountDue), true],
  ];

  return (
    <article aria-labelledby="invoice-heading" className="space-y-6">
      <p className="text-sm">
        <Link href="/settings/billing/invoices" className="underline">
          ← All invoices
        </Link>
      </p>
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div className="flex flex-wrap items-center gap-3">
          <h1 id="invoice-heading" className="text-2xl font-semibold">
            Invoice {invoice.number}
          </h1>
          <Badge tone={status.tone}>{status.label}</Badge>
        </div>
        <div className="flex gap-3">
          {payable ? (
            <a href={invoice.hostedUrl!} className={buttonClasses('primary')} rel="noreferrer">
              Pay invoice
            </a>
          ) : null}
          {/* A plain link, not <Link>: a prefetch must never start (and log) a download. */}
          <a
            href={`/settings/billing/invoices/${invoice.id}/pdf`}
            className={buttonClasses('secondary')}
          >
            Download PDF
          </a>
        </div>
      </header>

      <dl className="grid gap-x-6 gap-y-2 rounded-lg bg-white p-4 text-sm shadow-sm ring-1 ring-slate-200 sm:grid-cols-[8rem_1fr]">
        {facts.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="font-medium text-slate-600">{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>

      <Table caption={`Lines of invoice ${invoice.number}`}>
        <TableHead>
          <tr>
            <Th>Description</Th>
            <Th className="text-right">Quantity</Th>
            <Th className="text-right">Unit price</Th>
            <Th className="text-right">Amount</Th>
          </tr>
        </TableHead>
        <tbody>
          {invoice.lines.map((line) => (
            <Tr key={line.id}>
              <Td>{line.description}</Td>
              <Td className="text-right tabular-nums">{formatInvoiceQuantity(line.quantity)}</Td>
              <Td className="text-right tabular-nums">
                {line.unitAmount === null
                  ? '—'
                  : formatUnitAmount(line.unitAmount, invoice.currency)}
              </Td>
              <Td className="text-right tabular-nums">{money(line.amount)}</Td>
            </Tr>
          ))}
          {invoice.lines.length === 0 ? (
            <Tr>
              <Td colSpan={4} className="text-center text-slate-600">
                This invoice has no lines.
              </Td>
            </Tr>
          ) : null}
        </tbody>
      </Table>

      <dl className="ml-auto grid max-w-sm grid-cols-[1fr_auto] gap-x-6 gap-y-1 text-sm">
        {totals.map(([term, value, strong]) => (
          <div key={term} className={strong ? 'contents font-semibold' : 'contents'}>
            <dt>{term}</dt>
            <dd className="text-right tabular-nums">{value}</dd>
          </div>
        ))}
      </dl>
    </article>
  );
}
