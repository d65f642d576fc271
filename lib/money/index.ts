/**
 * Money is integer minor units with a currency (DESIGN.md). The number of minor units in a major
 * unit follows Stripe, whose invoices these amounts mirror: zero-decimal currencies (JPY, KRW, …)
 * have no minor unit, five currencies have three decimals, and every other currency two — even
 * ISK, HUF and TWD, which Stripe's API takes with two decimals whatever ISO 4217 says. Pure.
 */

const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

const CURRENCY_CODE = /^[a-z]{3}$/i;

/** The number of decimals of a currency's minor unit: 0, 2 or 3. */
export function currencyExponent(currency: string): number {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/** Minor units → major units (1999 USD → 19.99; 500 JPY → 500). */
export function toMajorUnits(minorUnits: number, currency: string): number {
  return minorUnits / 10 ** currencyExponent(currency);
}

/**
 * A currency's code as Intl needs it. A malformed code (never written by Tenantry or Stripe)
 * would make Intl throw and take the page down with it; it is shown as an amount instead.
 */
function intlCurrency(currency: string): string | null {
  return CURRENCY_CODE.test(currency) ? currency.toUpperCase() : null;
}

export type MoneyFormatOptions = {
  /** BCP 47 locale; default 'en-US'. */
  locale?: string;
  /**
   * 'symbol' ($12.00, the default) or 'code' (USD 12.00). PDFs use the code: their standard
   * fonts have no glyph for many currency symbols.
   */
  display?: 'symbol' | 'code';
};

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(
  currency: string | null,
  locale: string,
  display: 'symbol' | 'code',
  digits: { min: number; max: number },
): Intl.NumberFormat {
  const key = [currency, locale, display, digits.min, digits.max].join('|');
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, {
      ...(currency ? { style: 'currency', currency, currencyDisplay: display } : {}),
      minimumFractionDigits: digits.min,
      maximumFractionDigits: digits.max,
    });
    formatters.set(key, format);
  }
  return format;
}

function format(
  minorUnits: number,
  currency: string,
  options: MoneyFormatOptions,
  extraDigits: number,
): string {
  const code = intlCurrency(currency);
  const exponent = currencyExponent(currency);
  const text = formatter(code, options.locale ?? 'en-US', options.display ?? 'symbol', {
    min: exponent,
    max: exponent + extraDigits,
  }).format(toMajorUnits(minorUnits, currency));
  return code ? text : `${text} ${currency}`;
}

/** An amount in minor units, in its currency: `formatMoney(123456, 'usd')` → "$1,234.56". */
export function formatMoney(
  minorUnits: number,
  currency: string,
  options: MoneyFormatOptions = {},
): string {
  return format(minorUnits, currency, options, 0);
}

/**
 * A unit price, which may be a fraction of a minor unit (0.05 cents per API call): shown with as
 * many further decimals as it has, up to six, so it never rounds to "$0.00".
 */
export function formatUnitAmount(
  minorUnits: number,
  currency: string,
  options: MoneyFormatOptions = {},
): string {
  return format(minorUnits, currency, options, 6);
}

/** A line's quantity: up to six decimals, grouped ("12,500", "0.25"). */
export function formatInvoiceQuantity(quantity: number, locale = 'en-US'): string {
  return quantity.toLocaleString(locale, { maximumFractionDigits: 6 });
}
