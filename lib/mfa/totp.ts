import { timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app reads it: SHA-1, six digits, 30-second steps. */
const ALGORITHM = 'SHA1';
const DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of the current one: clocks drift, and people type slowly. */
export const TOTP_WINDOW = 1;

/** A new random secret (160 bits, RFC 4226's recommendation), base32 as apps expect it. */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an authenticator app reads from the QR code. */
export function totpUri(params: { secret: string; issuer: string; account: string }): string {
  return new TOTP({
    issuer: params.issuer,
    label: params.account,
    secret: Secret.fromBase32(params.secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/** The TOTP time step (counter) of an instant. */
export function totpStep(now: number = Date.now()): number {
  return Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code of one time step. */
export function totpCode(secret: string, step: number): string {
  return HOTP.generate({
    secret: Secret.fromBase32(secret),
    counter: step,
    algorithm: ALGORITHM,
    digits: DIGITS,
  });
}

/** Whether a submitted value has the shape of an authenticator code (spaces allowed). */
export function isTotpCode(value: string): boolean {
  return /^\d{6}$/.test(value.replaceAll(/\s/g, ''));
}

/**
 * The time step a code belongs to, within the window around `now` and strictly after
 * `lastUsedStep` (so neither the same code nor an older one is accepted twice), or null.
 */
export function matchTotpStep(params: {
  secret: string;
  code: string;
  lastUsedStep: number | null;
  now?: number;
}): number | null {
  const code = params.code.replaceAll(/\s/g, '');
  if (!isTotpCode(code)) return null;
  const current = totpStep(params.now);
  let matched: number | null = null;
  // Every step in the window is computed and compared in constant time, matched or not.
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    const equal = timingSafeEqual(Buffer.from(totpCode(params.secret, step)), Buffer.from(code));
    const fresh = params.lastUsedStep === null || step > params.lastUsedStep;
    if (equal && fresh && matched === null) matched = step;
  }
  return matched;
}
