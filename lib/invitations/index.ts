import 'server-only';
import { z } from 'zod';
import { roleKeySchema } from '@/lib/roles';
import { emailSchema } from '@/lib/tenancy';

export {
  createInvitation,
  deliverInvitation,
  listInvitations,
  revokeInvitation,
  type CreatedInvitation,
  type InvitationDTO,
  type InvitationStatus,
} from './invitations';
export {
  acceptInvitation,
  acceptInvitationInput,
  previewInvitation,
  type AcceptedInvitation,
  type AcceptInvitationAttempt,
  type InvitationPreview,
} from './accept';
export { INVITATION_TTL_DAYS } from './tokens';

export const inviteMemberInput = z.object({ email: emailSchema, role: roleKeySchema });
export const revokeInvitationInput = z.object({
  invitationId: z.uuid({ message: 'That invitation is not open any more.' }),
});
