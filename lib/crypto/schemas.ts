import { z } from 'zod';

/** The rotation intervals the settings page offers (the policy accepts 7–730 days). */
export const ROTATION_INTERVAL_CHOICES = [30, 90, 180, 365] as const;

export const encryptionPolicyInput = z.object({
  rotationIntervalDays: z
    .union([
      z.literal('').transform(() => null),
      z.coerce
        .number({ message: 'Choose how often to rotate.' })
        .int('Choose a whole number of days.')
        .min(7, 'Rotate at most once a week.')
        .max(730, 'Rotate at least every two years.'),
    ])
    .default(null),
});
export type EncryptionPolicyInput = z.infer<typeof encryptionPolicyInput>;
