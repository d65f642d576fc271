'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { tenantAction, type ActionState } from '@/lib/actions';
import {
  confirmEnrolment,
  regenerateRecoveryCodes,
  removeFactor,
  startEnrolment,
  totpCodeInput,
} from '@/lib/mfa';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action. All act on the member's own factor only (permission
// 'self'): the membership comes from the session, never from the form.

const start = tenantAction(
  { name: 'mfa.start_enrolment', input: z.object({}), permission: 'self' },
  ({ tx, ctx }) =>
    startEnrolment(tx, { tenantId: ctx.tenant.id, membershipId: ctx.viewer.membershipId }),
  () => revalidatePath('/settings/mfa'),
);

// No revalidation: the page would replace the form that shows the recovery codes, once.
const confirm = tenantAction(
  { name: 'mfa.confirm_enrolment', input: totpCodeInput, permission: 'self' },
  ({ tx, ctx, input }) =>
    confirmEnrolment(tx, {
      tenantId: ctx.tenant.id,
      membershipId: ctx.viewer.membershipId,
      code: input.code,
      actor: ctx.actor,
      request: ctx.request,
    }),
);

const regenerate = tenantAction(
  { name: 'mfa.regenerate_recovery_codes', input: z.object({}), permission: 'self' },
  ({ tx, ctx }) =>
    regenerateRecoveryCodes(tx, {
      tenantId: ctx.tenant.id,
      membershipId: ctx.viewer.membershipId,
      actor: ctx.actor,
      request: ctx.request,
    }),
  () => revalidatePath('/settings/mfa'),
);

const remove = tenantAction(
  { name: 'mfa.remove', input: z.object({}), permission: 'self' },
  ({ tx, ctx }) =>
    removeFactor(tx, {
      tenantId: ctx.tenant.id,
      membershipId: ctx.viewer.membershipId,
      actor: ctx.actor,
      request: ctx.request,
    }),
  () => revalidatePath('/settings/mfa'),
);

export async function startEnrolmentAction(
  previous: ActionState<{ secret: string }>,
  formData: FormData,
) {
  return start(previous, formData);
}

export async function confirmEnrolmentAction(
  previous: ActionState<{ recoveryCodes: string[] }>,
  formData: FormData,
) {
  return confirm(previous, formData);
}

export async function regenerateRecoveryCodesAction(
  previous: ActionState<{ recoveryCodes: string[] }>,
  formData: FormData,
) {
  return regenerate(previous, formData);
}

export async function removeFactorAction(previous: ActionState, formData: FormData) {
  return remove(previous, formData);
}
