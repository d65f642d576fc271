import Link from 'next/link';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { ConfirmAction } from '@/components/forms/confirm-action';
import { Badge } from '@/components/ui/badge';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { requireOperator } from '@/lib/actions';
import {
  formatInvoiceDate,
  formatInvoicePeriod,
  invoiceStatusView,
  loadTenantInvoicesConsole,
} from '@/lib/billing';
import { formatMoney } from '@/lib/money';
import { markInvoicePaidAction, voidInvoiceAction } from './actions';
import { NewestOlderPager } from '@/components/ui/pager';

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

// The operator check comes first, for the title as well as the page.
const load = cache(async (id: string, after: string | undefined) => {
  await requireOperator();
  return loadTenantInvoicesConsole(id, after);
});

const afterOf = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export async function generateMetadata({ params, searchParams }: Props) {
  const data = await load((await params).id, afterOf((await searchParams).after));
  return { title: data ? `Invoices · ${data.tenant.name}` : 'Tenant not found' };
}

export default async function TenantInvoicesPage({ params, searchParams }: Props) {
  const data = await load((await params).id, afterOf((await searchParams).after));
  if (!data) notFound();
  const { tenant, invoices } = data;
  const base = `/admin/tenants/${tenant.id}/invoices`;
  const now = new Date();

  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href={`/admin/tenants/${tenant.id}`} className="text-slate-600 hover:underline">
          ← {tenant.name}
        </Link>
      </p>
      <div>
        <h1 className="text-2xl font-semibold">Invoices of {tenant.name}</h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          {data.mode === 'stripe'
            ? 'This tenant is billed through Stripe, which collects and settles its invoices.'
            : 'This tenant is billed by Tenantry (internal mode): mark an open invoice paid when its payment arrives, or void it. Either is recorded in the tenant’s audit trail, and restores a tenant held past due or suspended for non-payment when nothing else is overdue.'}{' '}
          Newest period first; dates are UTC.
        </p>
      </div>

      {invoices.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 p-12 text-center text-slate-600">
          <p className="font-medium">{data.paged ? 'No older invoices.' : 'No invoices yet.'}</p>
        </div>
      ) : (
        <Table caption={`Invoices of ${tenant.name}`}>
          <TableHead>
            <tr>
              <Th>Invoice</Th>
              <Th>Period</Th>
              <Th>Status</Th>
              <Th>Due</Th>
              <Th className="text-right">Total</Th>
              <Th className="text-right">Amount due</Th>
              <Th>Source</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </TableHead>
          <tbody>
            {invoices.map((invoice) => {
              const status = invoiceStatusView(invoice, now);
              const settleable = invoice.source === 'internal' && invoice.status === 'open';
              const total = formatMoney(invoice.total, invoice.currency);
              return (
                <Tr key={invoice.id}>
                  <Td className="font-medium">{invoice.number}</Td>
                  <Td>{formatInvoicePeriod(invoice.periodStart, invoice.periodEnd)}</Td>
                  <Td>
                    <Badge tone={status.tone}>{status.label}</Badge>
                  </Td>
                  <Td>{formatInvoiceDate(invoice.dueAt)}</Td>
                  <Td className="text-right tabular-nums">{total}</Td>
                  <Td className="text-right tabular-nums">
                    {formatMoney(invoice.amountDue, invoice.currency)}
                  </Td>
                  <Td>{invoice.source === 'stripe' ? 'Stripe' : 'Internal'}</Td>
                  <Td>
                    {settleable ? (
                      <div className="flex flex-wrap gap-2">
                        <ConfirmAction
                          action={markInvoicePaidAction}
                          fields={{ invoiceId: invoice.id }}
                          label={`Mark ${invoice.number} paid`}
                          title={`Mark invoice ${invoice.number} paid?`}
                          body={`Records ${total} as received in full today. Do this only once the payment has arrived.`}
                          confirmLabel="Mark paid"
                          pendingLabel="Marking paid…"
                        />
                        <ConfirmAction
                          action={voidInvoiceAction}
                          fields={{ invoiceId: invoice.id }}
                          label={`Void ${invoice.number}`}
                          title={`Void invoice ${invoice.number}?`}
                          body={`${tenant.name} will no longer owe its ${total}. A void invoice cannot be reopened.`}
                          confirmLabel="Void invoice"
                          pendingLabel="Voiding…"
                          variant="danger"
                        />
                      </div>
                    ) : null}
                  </Td>
                </Tr>
              );
            })}
          </tbody>
        </Table>
      )}

      <NewestOlderPager
        newestHref={base}
        olderHref={data.next ? `${base}?${new URLSearchParams({ after: data.next })}` : null}
        paged={data.paged}
      />
    </div>
  );
}
