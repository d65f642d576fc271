import 'server-only';
import { Document, Page, StyleSheet, Text, View, renderToBuffer } from '@react-pdf/renderer';
import { createElement as h, type ComponentProps, type ReactElement, type ReactNode } from 'react';
import type { InvoiceWithLines } from './invoices';
import { formatInvoiceDate, formatInvoicePeriod, invoiceStatusLabels } from './invoice-view';
import { formatInvoiceQuantity, formatMoney, formatUnitAmount } from '@/lib/money';

/**
 * An invoice as a PDF (the download on the invoice pages), rendered on the server with
 * @react-pdf/renderer in Helvetica, one of the PDF standard fonts: nothing is fetched or
 * embedded. Those fonts cover Latin-1 only, so amounts show the currency code (USD 12.00), not
 * a symbol the font may lack. @react-pdf/renderer is in Next's built-in server external
 * packages, so route handlers load it from node_modules rather than bundling it.
 *
 * Written with createElement rather than JSX: tsconfig's `jsx: preserve` (Next compiles JSX)
 * leaves JSX untransformed under vitest, and this module is tested there.
 */

export type InvoicePdfInput = {
  invoice: InvoiceWithLines;
  /** The workspace (tenant) the invoice is addressed to. */
  workspaceName: string;
};

const styles = StyleSheet.create({
  page: { padding: 48, fontFamily: 'Helvetica', fontSize: 10, color: '#0f172a' },
  header: { flexDirection: 'row', justifyContent: 'space-between', marginBottom: 24 },
  title: { fontSize: 22, fontFamily: 'Helvetica-Bold' },
  muted: { color: '#475569' },
  facts: { marginBottom: 24 },
  fact: { flexDirection: 'row', marginBottom: 3 },
  factTerm: { width: 110, color: '#475569' },
  table: { borderTopWidth: 1, borderColor: '#cbd5e1' },
  row: { flexDirection: 'row', borderBottomWidth: 1, borderColor: '#e2e8f0', paddingVertical: 5 },
  headRow: { fontFamily: 'Helvetica-Bold', backgroundColor: '#f1f5f9' },
  description: { flex: 1, paddingLeft: 4, paddingRight: 8 },
  number: { width: 90, textAlign: 'right', paddingRight: 4 },
  totals: { marginTop: 12, marginLeft: 'auto', width: 240 },
  totalRow: { flexDirection: 'row', justifyContent: 'space-between', paddingVertical: 2 },
  strong: { fontFamily: 'Helvetica-Bold' },
  footer: { marginTop: 32, color: '#64748b', fontSize: 8 },
});

type TextStyle = (typeof styles)[keyof typeof styles] | undefined;

const text = (style: TextStyle, children: ReactNode) => h(Text, { style }, children);

const fact = (term: string, value: string) =>
  h(View, { key: term, style: styles.fact }, text(styles.factTerm, term), text(undefined, value));

const totalRow = (term: string, value: string, strong = false) =>
  h(
    View,
    { key: term, style: strong ? [styles.totalRow, styles.strong] : styles.totalRow },
    text(undefined, term),
    text(undefined, value),
  );

const tableRow = (
  key: string,
  cells: [string, string, string, string],
  options: { head?: boolean } = {},
) =>
  h(
    View,
    {
      key,
      style: options.head ? [styles.row, styles.headRow] : styles.row,
      // The heading repeats on every page; a line never splits across two.
      ...(options.head ? { fixed: true } : { wrap: false }),
    },
    text(styles.description, cells[0]),
    ...cells.slice(1).map((cell) => text(styles.number, cell)),
  );

/** The invoice's PDF document element (what `renderInvoicePdf` renders). */
export function invoiceDocument({
  invoice,
  workspaceName,
}: InvoicePdfInput): ReactElement<ComponentProps<typeof Document>> {
  const money = (minor: number) => formatMoney(minor, invoice.currency, { display: 'code' });
  const currency = invoice.currency.toUpperCase();
  const period = formatInvoicePeriod(invoice.periodStart, invoice.periodEnd);
  const status = invoiceStatusLabels[invoice.status];
  return h(
    Document,
    {
      title: `Invoice ${invoice.number}`,
      subject: `${workspaceName}, ${period}`,
      creator: 'Tenantry',
      producer: 'Tenantry',
      creationDate: invoice.issuedAt,
    },
    h(
      Page,
      { size: 'A4', style: styles.page },
      h(
        View,
        { style: styles.header },
        h(View, null, text(styles.title, 'Invoice'), text(styles.muted, invoice.number)),
        h(View, null, text(styles.strong, workspaceName), text(styles.muted, `Status: ${status}`)),
      ),
      h(
        View,
        { style: styles.facts },
        fact('Invoice number', invoice.number),
        fact('Workspace', workspaceName),
        fact('Status', status),
        fact('Period', period),
        fact('Issued', formatInvoiceDate(invoice.issuedAt)),
        fact('Due', formatInvoiceDate(invoice.dueAt)),
        fact('Paid', formatInvoiceDate(invoice.paidAt)),
        fact('Currency', currency),
      ),
      h(
        View,
        { style: styles.table },
        tableRow('head', ['Description', 'Quantity', 'Unit price', 'Amount'], { head: true }),
        ...invoice.lines.map((line) =>
          tableRow(line.id, [
            line.description,
            formatInvoiceQuantity(line.quantity),
            line.unitAmount === null
              ? '—'
              : formatUnitAmount(line.unitAmount, invoice.currency, { display: 'code' }),
            money(line.amount),
          ]),
        ),
      ),
      h(
        View,
        { style: styles.totals, wrap: false },
        totalRow('Subtotal', money(invoice.subtotal)),
        totalRow('Tax', money(invoice.tax)),
        totalRow('Total', money(invoice.total), true),
        totalRow('Amount paid', money(invoice.amountPaid)),
        totalRow('Amount due', money(invoice.amountDue), true),
      ),
      text(
        styles.footer,
        `Amounts in ${currency}. Dates are UTC.${invoice.source === 'stripe' ? ' Billed through Stripe.' : ''}`,
      ),
    ),
  );
}

/** Renders an invoice (with its lines) to a PDF file's bytes. */
export async function renderInvoicePdf(input: InvoicePdfInput): Promise<Buffer> {
  return renderToBuffer(invoiceDocument(input));
}
