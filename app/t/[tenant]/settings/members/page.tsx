import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { requireMember } from '@/lib/actions';
import { canGrant, hasPermission, rolePermissions } from '@/lib/rbac';
import { listRoles } from '@/lib/roles';
import { withTenant } from '@/lib/tenancy';
import { listMembers } from '@/lib/members';
import { Forbidden } from '../../_components/forbidden';
import {
  changeMemberRoleAction,
  removeMemberAction,
  resetMemberTwoFactorAction,
  revokeMemberSessionsAction,
  transferOwnershipAction,
} from './actions';
import { ConfirmAction } from '@/components/forms/confirm-action';
import { RoleForm } from './_components/member-controls';
import { InviteSection } from './_components/invite-section';

export const metadata = { title: 'Members' };

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

export default async function MembersPage() {
  const { tenant, viewer, allowed } = await requireMember('members:read');
  if (!allowed) return <Forbidden />;
  const [members, roles] = await withTenant(tenant.id, (tx) =>
    Promise.all([listMembers(tx, { tenantId: tenant.id }), listRoles(tx, { tenantId: tenant.id })]),
  );
  const canManage = hasPermission(viewer, 'members:manage');
  const grantable = roles
    .filter((role) => canGrant(viewer, role.permissions))
    .map((role) => ({ value: role.key, label: role.name }));
  const canTransfer = canManage && canGrant(viewer, rolePermissions.owner);

  return (
    <section aria-labelledby="members-heading" className="space-y-6">
      <div>
        <h1 id="members-heading" className="text-2xl font-semibold">
          Members
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          {members.length === 1 ? 'One person' : `${members.length} people`} can sign in to{' '}
          {tenant.name}. {canManage ? 'You can change the roles you could grant yourself.' : null}
        </p>
      </div>
      <Table caption="Members of this workspace">
        <TableHead>
          <tr>
            <Th>Name</Th>
            <Th>E-mail</Th>
            <Th>Role</Th>
            <Th>Member since</Th>
            {canManage ? <Th>Actions</Th> : null}
          </tr>
        </TableHead>
        <tbody>
          {members.map((member) => {
            const self = member.membershipId === viewer.membershipId;
            const manageable = canManage && canGrant(viewer, member.permissions);
            return (
              <Tr key={member.membershipId}>
                <Th scope="row">
                  {member.name}
                  {self ? <span className="text-slate-500"> (you)</span> : null}
                  {member.mfaEnabled ? (
                    <span className="block text-xs font-normal text-slate-500">Two-factor on</span>
                  ) : null}
                </Th>
                <Td className="text-slate-600">{member.email}</Td>
                <Td>
                  {manageable ? (
                    <RoleForm
                      action={changeMemberRoleAction}
                      membershipId={member.membershipId}
                      name={member.name}
                      role={member.roleKey}
                      options={grantable}
                    />
                  ) : (
                    <span title={member.roleDescription || undefined}>{member.roleName}</span>
                  )}
                </Td>
                <Td className="whitespace-nowrap text-slate-600">
                  <time dateTime={member.joinedAt.toISOString()}>
                    {dateFormat.format(member.joinedAt)}
                  </time>
                </Td>
                {canManage ? (
                  <Td>
                    <div className="flex flex-wrap gap-2">
                      {canTransfer && !self && member.role !== 'owner' ? (
                        <ConfirmAction
                          action={transferOwnershipAction}
                          fields={{ membershipId: member.membershipId }}
                          label={`Make ${member.name} owner`}
                          title={`Hand ownership to ${member.name}?`}
                          body="They become an owner and you become an admin. You cannot undo this yourself."
                          confirmLabel="Hand over ownership"
                          pendingLabel="Handing over…"
                        />
                      ) : null}
                      {manageable && !self ? (
                        <ConfirmAction
                          action={revokeMemberSessionsAction}
                          fields={{ membershipId: member.membershipId }}
                          label={`Sign ${member.name} out everywhere`}
                          title={`Sign ${member.name} out everywhere?`}
                          body="Every session they have in this workspace ends at its next request. They can sign in again."
                          confirmLabel="Sign out everywhere"
                          pendingLabel="Signing out…"
                        />
                      ) : null}
                      {manageable && !self && member.mfaEnabled ? (
                        <ConfirmAction
                          action={resetMemberTwoFactorAction}
                          fields={{ membershipId: member.membershipId }}
                          label={`Reset two-factor of ${member.name}`}
                          title={`Reset ${member.name}’s two-factor sign-in?`}
                          body="For a lost authenticator: their second factor and recovery codes are removed and they are signed out everywhere. Where two-factor sign-in is required, they set it up again at their next sign-in."
                          confirmLabel="Reset two-factor"
                          pendingLabel="Resetting…"
                        />
                      ) : null}
                      {manageable ? (
                        <ConfirmAction
                          action={removeMemberAction}
                          fields={{ membershipId: member.membershipId }}
                          label={self ? 'Leave workspace' : `Remove ${member.name}`}
                          title={self ? `Leave ${tenant.name}?` : `Remove ${member.name}?`}
                          body="Their access ends at once: every session they have here is signed out."
                          confirmLabel={self ? 'Leave' : 'Remove member'}
                          pendingLabel="Removing…"
                          variant="danger"
                        />
                      ) : null}
                    </div>
                  </Td>
                ) : null}
              </Tr>
            );
          })}
        </tbody>
      </Table>
      {canManage ? <InviteSection tenantId={tenant.id} viewer={viewer} roles={grantable} /> : null}
      <dl className="grid gap-2 text-sm text-slate-600 sm:grid-cols-2">
        {roles.map((role) => (
          <div key={role.key}>
            <dt className="inline font-medium text-slate-800">{role.name}:</dt>{' '}
            <dd className="inline">{role.description || 'A role of this workspace'}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
