'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { pendingSignInAction, type ActionState } from '@/lib/actions';
import { cancelPendingSignIn, verifySecondStep } from '@/lib/auth';
import { AppError } from '@/lib/errors';
import { mfaCodeInput } from '@/lib/mfa';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action. The caller has no session yet, only the half sign-in
// behind the cookie: pendingSignInAction resolves it, and the member comes from it alone.

const verify = pendingSignInAction(
  { name: 'sign_in.verify_code', input: mfaCodeInput, steps: ['mfa'] },
  async ({ ctx, input }) => {
    // Rate limit (failing closed), audit and the session's completion happen in lib/auth.
    const outcome = await verifySecondStep({
      tenant: ctx.tenant,
      pending: ctx.pending,
      code: input.code,
      request: ctx.request,
    });
    if (outcome.ok) return outcome.method;
    if (outcome.reason === 'rate_limited') {
      throw new AppError(
        'rate_limited',
        'Too many wrong codes. Wait a few minutes, then try again.',
        {
          retryAfterSeconds: outcome.retryAfterSeconds,
        },
      );
    }
    if (outcome.reason === 'expired') {
      throw new AppError('unauthenticated', 'Your sign-in has expired. Sign in again.');
    }
    throw new AppError('invalid_input', 'That code was not accepted.', {
      fieldErrors: {
        code: ['Enter the current code from your app, or a recovery code you have not used.'],
      },
    });
  },
  () => redirect('/documents'),
);

const cancel = pendingSignInAction(
  { name: 'sign_in.cancel', input: z.object({}), steps: ['mfa', 'mfa_enrolment'] },
  ({ ctx }) => cancelPendingSignIn(ctx.tenant, ctx.pending, ctx.request),
  () => redirect('/sign-in'),
);

export async function verifyCodeAction(
  previous: ActionState<'totp' | 'recovery_code'>,
  formData: FormData,
) {
  return verify(previous, formData);
}

export async function cancelSignInAction(previous: ActionState, formData: FormData) {
  return cancel(previous, formData);
}
