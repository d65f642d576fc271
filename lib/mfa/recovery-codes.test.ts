import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateRecoveryCode,
  generateRecoveryCodes,
  hashRecoveryCode,
  isRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_COUNT,
} from './recovery-codes';

describe('recovery codes', () => {
  it('are ten distinct codes of 16 unambiguous characters in groups of four', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      expect(code).not.toMatch(/[01lo]/);
    }
  });

  it('use the whole alphabet evenly enough (80 random bits each)', () => {
    const seen = new Set(
      Array.from({ length: 200 }, generateRecoveryCode).join('').replaceAll('-', ''),
    );
    expect(seen.size).toBe(32);
  });

  it('are matched however they are typed: case, spaces and dashes do not matter', () => {
    const code = generateRecoveryCode();
    const typed = ` ${code.toUpperCase().replaceAll('-', ' ')} `;
    expect(normalizeRecoveryCode(typed)).toBe(code.replaceAll('-', ''));
    expect(hashRecoveryCode(typed)).toBe(hashRecoveryCode(code));
    expect(isRecoveryCode(typed)).toBe(true);
  });

  it('are stored as the SHA-256 of the normalised code, never as typed', () => {
    expect(hashRecoveryCode('ABCD-EFGH-JKMN-PQRS')).toBe(
      createHash('sha256').update('abcdefghjkmnpqrs').digest('hex'),
    );
  });

  it('tell apart what cannot be a recovery code', () => {
    expect(isRecoveryCode('123456')).toBe(false);
    expect(isRecoveryCode('abcd-efgh-ijkl-mno0')).toBe(false);
    expect(isRecoveryCode('abcd-efgh-jkmn-pqr')).toBe(false);
  });
});
