import { HOTP, Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import {
  generateTotpSecret,
  isTotpCode,
  matchTotpStep,
  totpCode,
  totpStep,
  totpUri,
  TOTP_PERIOD_SECONDS,
} from './totp';

// RFC 6238 appendix B: the SHA-1 test key "12345678901234567890" and its 8-digit codes, whose
// last six digits are the 6-digit codes.
const RFC_SECRET = Secret.fromLatin1('12345678901234567890').base32;

describe('TOTP', () => {
  it('computes RFC 6238’s test vectors', () => {
    expect(totpCode(RFC_SECRET, totpStep(59_000))).toBe('287082');
    expect(totpCode(RFC_SECRET, totpStep(1_111_111_109_000))).toBe('081804');
    expect(totpCode(RFC_SECRET, totpStep(2_000_000_000_000))).toBe('279037');
  });

  it('makes a fresh 160-bit base32 secret each time', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });

  it('builds the otpauth URI apps read, with the workspace as issuer', () => {
    const uri = totpUri({ secret: RFC_SECRET, issuer: 'Acme Inc.', account: 'ann@acme.test' });
    expect(uri).toMatch(/^otpauth:\/\/totp\/Acme%20Inc\.:ann%40acme\.test\?/);
    const params = new URL(uri).searchParams;
    expect(params.get('issuer')).toBe('Acme Inc.');
    expect(params.get('secret')).toBe(RFC_SECRET);
    expect(params.get('digits')).toBe('6');
    expect(params.get('period')).toBe(String(TOTP_PERIOD_SECONDS));
    // What an app computes from the URI is what the server expects.
    const app = new TOTP({ secret: Secret.fromBase32(RFC_SECRET) });
    expect(app.generate({ timestamp: 59_000 })).toBe(totpCode(RFC_SECRET, 1));
  });

  it('recognises the shape of a code, spaces allowed', () => {
    expect(isTotpCode('123456')).toBe(true);
    expect(isTotpCode('123 456')).toBe(true);
    expect(isTotpCode('12345')).toBe(false);
    expect(isTotpCode('abcdef')).toBe(false);
  });
});

describe('matchTotpStep', () => {
  const secret = generateTotpSecret();
  const now = 1_700_000_000_000;
  const step = totpStep(now);
  const code = (s: number) => HOTP.generate({ secret: Secret.fromBase32(secret), counter: s });

  it('accepts the current step and one either side, and names the step matched', () => {
    for (const delta of [-1, 0, 1]) {
      expect(matchTotpStep({ secret, code: code(step + delta), lastUsedStep: null, now })).toBe(
        step + delta,
      );
    }
    const spaced = `${code(step).slice(0, 3)} ${code(step).slice(3)}`;
    expect(matchTotpStep({ secret, code: spaced, lastUsedStep: null, now })).toBe(step);
  });

  it('refuses codes outside the window, wrong codes and malformed input', () => {
    expect(matchTotpStep({ secret, code: code(step - 2), lastUsedStep: null, now })).toBeNull();
    expect(matchTotpStep({ secret, code: code(step + 2), lastUsedStep: null, now })).toBeNull();
    const wrong = String((Number(code(step)) + 1) % 1_000_000).padStart(6, '0');
    expect(matchTotpStep({ secret, code: wrong, lastUsedStep: null, now })).toBeNull();
    expect(matchTotpStep({ secret, code: 'abc', lastUsedStep: null, now })).toBeNull();
  });

  it('refuses the step last used and any older one, but takes a newer one', () => {
    expect(matchTotpStep({ secret, code: code(step), lastUsedStep: step, now })).toBeNull();
    expect(matchTotpStep({ secret, code: code(step - 1), lastUsedStep: step, now })).toBeNull();
    expect(matchTotpStep({ secret, code: code(step + 1), lastUsedStep: step, now })).toBe(step + 1);
  });

  it('uses the clock when no instant is given', () => {
    expect(matchTotpStep({ secret, code: code(totpStep()), lastUsedStep: null })).not.toBeNull();
  });
});
