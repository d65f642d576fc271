'use server';

import { revalidatePath } from 'next/cache';
import { tenantAction, type ActionState } from '@/lib/actions';
import {
  createRole,
  deleteRole,
  deleteRoleInput,
  roleInput,
  updateRole,
  updateRoleInput,
  type RoleDTO,
} from '@/lib/roles';

// lib/roles applies the guard (nobody creates, edits or deletes a role holding a permission they
// lack) and audits each change in the action's transaction.

const refresh = () => {
  revalidatePath('/settings/roles');
  revalidatePath('/settings/members');
};

const create = tenantAction(
  { name: 'role.create', input: roleInput, permission: 'roles:manage' },
  ({ tx, ctx, input }) =>
    createRole(tx, { tenantId: ctx.tenant.id, actor: ctx.viewer, request: ctx.request, ...input }),
  refresh,
);

const update = tenantAction(
  { name: 'role.update', input: updateRoleInput, permission: 'roles:manage' },
  ({ tx, ctx, input }) =>
    updateRole(tx, { tenantId: ctx.tenant.id, actor: ctx.viewer, request: ctx.request, ...input }),
  refresh,
);

const remove = tenantAction(
  { name: 'role.delete', input: deleteRoleInput, permission: 'roles:manage' },
  ({ tx, ctx, input }) =>
    deleteRole(tx, { tenantId: ctx.tenant.id, actor: ctx.viewer, request: ctx.request, ...input }),
  refresh,
);

export async function createRoleAction(previous: ActionState<RoleDTO>, formData: FormData) {
  return create(previous, formData);
}

export async function updateRoleAction(previous: ActionState<RoleDTO>, formData: FormData) {
  return update(previous, formData);
}

export async function deleteRoleAction(previous: ActionState, formData: FormData) {
  return remove(previous, formData);
}
