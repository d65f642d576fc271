import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { requireMember } from '@/lib/actions';
import { formatInvoicePeriod, invoiceStatusView, loadInvoiceList } from '@/lib/billing';
import { formatMoney } from '@/lib/money';
import { Forbidden } from '../../../../_components/forbidden';
import { NewestOlderPager } from '@/components/ui/pager';

export const metadata = { title: 'Invoices' };

export default async function InvoicesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { tenant, allowed } = await requireMember('billing:manage');
  if (!allowed) return <Forbidden />;

  const page = await loadInvoiceList({ tenantId: tenant.id, after: (await searchParams).after });
  const now = new Date();

  return (
    <section aria-labelledby="invoices-heading" className="space-y-6">
      <div>
        <h1 id="invoices-heading" className="text-2xl font-semibold">
          Invoices
        </h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          {tenant.name}’s invoices, newest period first. Open one for its lines, or download it as a
          PDF. Dates are UTC.
        </p>
      </div>

      {page.invalidCursor ? (
        <p role="alert" className="text-sm text-red-700">
          That page link is not valid, so this is the newest page.
        </p>
      ) : null}

      {page.invoices.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 p-12 text-center text-slate-600">
          {page.paged ? (
            <>
              <p className="font-medium">No older invoices.</p>
              <p className="mt-1 text-sm">
                <Link href="/settings/billing/invoices" className="underline">
                  Newest invoices
                </Link>
              </p>
            </>
          ) : (
            <p className="font-medium">
              No invoices yet — the first is issued at the end of the current period.
            </p>
          )}
        </div>
      ) : (
        <Table caption={`Invoices of ${tenant.name}`}>
          <TableHead>
            <tr>
              <Th>Invoice</Th>
              <Th>Period</Th>
              <Th>Status</Th>
              <Th className="text-right">Total</Th>
              <Th className="text-right">Amount due</Th>
              <Th>
                <span className="sr-only">Download</span>
              </Th>
            </tr>
          </TableHead>
          <tbody>
            {page.invoices.map((invoice) => {
              const status = invoiceStatusView(invoice, now);
              return (
                <Tr key={invoice.id}>
                  <Td>
                    <Link
                      href={`/settings/billing/invoices/${invoice.id}`}
                      className="font-medium underline"
                    >
                      {invoice.number}
                    </Link>
                  </Td>
                  <Td>{formatInvoicePeriod(invoice.periodStart, invoice.periodEnd)}</Td>
                  <Td>
                    <Badge tone={status.tone}>{status.label}</Badge>
                  </Td>
                  <Td className="text-right tabular-nums">
                    {formatMoney(invoice.total, invoice.currency)}
                  </Td>
                  <Td className="text-right tabular-nums">
                    {formatMoney(invoice.amountDue, invoice.currency)}
                  </Td>
                  <Td>
                    {/* A plain link, not <Link>: a prefetch must never start (and log) a download. */}
                    <a
                      href={`/settings/billing/invoices/${invoice.id}/pdf`}
                      className="underline"
                      aria-label={`Download ${invoice.number} as PDF`}
                    >
                      PDF
                    </a>
                  </Td>
                </Tr>
              );
            })}
          </tbody>
        </Table>
      )}

      <NewestOlderPager
        newestHref="/settings/billing/invoices"
        olderHref={
          page.next
            ? `/settings/billing/invoices?${new URLSearchParams({ after: page.next })}`
            : null
        }
        paged={page.paged}
      />
    </section>
  );
}
