import type { InvoiceStatus } from '@/db/schema';
import type { InvoiceCursor } from './invoices';

/**
 * How invoices read on the tenant pages, the console and the PDF: status words, dates, periods,
 * and the `?after=` cursor of the keyset-paged list. Pure.
 */

export const invoiceStatusLabels: Record<InvoiceStatus, string> = {
  draft: 'Draft',
  open: 'Open',
  paid: 'Paid',
  void: 'Void',
  uncollectible: 'Uncollectible',
};

export type InvoiceStatusTone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

/**
 * A status as a badge shows it: an open invoice past its due date reads "Overdue", so the
 * word, not only the colour, says it needs attention.
 */
export function invoiceStatusView(
  invoice: { status: InvoiceStatus; dueAt: Date | null },
  now: Date,
): { label: string; tone: InvoiceStatusTone } {
  switch (invoice.status) {
    case 'open':
      return invoice.dueAt && invoice.dueAt.getTime() < now.getTime()
        ? { label: 'Overdue', tone: 'danger' }
        : { label: 'Open', tone: 'warning' };
    case 'paid':
      return { label: 'Paid', tone: 'success' };
    case 'uncollectible':
      return { label: 'Uncollectible', tone: 'danger' };
    default:
      return { label: invoiceStatusLabels[invoice.status], tone: 'neutral' };
  }
}

const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
const monthFormat = new Intl.DateTimeFormat('en-GB', {
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/** A billing period by its month, in UTC: "November 2026". */
export function formatBillingMonth(periodStart: Date): string {
  return monthFormat.format(periodStart);
}

/** A date as invoices show it, in UTC: "Jan 31, 2026"; an absent date is a dash. */
export function formatInvoiceDate(date: Date | null | undefined): string {
  return date ? dateFormat.format(date) : '—';
}

/**
 * A billing period. Its end is exclusive (the next period's start, as Stripe reports it), so
 * the last day shown is the one before: Jan 1 – Feb 1 reads "Jan 1 – 31, 2026".
 */
export function formatInvoicePeriod(periodStart: Date, periodEnd: Date): string {
  const lastDay = new Date(Math.max(periodStart.getTime(), periodEnd.getTime() - 1));
  // Intl puts thin spaces around the dash, which the PDF's standard fonts lack: plain spaces.
  return dateFormat.formatRange(periodStart, lastDay).replace(/\u2009/g, ' ');
}

const CURSOR = /^(\d{1,15})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The list's `?after=` value: the last invoice shown, as `<period start ms>.<id>`. */
export function encodeInvoiceCursor(cursor: InvoiceCursor): string {
  return `${cursor.periodStart.getTime()}.${cursor.id}`;
}

/** The `?after=` value back, or null when it is absent or not one this list wrote. */
export function parseInvoiceCursor(value: string | string[] | undefined): InvoiceCursor | null {
  const text = Array.isArray(value) ? value[0] : value;
  const match = text ? CURSOR.exec(text.toLowerCase()) : null;
  if (!match) return null;
  const periodStart = new Date(Number(match[1]));
  return Number.isNaN(periodStart.getTime()) ? null : { periodStart, id: match[2]! };
}

/** `Content-Disposition` file name of an invoice's PDF: its number, made safe for the header. */
export function invoicePdfFilename(number: string): string {
  const safe = number.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return `${safe || 'invoice'}.pdf`;
}
