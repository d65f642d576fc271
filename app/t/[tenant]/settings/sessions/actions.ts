'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { tenantAction, type ActionState } from '@/lib/actions';
import { revokeSession, revokeSessionsOf } from '@/lib/auth';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action. Both act on the member's own sessions only
// (permission 'self'): the user id comes from the session, never from the form.

const revokeOne = tenantAction(
  {
    name: 'session.revoke',
    input: z.object({ sessionId: z.uuid({ message: 'Unknown session.' }) }),
    permission: 'self',
  },
  async ({ tx, ctx, input }) => {
    await revokeSession(tx, {
      tenantId: ctx.tenant.id,
      sessionId: input.sessionId,
      userId: ctx.viewer.userId,
      actor: ctx.actor,
      request: ctx.request,
      action: 'auth.session_revoked',
    });
  },
  () => revalidatePath('/settings/sessions'),
);

const revokeOthers = tenantAction(
  { name: 'session.revoke_others', input: z.object({}), permission: 'self' },
  ({ tx, ctx }) =>
    revokeSessionsOf(tx, {
      tenantId: ctx.tenant.id,
      userId: ctx.viewer.userId,
      keep: ctx.viewer.sessionId,
      actor: ctx.actor,
      request: ctx.request,
    }),
  () => revalidatePath('/settings/sessions'),
);

export async function revokeSessionAction(previous: ActionState, formData: FormData) {
  return revokeOne(previous, formData);
}

export async function revokeOtherSessionsAction(previous: ActionState<number>, formData: FormData) {
  return revokeOthers(previous, formData);
}
