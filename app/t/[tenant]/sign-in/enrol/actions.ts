'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { pendingSignInAction, type ActionState } from '@/lib/actions';
import { confirmEnrolmentStep } from '@/lib/auth';
import { startEnrolment, totpCodeInput } from '@/lib/mfa';
import { withTenant } from '@/lib/tenancy';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action. The tenant requires a second factor and this member
// has none: they add one before their sign-in completes. The member comes from the half sign-in.

const start = pendingSignInAction(
  { name: 'sign_in.start_enrolment', input: z.object({}), steps: ['mfa_enrolment'] },
  ({ ctx }) =>
    withTenant(ctx.tenant.id, (tx) =>
      startEnrolment(tx, { tenantId: ctx.tenant.id, membershipId: ctx.pending.membershipId }),
    ),
  () => revalidatePath('/sign-in/enrol'),
);

// Confirming completes the sign-in; no revalidation, so the recovery codes stay on screen.
const confirm = pendingSignInAction(
  { name: 'sign_in.confirm_enrolment', input: totpCodeInput, steps: ['mfa_enrolment'] },
  ({ ctx, input }) =>
    withTenant(ctx.tenant.id, (tx) =>
      confirmEnrolmentStep(tx, {
        tenant: ctx.tenant,
        pending: ctx.pending,
        code: input.code,
        request: ctx.request,
      }),
    ),
);

export async function startSignInEnrolmentAction(
  previous: ActionState<{ secret: string }>,
  formData: FormData,
) {
  return start(previous, formData);
}

export async function confirmSignInEnrolmentAction(
  previous: ActionState<{ recoveryCodes: string[] }>,
  formData: FormData,
) {
  return confirm(previous, formData);
}
