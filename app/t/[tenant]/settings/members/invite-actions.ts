'use server';

import { revalidatePath } from 'next/cache';
import { tenantAction, type ActionState } from '@/lib/actions';
import {
  createInvitation,
  deliverInvitation,
  inviteMemberInput,
  revokeInvitation,
  revokeInvitationInput,
  type CreatedInvitation,
} from '@/lib/invitations';

// Each export delegates to its wrapped action (lib/actions/server-actions.test.ts). lib/invitations
// applies the guards (nobody invites with a role they could not grant; the members limit counts
// open invitations) and audits in the action's transaction; the e-mail goes out after the commit.

const refresh = () => revalidatePath('/settings/members');

const invite = tenantAction(
  { name: 'invitation.create', input: inviteMemberInput, permission: 'members:manage' },
  ({ tx, ctx, input }) =>
    createInvitation(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.viewer,
      request: ctx.request,
      ...input,
    }),
  async (created) => {
    await deliverInvitation(created);
    refresh();
  },
);

const revoke = tenantAction(
  { name: 'invitation.revoke', input: revokeInvitationInput, permission: 'members:manage' },
  ({ tx, ctx, input }) =>
    revokeInvitation(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.viewer,
      request: ctx.request,
      ...input,
    }),
  refresh,
);

export async function inviteMemberAction(
  previous: ActionState<CreatedInvitation>,
  formData: FormData,
) {
  return invite(previous, formData);
}

export async function revokeInvitationAction(previous: ActionState, formData: FormData) {
  return revoke(previous, formData);
}
