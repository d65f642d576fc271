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
