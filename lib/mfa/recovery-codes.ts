import { createHash, randomBytes } from 'node:crypto';

/** How many recovery codes a member gets at enrolment and at each regeneration. */
export const RECOVERY_CODE_COUNT = 10;

// 32 letters and digits without the look-alikes 0/o and 1/l: one byte & 31 picks one evenly.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const LENGTH = 16; // 80 bits: a stored SHA-256 of it cannot be brute-forced offline.

/** `abcd-efgh-jkmn-pqrs`: random, shown to the member once, stored only as a hash. */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(LENGTH);
  const chars = Array.from(bytes, (byte) => ALPHABET[byte & 31]).join('');
  return chars.replace(/(.{4})(?=.)/g, '$1-');
}

export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, generateRecoveryCode);
}

/** What the member typed, without case, spaces or dashes. */
export function normalizeRecoveryCode(value: string): string {
  return value.toLowerCase().replaceAll(/[\s-]/g, '');
}

/** Whether a value could be a recovery code at all (so obvious typos cost no database work). */
export function isRecoveryCode(value: string): boolean {
  return new RegExp(`^[${ALPHABET}]{${LENGTH}}$`).test(normalizeRecoveryCode(value));
}

/**
 * SHA-256 of the normalised code. A fast hash is enough: the codes carry 80 random bits, unlike
 * passwords, so there is nothing for a slow hash to protect.
 */
export function hashRecoveryCode(value: string): string {
  return createHash('sha256').update(normalizeRecoveryCode(value)).digest('hex');
}
