import { Badge } from '@/components/ui/badge';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { listInvitations } from '@/lib/invitations';
import { canGrant, type PermissionHolder } from '@/lib/rbac';
import { withTenant } from '@/lib/tenancy';
import { inviteMemberAction, revokeInvitationAction } from '../invite-actions';
import { InviteForm } from './invite-form';
import { InviteRevokeButton } from './invite-revoke-button';

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

/**
 * Invitations, for members who may manage members: the invite form (roles the viewer may grant)
 * and the open invitations with their revoke buttons. The actions check everything again.
 */
export async function InviteSection({
  tenantId,
  viewer,
  roles,
}: {
  tenantId: string;
  viewer: PermissionHolder;
  roles: { value: string; label: string }[];
}) {
  const invitations = await withTenant(tenantId, (tx) => listInvitations(tx, { tenantId }));
  return (
    <section aria-labelledby="invitations-heading" className="space-y-4">
      <h2 id="invitations-heading" className="text-xl font-semibold">
        Invitations
      </h2>
      <InviteForm action={inviteMemberAction} roles={roles} />
      {invitations.length === 0 ? (
        <p className="text-sm text-slate-600">No open invitations.</p>
      ) : (
        <Table caption="Open invitations">
          <TableHead>
            <tr>
              <Th>E-mail</Th>
              <Th>Role</Th>
              <Th>Invited by</Th>
              <Th>Expires</Th>
              <Th>Actions</Th>
            </tr>
          </TableHead>
          <tbody>
            {invitations.map((invitation) => (
              <Tr key={invitation.id}>
                <Th scope="row">{invitation.email}</Th>
                <Td>{invitation.roleName}</Td>
                <Td className="text-slate-600">{invitation.invitedByName ?? '—'}</Td>
                <Td className="whitespace-nowrap text-slate-600">
                  {invitation.status === 'expired' ? (
                    <Badge tone="warning">Expired</Badge>
                  ) : (
                    <time dateTime={invitation.expiresAt.toISOString()}>
                      {dateFormat.format(invitation.expiresAt)}
                    </time>
                  )}
                </Td>
                <Td>
                  {canGrant(viewer, invitation.permissions) ? (
                    <InviteRevokeButton
                      action={revokeInvitationAction}
                      invitationId={invitation.id}
                      email={invitation.email}
                    />
                  ) : null}
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}
