import { z } from 'zod';

/** One field for either kind of code: six digits from the app, or a recovery code. */
export const mfaCodeInput = z.object({
  code: z
    .string()
    .trim()
    .min(1, 'Enter the code from your authenticator app or a recovery code.')
    .max(64, 'That is not a code.'),
});

/** The first code of a new factor, which proves the app holds its secret. */
export const totpCodeInput = z.object({
  code: z
    .string()
    .transform((value) => value.replaceAll(/\s/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from your app.')),
});
