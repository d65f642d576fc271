/**
 * Usage figures for people: bytes in KB/MB/GB, milliseconds in seconds/hours, counts with
 * thousands separators. Pure, so pages, e-mails and error messages share one wording.
 */
export const BYTE_UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'] as const;

export function formatQuantity(unit: string, value: number): string {
  if (unit === 'bytes') {
    let scaled = value;
    let index = 0;
    while (scaled >= 1024 && index < BYTE_UNITS.length - 1) {
      scaled /= 1024;
      index++;
    }
    const digits = index === 0 || scaled >= 100 ? 0 : 1;
    return `${scaled.toLocaleString('en', { maximumFractionDigits: digits })} ${BYTE_UNITS[index]}`;
  }
  if (unit === 'milliseconds') {
    if (value < 1000) return `${Math.round(value).toLocaleString('en')} ms`;
    if (value < 3_600_000)
      return `${(value / 1000).toLocaleString('en', { maximumFractionDigits: 1 })} s`;
    return `${(value / 3_600_000).toLocaleString('en', { maximumFractionDigits: 1 })} h`;
  }
  return `${value.toLocaleString('en', { maximumFractionDigits: 2 })} ${unit}`;
}

/** "1 December 2026, 00:00 UTC". */
export function formatResetTime(at: Date): string {
  return `${at.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })}, ${at.toISOString().slice(11, 16)} UTC`;
}
