'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { tenantAction, type ActionState } from '@/lib/actions';
import {
  changeMemberRole,
  changeMemberRoleInput,
  membershipIdSchema,
  removeMember,
  removeMemberInput,
  resetMemberTwoFactor,
  revokeMemberSessions,
  transferOwnership,
} from '@/lib/members';

// Next.js accepts only async function declarations as exports of a 'use server' file, so each
// export delegates to its wrapped action. lib/members applies the guards (nobody grants what
// they lack; the last owner stays) and audits each change in the action's transaction. The
// signed-in viewer is the acting member (its user, membership and role).

const refresh = () => revalidatePath('/settings/members');

const changeRole = tenantAction(
  { name: 'member.change_role', input: changeMemberRoleInput, permission: 'members:manage' },
  ({ tx, ctx, input }) =>
    changeMemberRole(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.viewer,
      request: ctx.request,
      ...input,
    }),
  refresh,
);

const remove = tenantAction(
  { name: 'member.remove', input: removeMemberInput, permission: 'members:manage' },
  ({ tx, ctx, input }) =>
    removeMember(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.viewer,
      request: ctx.request,
      ...input,
    }),
  refresh,
);

const transfer = tenantAction(
  {
    name: 'member.transfer_ownership',
    input: z.object({ membershipId: membershipIdSchema }),
    permission: 'members:manage',
  },
  ({ tx, ctx, input }) =>
    transferOwnership(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.viewer,
      request: ctx.request,
      ...input,
    }),
  refresh,
);

const signOutEverywhere = tenantAction(
  { name: 'member.revoke_sessions', input: removeMemberInput, permission: 'members:manage' },
  async ({ tx, ctx, input }) => {
    await revokeMemberSessions(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.viewer,
      request: ctx.request,
      ...input,
    });
  },
  refresh,
);

const resetTwoFactor = tenantAction(
  { name: 'member.reset_mfa', input: removeMemberInput, permission: 'members:manage' },
  ({ tx, ctx, input }) =>
    resetMemberTwoFactor(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.viewer,
      request: ctx.request,
      ...input,
    }),
  refresh,
);

export async function changeMemberRoleAction(previous: ActionState, formData: FormData) {
  return changeRole(previous, formData);
}

export async function removeMemberAction(previous: ActionState, formData: FormData) {
  return remove(previous, formData);
}

export async function transferOwnershipAction(previous: ActionState, formData: FormData) {
  return transfer(previous, formData);
}

export async function revokeMemberSessionsAction(previous: ActionState, formData: FormData) {
  return signOutEverywhere(previous, formData);
}

export async function resetMemberTwoFactorAction(previous: ActionState, formData: FormData) {
  return resetTwoFactor(previous, formData);
}
