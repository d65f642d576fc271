import { z } from 'zod';

/**
 * A tenant's session policy: how long a sign-in lasts at most, and how long it survives
 * without activity. Stored in the tenant's settings; checked on every request, so shortening
 * it ends the sessions it must at their next request.
 */
export const MAX_SESSION_LIFETIME_HOURS = 30 * 24;

export const sessionPolicySchema = z
  .object({
    sessionLifetimeHours: z.coerce
      .number({ message: 'Enter a number of hours.' })
      .int('Use whole hours.')
      .min(1, 'At least 1 hour.')
      .max(MAX_SESSION_LIFETIME_HOURS, `At most ${MAX_SESSION_LIFETIME_HOURS} hours (30 days).`),
    idleTimeoutMinutes: z.coerce
      .number({ message: 'Enter a number of minutes.' })
      .int('Use whole minutes.')
      .min(5, 'At least 5 minutes.')
      .max(24 * 60, 'At most 1,440 minutes (a day).'),
  })
  .refine((policy) => policy.idleTimeoutMinutes <= policy.sessionLifetimeHours * 60, {
    path: ['idleTimeoutMinutes'],
    message: 'The idle timeout cannot be longer than the session lifetime.',
  });
export type SessionPolicy = z.output<typeof sessionPolicySchema>;

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  sessionLifetimeHours: 12,
  idleTimeoutMinutes: 120,
};

/** The policy in a tenant's stored settings, or the default where it is missing or unusable. */
export function sessionPolicyOf(stored: unknown): SessionPolicy {
  const parsed = sessionPolicySchema.safeParse({
    ...DEFAULT_SESSION_POLICY,
    ...(stored as object),
  });
  return parsed.success ? parsed.data : DEFAULT_SESSION_POLICY;
}

/**
 * A tenant's rules for new accounts joining it: password length, refusal of the commonest
 * passwords, and which e-mail domains may be invited. Stored next to the session policy.
 */
const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'Not a domain name.',
  );

export const accountPolicySchema = z.object({
  passwordMinLength: z.coerce
    .number({ message: 'Enter a number of characters.' })
    .int('Use a whole number.')
    .min(10, 'At least 10 characters (the platform’s minimum).')
    .max(128, 'At most 128 characters.'),
  refuseCommonPasswords: z.preprocess((value) => value === true || value === 'on', z.boolean()),
  allowedEmailDomains: z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(/[\s,]+/)
            .map((d) => d.trim())
            .filter(Boolean)
        : value,
    z.array(domainSchema).max(20, 'At most 20 domains.'),
  ),
});
export type AccountPolicy = z.output<typeof accountPolicySchema>;

export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = {
  passwordMinLength: 10,
  refuseCommonPasswords: true,
  allowedEmailDomains: [],
};

export function accountPolicyOf(stored: unknown): AccountPolicy {
  const parsed = accountPolicySchema.safeParse({
    ...DEFAULT_ACCOUNT_POLICY,
    ...(stored as object),
  });
  return parsed.success ? parsed.data : DEFAULT_ACCOUNT_POLICY;
}

/**
 * Whether every member must sign in with a second factor. Members without one enrol at their
 * next sign-in; sessions already open are left alone. Stored next to the other policies.
 */
export const mfaPolicySchema = z.object({
  requireMfa: z.preprocess((value) => value === true || value === 'on', z.boolean()),
});
export type MfaPolicy = z.output<typeof mfaPolicySchema>;

export const DEFAULT_MFA_POLICY: MfaPolicy = { requireMfa: false };

export function mfaPolicyOf(stored: unknown): MfaPolicy {
  // Only a stored `true` requires it: a missing or garbled value must not lock members out.
  return { requireMfa: (stored as { requireMfa?: unknown } | null)?.requireMfa === true };
}

// The commonest passwords of public breach lists (lower-cased), long enough to pass a length
// rule on their own or with a number or symbol appended.
const COMMON_PASSWORDS = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'password1234',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  'qwerty',
  'qwertyuiop',
  'qwerty123',
  'qwerty1234',
  'qwertyuiop123',
  'asdfghjkl',
  'zxcvbnm',
  '1q2w3e4r',
  '1q2w3e4r5t',
  '1qaz2wsx',
  'zaq12wsx',
  'zaq1zaq1',
  '1234567890',
  '0987654321',
  '123456789',
  '12345678',
  '1234567',
  '123456',
  '111111',
  '11111111',
  '123123',
  '123123123',
  '123321',
  '654321',
  '987654321',
  '000000',
  '0000000000',
  '666666',
  '777777',
  '888888',
  '999999',
  'abc123',
  'abcd1234',
  'abcdefg',
  'abcdefgh',
  'iloveyou',
  'iloveyou1',
  'letmein',
  'letmein1',
  'welcome',
  'welcome1',
  'welcome123',
  'admin',
  'admin123',
  'administrator',
  'changeme',
  'changeme123',
  'default',
  'guest',
  'master',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'basketball',
  'soccer',
  'hockey',
  'sunshine',
  'princess',
  'superman',
  'batman',
  'starwars',
  'trustno1',
  'whatever',
  'shadow',
  'michael',
  'jennifer',
  'jordan23',
  'charlie',
  'freedom',
  'secret',
  'computer',
  'internet',
  'samsung',
  'google',
  'mustang',
  'liverpool',
  'chelsea',
  'arsenal',
  'pokemon',
  'minecraft',
  'loveyou',
  'lovely',
  'flower',
  'hello123',
  'helloworld',
  'summer',
  'winter',
  'spring',
  'autumn',
  'qazwsx',
  'qazwsxedc',
  'passwordpassword',
  'letmein123',
  'access',
  'access14',
  'ninja',
  'azerty',
  'azerty123',
  'solo',
  'login',
  'starwars1',
  'tenantry',
  'tenantry123',
]);

/** Why a new password breaks the policy, or null when it is acceptable. */
export function passwordProblem(password: string, policy: AccountPolicy): string | null {
  if (password.length < policy.passwordMinLength) {
    return `Use at least ${policy.passwordMinLength} characters.`;
  }
  if (policy.refuseCommonPasswords) {
    const lower = password.toLowerCase();
    // "Password2026!" is as guessable as "password": strip trailing digits and symbols too.
    const stem = lower.replace(/[\d\W_]+$/u, '');
    if (COMMON_PASSWORDS.has(lower) || COMMON_PASSWORDS.has(stem) || /^(.)\1+$/u.test(lower)) {
      return 'That password is among the most common ones. Choose another.';
    }
  }
  return null;
}

/** Whether an e-mail may be invited: any domain when the list is empty. */
export function emailDomainAllowed(email: string, policy: AccountPolicy): boolean {
  if (policy.allowedEmailDomains.length === 0) return true;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return policy.allowedEmailDomains.includes(domain);
}
