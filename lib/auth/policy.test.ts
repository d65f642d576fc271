import { describe, expect, it } from 'vitest';
import {
  accountPolicyOf,
  accountPolicySchema,
  DEFAULT_ACCOUNT_POLICY,
  DEFAULT_MFA_POLICY,
  emailDomainAllowed,
  mfaPolicyOf,
  mfaPolicySchema,
  passwordProblem,
} from './policy';

describe('MFA policy', () => {
  it('parses the checkbox: on when ticked, off when absent', () => {
    expect(mfaPolicySchema.parse({ requireMfa: 'on' })).toEqual({ requireMfa: true });
    expect(mfaPolicySchema.parse({})).toEqual({ requireMfa: false });
  });

  it('requires MFA only for a stored true, never for a missing or garbled value', () => {
    expect(mfaPolicyOf(undefined)).toEqual(DEFAULT_MFA_POLICY);
    expect(mfaPolicyOf(null)).toEqual({ requireMfa: false });
    expect(mfaPolicyOf({ requireMfa: 'yes' })).toEqual({ requireMfa: false });
    expect(mfaPolicyOf({ requireMfa: true, sessionLifetimeHours: 8 })).toEqual({
      requireMfa: true,
    });
  });
});

describe('account policy', () => {
  it('parses the form: checkbox, comma- or space-separated domains, lower-cased', () => {
    expect(
      accountPolicySchema.parse({
        passwordMinLength: '14',
        refuseCommonPasswords: 'on',
        allowedEmailDomains: 'Acme.com, acme.co.uk  example.org',
      }),
    ).toEqual({
      passwordMinLength: 14,
      refuseCommonPasswords: true,
      allowedEmailDomains: ['acme.com', 'acme.co.uk', 'example.org'],
    });
    expect(
      accountPolicySchema.parse({ passwordMinLength: 10, allowedEmailDomains: '' }),
    ).toMatchObject({
      refuseCommonPasswords: false,
      allowedEmailDomains: [],
    });
    const bad = accountPolicySchema.safeParse({
      passwordMinLength: 8,
      allowedEmailDomains: 'acme.com, not_a_domain!',
    });
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'allowedEmailDomains.1',
      'passwordMinLength',
    ]);
  });

  it('falls back to the default for missing or unusable stored values', () => {
    expect(accountPolicyOf(undefined)).toEqual(DEFAULT_ACCOUNT_POLICY);
    expect(accountPolicyOf({ passwordMinLength: 3 })).toEqual(DEFAULT_ACCOUNT_POLICY);
    expect(accountPolicyOf({ allowedEmailDomains: ['acme.com'] }).allowedEmailDomains).toEqual([
      'acme.com',
    ]);
  });

  it('refuses short and common passwords, including common ones with digits or symbols appended', () => {
    const policy = { ...DEFAULT_ACCOUNT_POLICY, passwordMinLength: 12 };
    expect(passwordProblem('short-one', policy)).toMatch(/at least 12/);
    expect(passwordProblem('Password2026!', policy)).toMatch(/most common/);
    expect(passwordProblem('qwertyuiop123', policy)).toMatch(/most common/);
    expect(passwordProblem('aaaaaaaaaaaaaa', policy)).toMatch(/most common/);
    expect(passwordProblem('correct horse battery', policy)).toBeNull();
    expect(
      passwordProblem('Password2026!', { ...policy, refuseCommonPasswords: false }),
    ).toBeNull();
  });

  it('allows any domain with an empty list, and only the listed ones otherwise', () => {
    expect(emailDomainAllowed('a@anything.test', DEFAULT_ACCOUNT_POLICY)).toBe(true);
    const policy = { ...DEFAULT_ACCOUNT_POLICY, allowedEmailDomains: ['acme.com'] };
    expect(emailDomainAllowed('Ada@ACME.com', policy)).toBe(true);
    expect(emailDomainAllowed('eve@acme.com.evil.test', policy)).toBe(false);
    expect(emailDomainAllowed('eve@sub.acme.com', policy)).toBe(false);
  });
});
