import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { requireMember } from '@/lib/actions';
import { canGrantRole, roleDescriptions, roleHasPermission } from '@/lib/rbac';
import { withTenant } from '@/lib/tenancy';
import { listMembers, memberRoleLabels, memberRoles } from '@/lib/members';
import { Forbidden } from '../../_components/forbidden';
import {
  changeMemberRoleAction,
  removeMemberAction,
  revokeMemberSessionsAction,
  transferOwnershipAction,
} from './actions';
import { ConfirmMemberAction, RoleForm } from './_components/member-controls';
import { InviteSection } from './_components/invite-section';

export const metadata = { title: 'Members' };

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

export default async function MembersPage() {
  const { tenant, viewer, allowed } = await requireMember('members:read');
  if (!allowed) return <Forbidden />;
  const members = await withTenant(tenant.id, (tx) => listMembers(tx, { tenantId: tenant.id }));
  const canManage = roleHasPermission(viewer.role, 'members:manage');
  const grantable = memberRoles
    .filter((role) => canGrantRole(viewer.role, role))
    .map((role) => ({ value: role, label: memberRoleLabels[role] }));
  const canTransfer = canManage && canGrantRole(viewer.role, 'owner');

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
            const manageable = canManage && canGrantRole(viewer.role, member.role);
            return (
              <Tr key={member.membershipId}>
                <Th scope="row">
                  {member.name}
                  {self ? <span className="text-slate-500"> (you)</span> : null}
                </Th>
                <Td className="text-slate-600">{member.email}</Td>
                <Td>
                  {manageable ? (
                    <RoleForm
                      action={changeMemberRoleAction}
                      membershipId={member.membershipId}
                      name={member.name}
                      role={member.role}
                      options={grantable}
                    />
                  ) : (
                    <span title={roleDescriptions[member.role]}>
                      {memberRoleLabels[member.role]}
                    </span>
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
                        <ConfirmMemberAction
                          action={transferOwnershipAction}
                          membershipId={member.membershipId}
                          label={`Make ${member.name} owner`}
                          title={`Hand ownership to ${member.name}?`}
                          body="They become an owner and you become an admin. You cannot undo this yourself."
                          confirmLabel="Hand over ownership"
                          pendingLabel="Handing over…"
                        />
                      ) : null}
                      {manageable && !self ? (
                        <ConfirmMemberAction
                          action={revokeMemberSessionsAction}
                          membershipId={member.membershipId}
                          label={`Sign ${member.name} out everywhere`}
                          title={`Sign ${member.name} out everywhere?`}
                          body="Every session they have in this workspace ends at its next request. They can sign in again."
                          confirmLabel="Sign out everywhere"
                          pendingLabel="Signing out…"
                        />
                      ) : null}
                      {manageable ? (
                        <ConfirmMemberAction
                          action={removeMemberAction}
                          membershipId={member.membershipId}
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
      {canManage ? (
        <InviteSection tenantId={tenant.id} viewerRole={viewer.role} roles={grantable} />
      ) : null}
      <dl className="grid gap-2 text-sm text-slate-600 sm:grid-cols-2">
        {memberRoles.map((role) => (
          <div key={role}>
            <dt className="inline font-medium text-slate-800">{memberRoleLabels[role]}:</dt>{' '}
            <dd className="inline">{roleDescriptions[role]}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
