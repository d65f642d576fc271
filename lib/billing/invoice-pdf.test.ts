import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { InvoiceWithLines } from './invoices';
import { renderInvoicePdf } from './invoice-pdf';

/** WinAnsiEncoding is Latin-1 but for 0x80–0x9f; the dashes are all these invoices use there. */
function winAnsi(bytes: Buffer): string {
  return [...bytes]
    .map((byte) =>
      byte === 0x96 ? '\u2013' : byte === 0x97 ? '\u2014' : String.fromCharCode(byte),
    )
    .join('');
}

/**
 * The text a PDF shows, line by line: react-pdf (pdfkit) compresses page content with Flate and
 * writes each run of the standard fonts as hex character codes in a TJ array, split by kerning
 * numbers — `[<41> 30 <434d45> 0] TJ` is "ACME". Inflating the streams and joining each array's
 * hex strings gives the text back, with no PDF library in the tests.
 */
function pdfText(pdf: Buffer): string[] {
  const source = pdf.toString('latin1');
  const runs: string[] = [];
  for (const match of source.matchAll(/\/Filter \/FlateDecode[^]*?stream\r?\n/g)) {
    const start = match.index + match[0].length;
    const content = inflateSync(pdf.subarray(start, source.indexOf('endstream', start)));
    for (const array of content.toString('latin1').matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      const hex = [...array[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((chunk) => chunk[1]).join('');
      runs.push(winAnsi(Buffer.from(hex, 'hex')));
    }
  }
  return runs;
}

const at = (iso: string) => new Date(iso);

function invoice(overrides: Partial<InvoiceWithLines> = {}): InvoiceWithLines {
  const tenantId = '00000000-0000-4000-8000-00000000000a';
  const id = '00000000-0000-4000-8000-000000000001';
  return {
    id,
    tenantId,
    number: 'ACME-202601',
    source: 'internal',
    stripeInvoiceId: null,
    status: 'open',
    currency: 'usd',
    periodStart: at('2026-01-01T00:00:00Z'),
    periodEnd: at('2026-02-01T00:00:00Z'),
    subtotal: 5_400,
    tax: 432,
    total: 5_832,
    amountPaid: 0,
    amountDue: 5_832,
    issuedAt: at('2026-02-01T00:05:00Z'),
    dueAt: at('2026-02-15T00:00:00Z'),
    paidAt: null,
    hostedUrl: null,
    stripeEventAt: null,
    settledBy: null,
    createdAt: at('2026-02-01T00:05:00Z'),
    lines: [
      {
        id: '00000000-0000-4000-8000-0000000000b1',
        tenantId,
        invoiceId: id,
        position: 0,
        kind: 'plan',
        description: 'Starter plan',
        limit: null,
        quantity: 1,
        unitAmount: 4_900,
        amount: 4_900,
      },
      {
        id: '00000000-0000-4000-8000-0000000000b2',
        tenantId,
        invoiceId: id,
        position: 1,
        kind: 'overage',
        description: 'API calls: 12,345 past the allowance',
        limit: 'api_calls_per_month',
        quantity: 2,
        unitAmount: 250,
        amount: 500,
      },
      {
        id: '00000000-0000-4000-8000-0000000000b3',
        tenantId,
        invoiceId: id,
        position: 2,
        kind: 'tax',
        description: 'VAT (8%)',
        limit: null,
        quantity: 1,
        unitAmount: null,
        amount: 432,
      },
    ],
    ...overrides,
  };
}

describe('renderInvoicePdf', () => {
  it('renders a PDF file', async () => {
    const pdf = await renderInvoicePdf({ invoice: invoice(), workspaceName: 'Acme Inc.' });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toContain('%%EOF');
    // The document's title (uncompressed metadata) names the invoice too.
    expect(pdf.toString('latin1')).toContain('(Invoice ACME-202601)');
  });

  it('shows the workspace, number, status, dates, period, lines and totals', async () => {
    const text = pdfText(
      await renderInvoicePdf({ invoice: invoice(), workspaceName: 'Acme Inc.' }),
    ).join('\n');
    for (const expected of [
      'ACME-202601',
      'Acme Inc.',
      'Open',
      'Jan 1 \u2013 31, 2026',
      'Paid\n\u2014',
      'Feb 1, 2026',
      'Feb 15, 2026',
      'Starter plan',
      'API calls: 12,345 past the allowance',
      'VAT (8%)',
      'USD\u00a049.00',
      'USD\u00a02.50',
      'USD\u00a054.00',
      'USD\u00a04.32',
      'USD\u00a058.32',
      'Amount paid',
      'USD\u00a00.00',
      'Amount due',
      'Currency',
    ])
      expect(text).toContain(expected);
  });

  it('shows a paid invoice as paid, in a zero-decimal currency', async () => {
    const text = pdfText(
      await renderInvoicePdf({
        invoice: invoice({
          status: 'paid',
          currency: 'jpy',
          subtotal: 5_832,
          tax: 0,
          total: 5_832,
          amountPaid: 5_832,
          amountDue: 0,
          paidAt: at('2026-02-03T10:00:00Z'),
        }),
        workspaceName: 'Acme KK',
      }),
    ).join('\n');
    expect(text).toContain('Paid');
    expect(text).toContain('Feb 3, 2026');
    expect(text).toContain('JPY\u00a05,832');
    expect(text).not.toContain('JPY\u00a058.32');
  });
});
