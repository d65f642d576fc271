import { describe, expect, it } from 'vitest';
import {
  encodeInvoiceCursor,
  formatInvoiceDate,
  formatInvoicePeriod,
  invoicePdfFilename,
  invoiceStatusView,
  parseInvoiceCursor,
} from './invoice-view';

const at = (iso: string) => new Date(iso);
const now = at('2026-03-01T12:00:00Z');

describe('invoiceStatusView', () => {
  it('words each status, and an open invoice past its due date as overdue', () => {
    expect(invoiceStatusView({ status: 'open', dueAt: at('2026-03-15T00:00:00Z') }, now)).toEqual({
      label: 'Open',
      tone: 'warning',
    });
    expect(invoiceStatusView({ status: 'open', dueAt: null }, now).label).toBe('Open');
    expect(invoiceStatusView({ status: 'open', dueAt: at('2026-02-15T00:00:00Z') }, now)).toEqual({
      label: 'Overdue',
      tone: 'danger',
    });
    expect(invoiceStatusView({ status: 'paid', dueAt: at('2026-02-15T00:00:00Z') }, now)).toEqual({
      label: 'Paid',
      tone: 'success',
    });
    expect(invoiceStatusView({ status: 'void', dueAt: null }, now)).toEqual({
      label: 'Void',
      tone: 'neutral',
    });
    expect(invoiceStatusView({ status: 'draft', dueAt: null }, now).label).toBe('Draft');
    expect(invoiceStatusView({ status: 'uncollectible', dueAt: null }, now).tone).toBe('danger');
  });
});

describe('dates and periods', () => {
  it('shows dates in UTC', () => {
    expect(formatInvoiceDate(at('2026-01-31T23:30:00Z'))).toBe('Jan 31, 2026');
    expect(formatInvoiceDate(null)).toBe('—');
  });

  it('shows a period up to the day before its exclusive end', () => {
    expect(formatInvoicePeriod(at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'))).toBe(
      'Jan 1 – 31, 2026',
    );
    expect(formatInvoicePeriod(at('2025-12-15T00:00:00Z'), at('2026-01-15T00:00:00Z'))).toBe(
      'Dec 15, 2025 – Jan 14, 2026',
    );
    expect(formatInvoicePeriod(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toBe(
      'Jan 1, 2026',
    );
  });
});

describe('the ?after= cursor', () => {
  const cursor = {
    periodStart: at('2026-01-01T00:00:00Z'),
    id: 'a5f0c7e2-1b2c-4d3e-8f90-0123456789ab',
  };

  it('round-trips', () => {
    const encoded = encodeInvoiceCursor(cursor);
    expect(encoded).toBe('1767225600000.a5f0c7e2-1b2c-4d3e-8f90-0123456789ab');
    expect(parseInvoiceCursor(encoded)).toEqual(cursor);
    expect(parseInvoiceCursor([encoded, 'x'])).toEqual(cursor);
  });

  it('is null when absent or not one the list wrote', () => {
    expect(parseInvoiceCursor(undefined)).toBeNull();
    expect(parseInvoiceCursor('')).toBeNull();
    expect(parseInvoiceCursor('yesterday')).toBeNull();
    expect(parseInvoiceCursor('1767225600000.not-a-uuid')).toBeNull();
    expect(
      parseInvoiceCursor("1767225600000.a5f0c7e2-1b2c-4d3e-8f90-0123456789ab' or 1=1"),
    ).toBeNull();
    expect(parseInvoiceCursor('9999999999999999.a5f0c7e2-1b2c-4d3e-8f90-0123456789ab')).toBeNull();
  });
});

describe('invoicePdfFilename', () => {
  it('is the number, safe for a header', () => {
    expect(invoicePdfFilename('ACME-202601')).toBe('ACME-202601.pdf');
    expect(invoicePdfFilename('INV 0001/2')).toBe('INV-0001-2.pdf');
    expect(invoicePdfFilename('"; x=y')).toBe('x-y.pdf');
    expect(invoicePdfFilename('///')).toBe('invoice.pdf');
  });
});
