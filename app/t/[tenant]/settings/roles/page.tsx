import { ConfirmAction } from '@/components/forms/confirm-action';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { requireMember } from '@/lib/actions';
import { canGrant, hasPermission, permissionDescriptions, permissions } from '@/lib/rbac';
import { countMembersByCustomRole, listRoles } from '@/lib/roles';
import { withTenant } from '@/lib/tenancy';
import { Forbidden } from '../../_components/forbidden';
import { createRoleAction, deleteRoleAction, updateRoleAction } from './actions';
import { NewRoleForm } from './_components/new-role-form';
import { RoleColumnForm } from './_components/role-column-form';

export const metadata = { title: 'Roles' };

const formIdOf = (roleId: string) => `role-${roleId}`;

/**
 * The role × permission matrix. Built-in roles are fixed; the workspace's own roles are edited
 * in place, one form per column (name, boxes and save button join it by their `form` attribute).
 * A column is editable only by someone who holds every permission it has, and only boxes for
 * permissions the editor holds can be ticked: nobody grants what they lack.
 */
export default async function RolesPage() {
  const { tenant, viewer, allowed } = await requireMember('members:read');
  if (!allowed) return <Forbidden />;
  const [roles, holders] = await withTenant(tenant.id, (tx) =>
    Promise.all([
      listRoles(tx, { tenantId: tenant.id }),
      countMembersByCustomRole(tx, { tenantId: tenant.id }),
    ]),
  );
  const canManage = hasPermission(viewer, 'roles:manage');
  const editable = (role: (typeof roles)[number]) =>
    canManage && !role.builtIn && canGrant(viewer, role.permissions);
  const custom = roles.filter((role) => !role.builtIn);

  return (
    <section aria-labelledby="roles-heading" className="space-y-6">
      <div>
        <h1 id="roles-heading" className="text-2xl font-semibold">
          Roles
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          What each role may do. Built-in roles are fixed;{' '}
          {custom.length === 0
            ? 'this workspace has no roles of its own yet.'
            : 'changes to the workspace’s own roles apply to their members at their next click.'}
        </p>
      </div>
      <div className="overflow-x-auto">
        <Table caption="Permissions of each role">
          <TableHead>
            <tr>
              <Th>Permission</Th>
              {roles.map((role) => (
                <Th key={role.key} className="min-w-28 align-bottom">
                  {editable(role) ? (
                    <>
                      <label htmlFor={`${formIdOf(role.key)}-name`} className="sr-only">
                        Name of role {role.name}
                      </label>
                      <input
                        id={`${formIdOf(role.key)}-name`}
                        form={formIdOf(role.key)}
                        name="name"
                        defaultValue={role.name}
                        required
                        maxLength={60}
                        className="w-28 rounded-md border border-slate-300 px-2 py-1 text-sm"
                      />
                      <input
                        type="hidden"
                        form={formIdOf(role.key)}
                        name="description"
                        value={role.description}
                      />
                    </>
                  ) : (
                    <span title={role.description || undefined}>{role.name}</span>
                  )}
                  {role.builtIn ? (
                    <span className="block text-xs font-normal text-slate-500">built-in</span>
                  ) : (
                    <span className="block text-xs font-normal text-slate-500">
                      {holders.get(role.key) ?? 0} member
                      {(holders.get(role.key) ?? 0) === 1 ? '' : 's'}
                    </span>
                  )}
                </Th>
              ))}
            </tr>
          </TableHead>
          <tbody>
            {permissions.map((permission) => (
              <Tr key={permission}>
                <Th scope="row">
                  {permissionDescriptions[permission]}
                  <code className="block text-xs font-normal text-slate-500">{permission}</code>
                </Th>
                {roles.map((role) => {
                  const granted = role.permissions.includes(permission);
                  return (
                    <Td key={role.key} className="text-center">
                      {editable(role) ? (
                        <input
                          type="checkbox"
                          form={formIdOf(role.key)}
                          name="permissions"
                          value={permission}
                          defaultChecked={granted}
                          disabled={!hasPermission(viewer, permission)}
                          aria-label={`${role.name}: ${permissionDescriptions[permission]}`}
                          className="accent-brand h-4 w-4"
                        />
                      ) : (
                        <span aria-label={granted ? 'Yes' : 'No'}>{granted ? '✓' : '—'}</span>
                      )}
                    </Td>
                  );
                })}
              </Tr>
            ))}
          </tbody>
          {custom.some(editable) ? (
            <tfoot>
              <tr>
                <Th scope="row">Changes</Th>
                {roles.map((role) => (
                  <Td key={role.key} className="align-top">
                    {editable(role) ? (
                      <div className="space-y-2">
                        <RoleColumnForm
                          formId={formIdOf(role.key)}
                          role={role}
                          action={updateRoleAction}
                        />
                        <ConfirmAction
                          action={deleteRoleAction}
                          fields={{ roleId: role.key }}
                          label={`Delete ${role.name}`}
                          title={`Delete the role ${role.name}?`}
                          body="Open invitations with this role are withdrawn. A role that members still hold cannot be deleted: give them another role first."
                          confirmLabel="Delete role"
                          pendingLabel="Deleting…"
                          variant="danger"
                        />
                      </div>
                    ) : null}
                  </Td>
                ))}
              </tr>
            </tfoot>
          ) : null}
        </Table>
      </div>
      {canManage ? (
        <NewRoleForm
          action={createRoleAction}
          permissions={permissions.map((name) => ({
            name,
            description: permissionDescriptions[name],
            grantable: hasPermission(viewer, name),
          }))}
        />
      ) : null}
    </section>
  );
}
