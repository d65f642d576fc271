import { describe, expect, it } from 'vitest';
import {
  currencyExponent,
  formatInvoiceQuantity,
  formatMoney,
  formatUnitAmount,
  toMajorUnits,
} from '.';

const nbsp = '\u00a0';

describe('currencyExponent', () => {
  it('follows Stripe: two decimals by default, none for zero-decimal, three for five dinars', () => {
    expect(currencyExponent('usd')).toBe(2);
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('jpy')).toBe(0);
    expect(currencyExponent('KRW')).toBe(0);
    expect(currencyExponent('ugx')).toBe(0);
    expect(currencyExponent('kwd')).toBe(3);
    expect(currencyExponent('bhd')).toBe(3);
    // ISO 4217 says 0 for ISK; Stripe's API takes it with two decimals.
    expect(currencyExponent('isk')).toBe(2);
  });
});

describe('toMajorUnits', () => {
  it('divides by the minor unit', () => {
    expect(toMajorUnits(1999, 'usd')).toBe(19.99);
    expect(toMajorUnits(500, 'jpy')).toBe(500);
    expect(toMajorUnits(1500, 'kwd')).toBe(1.5);
  });
});

describe('formatMoney', () => {
  it('formats minor units in the currency', () => {
    expect(formatMoney(123456, 'usd')).toBe('$1,234.56');
    expect(formatMoney(0, 'usd')).toBe('$0.00');
    expect(formatMoney(5, 'usd')).toBe('$0.05');
    expect(formatMoney(-250, 'usd')).toBe('-$2.50');
    expect(formatMoney(4900, 'eur')).toBe('€49.00');
    expect(formatMoney(1235, 'jpy')).toBe('¥1,235');
    expect(formatMoney(1500, 'kwd')).toBe(`KWD${nbsp}1.500`);
  });

  it('takes the currency in either case, and shows the code on request', () => {
    expect(formatMoney(4900, 'USD')).toBe('$49.00');
    expect(formatMoney(4900, 'usd', { display: 'code' })).toBe(`USD${nbsp}49.00`);
    expect(formatMoney(4900, 'gbp', { locale: 'en-GB' })).toBe('£49.00');
  });

  it('never throws on a malformed currency code', () => {
    expect(formatMoney(4900, 'us dollars')).toBe('49.00 us dollars');
  });

  it('rounds to the minor unit, never showing a fraction of a cent', () => {
    expect(formatMoney(0.4, 'usd')).toBe('$0.00');
    expect(formatMoney(1999.6, 'usd')).toBe('$20.00');
  });
});

describe('formatUnitAmount', () => {
  it('keeps fractions of a minor unit, up to six more decimals', () => {
    expect(formatUnitAmount(50, 'usd')).toBe('$0.50');
    expect(formatUnitAmount(0.05, 'usd')).toBe('$0.0005');
    expect(formatUnitAmount(0.000001, 'usd')).toBe('$0.00000001');
    expect(formatUnitAmount(0.5, 'jpy', { display: 'code' })).toBe(`JPY${nbsp}0.5`);
  });
});

describe('formatInvoiceQuantity', () => {
  it('groups thousands and keeps up to six decimals', () => {
    expect(formatInvoiceQuantity(12500)).toBe('12,500');
    expect(formatInvoiceQuantity(0.25)).toBe('0.25');
    expect(formatInvoiceQuantity(1 / 3)).toBe('0.333333');
  });
});
