import 'server-only';
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Transaction } from '@/db/scope';
import {
  invitations,
  memberRoles,
  memberships,
  tenantRoles,
  type MemberRole,
  type RoleColumn,
} from '@/db/schema';
import { isUniqueViolation } from '@/db/errors';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import {
  canGrant,
  isPermission,
  permissions as allPermissions,
  permissionsOf,
  roleDescriptions,
  roleLabels,
  rolePermissions,
  type Permission,
  type PermissionHolder,
} from '@/lib/rbac';

/**
 * A role as members, invitations and the role matrix name it. `key` is what forms send: a
 * built-in role's name ('admin') or a custom role's id. `role` and `customRoleId` are what the
 * membership or invitation row stores.
 */
export type RoleDTO = {
  key: string;
  role: RoleColumn;
  customRoleId: string | null;
  name: string;
  description: string;
  permissions: Permission[];
  builtIn: boolean;
};

/** Who acts on roles and members: a signed-in member of this tenant (a ViewerDTO fits). */
export type RoleActor = PermissionHolder & { userId: string; membershipId: string };

type Scope = { tenantId: string; actor: RoleActor; request?: RequestMeta };

export const roleKeySchema = z.union([z.enum(memberRoles), z.uuid()], {
  message: 'Choose a role.',
});

export function builtInRole(role: MemberRole): RoleDTO {
  return {
    key: role,
    role,
    customRoleId: null,
    name: roleLabels[role],
    description: roleDescriptions[role],
    permissions: [...rolePermissions[role]],
    builtIn: true,
  };
}

function customRole(row: typeof tenantRoles.$inferSelect): RoleDTO {
  return {
    key: row.id,
    role: 'custom',
    customRoleId: row.id,
    name: row.name,
    description: row.description,
    permissions: permissionsOf('custom', row.permissions),
    builtIn: false,
  };
}

/** The role a membership or invitation row holds, for display and grant checks. */
export function roleOfRow(row: {
  role: RoleColumn;
  customRoleId: string | null;
  customRoleName: string | null;
  customRoleDescription: string | null;
  customRolePermissions: string[] | null;
}): Pick<RoleDTO, 'key' | 'name' | 'description' | 'permissions'> {
  if (row.role !== 'custom') {
    const { key, name, description, permissions } = builtInRole(row.role);
    return { key, name, description, permissions };
  }
  return {
    key: row.customRoleId ?? '',
    name: row.customRoleName ?? 'Deleted role',
    description: row.customRoleDescription ?? '',
    permissions: permissionsOf('custom', row.customRolePermissions),
  };
}

/** Columns to select (with a left join on tenant_roles) for `roleOfRow`. */
export const customRoleColumns = {
  customRoleName: tenantRoles.name,
  customRoleDescription: tenantRoles.description,
  customRolePermissions: tenantRoles.permissions,
};

/** Built-in roles first, in their fixed order, then the tenant's own by name. */
export async function listRoles(tx: Transaction, params: { tenantId: string }): Promise<RoleDTO[]> {
  const custom = await tx
    .select()
    .from(tenantRoles)
    .where(eq(tenantRoles.tenantId, params.tenantId))
    .orderBy(asc(sql`lower(${tenantRoles.name})`), asc(tenantRoles.id));
  return [...memberRoles.map(builtInRole), ...custom.map(customRole)];
}

/** How many members hold each custom role, by role id. */
export async function countMembersByCustomRole(
  tx: Transaction,
  params: { tenantId: string },
): Promise<Map<string, number>> {
  const rows = await tx
    .select({ id: memberships.customRoleId, members: count() })
    .from(memberships)
    .where(and(eq(memberships.tenantId, params.tenantId), eq(memberships.role, 'custom')))
    .groupBy(memberships.customRoleId);
  return new Map(rows.map((row) => [row.id ?? '', row.members]));
}

/** The role a form's key names in this tenant; a custom role of another tenant is unknown here. */
export async function resolveRole(
  tx: Transaction,
  params: { tenantId: string; key: string; lock?: boolean },
): Promise<RoleDTO> {
  const key = params.key as MemberRole;
  if (memberRoles.includes(key)) return builtInRole(key);
  const query = tx
    .select()
    .from(tenantRoles)
    .where(and(eq(tenantRoles.tenantId, params.tenantId), eq(tenantRoles.id, params.key)));
  const [row] = params.lock ? await query.for('share') : await query;
  if (!row) {
    throw new AppError('invalid_input', 'That role does not exist any more.', {
      fieldErrors: { role: ['Choose one of the roles listed.'] },
    });
  }
  return customRole(row);
}

/** Refuses to hand out a role that holds a permission the actor lacks. */
export function assertCanGrant(actor: PermissionHolder, role: Pick<RoleDTO, 'permissions'>) {
  if (!canGrant(actor, role.permissions)) {
    throw new AppError('forbidden', 'You cannot grant a role with permissions you do not hold.', {
      fieldErrors: { role: ['This role has permissions you do not hold.'] },
    });
  }
}

const permissionList = z
  .array(z.string())
  .transform((names) => [...new Set(names)])
  .pipe(z.array(z.string().refine(isPermission, { message: 'Unknown permission.' })))
  .transform((names) => allPermissions.filter((p) => names.includes(p)));

export const roleInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Give the role a name.')
    .max(60, 'At most 60 characters.')
    .refine(
      (name) => !memberRoles.some((role) => roleLabels[role].toLowerCase() === name.toLowerCase()),
      'That is the name of a built-in role.',
    ),
  description: z.string().trim().max(200, 'At most 200 characters.').default(''),
  // A form with no box ticked sends no field at all.
  permissions: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]))
    .pipe(permissionList),
});
export const updateRoleInput = roleInput.extend({ roleId: z.uuid({ message: 'No such role.' }) });
export const deleteRoleInput = z.object({ roleId: z.uuid({ message: 'No such role.' }) });

function nameTaken(error: unknown): never {
  if (isUniqueViolation(error, 'tenant_roles_tenant_name_key')) {
    throw new AppError('conflict', 'Another role has that name.', {
      fieldErrors: { name: ['Another role has that name.'] },
    });
  }
  throw error;
}

/** Creates a custom role; nobody creates a role with a permission they do not hold. */
export async function createRole(
  tx: Transaction,
  params: Scope & z.output<typeof roleInput>,
): Promise<RoleDTO> {
  assertCanGrant(params.actor, params);
  const [row] = await tx
    .insert(tenantRoles)
    .values({
      tenantId: params.tenantId,
      name: params.name,
      description: params.description,
      permissions: params.permissions,
    })
    .returning()
    .catch(nameTaken);
  if (!row) throw new Error('role insert returned no row');
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: { type: 'user', id: params.actor.userId },
    action: 'role.created',
    target: { type: 'role', id: row.id },
    metadata: { name: row.name, permissions: params.permissions },
    request: params.request,
  });
  return customRole(row);
}

async function loadEditableRole(tx: Transaction, params: Scope & { roleId: string }) {
  const [row] = await tx
    .select()
    .from(tenantRoles)
    .where(and(eq(tenantRoles.tenantId, params.tenantId), eq(tenantRoles.id, params.roleId)))
    .for('update');
  if (!row) throw new AppError('not_found', 'That role does not exist any more.');
  const role = customRole(row);
  // Editing a role changes what its holders may do: only someone who holds all of it may.
  if (!canGrant(params.actor, role.permissions)) {
    throw new AppError(
      'forbidden',
      'That role has permissions you do not hold, so you cannot change it.',
    );
  }
  return role;
}

/**
 * Renames a custom role or changes its permissions. Holders get the new permissions at their
 * next request (a viewer's permissions are read with the session, every time).
 */
export async function updateRole(
  tx: Transaction,
  params: Scope & z.output<typeof updateRoleInput>,
): Promise<RoleDTO> {
  const before = await loadEditableRole(tx, params);
  assertCanGrant(params.actor, params);
  const [row] = await tx
    .update(tenantRoles)
    .set({
      name: params.name,
      description: params.description,
      permissions: params.permissions,
      updatedAt: sql`now()`,
    })
    .where(and(eq(tenantRoles.tenantId, params.tenantId), eq(tenantRoles.id, params.roleId)))
    .returning()
    .catch(nameTaken);
  if (!row) throw new AppError('not_found', 'That role does not exist any more.');
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: { type: 'user', id: params.actor.userId },
    action: 'role.updated',
    target: { type: 'role', id: row.id },
    metadata: {
      name: row.name,
      ...(before.name !== row.name ? { renamedFrom: before.name } : {}),
      granted: params.permissions.filter((p) => !before.permissions.includes(p)),
      revoked: before.permissions.filter((p) => !params.permissions.includes(p)),
    },
    request: params.request,
  });
  return customRole(row);
}

/**
 * Deletes a custom role nobody holds. Open invitations naming it are revoked with it (an
 * invitation cannot outlive its role); accepted ones keep their history.
 */
export async function deleteRole(
  tx: Transaction,
  params: Scope & z.output<typeof deleteRoleInput>,
): Promise<void> {
  const role = await loadEditableRole(tx, params);
  const [held] = await tx
    .select({ members: count() })
    .from(memberships)
    .where(and(eq(memberships.tenantId, params.tenantId), eq(memberships.customRoleId, role.key)));
  if ((held?.members ?? 0) > 0) {
    throw new AppError(
      'conflict',
      `${held!.members === 1 ? 'One member has' : `${held!.members} members have`} this role: give them another role first.`,
    );
  }
  const revoked = await tx
    .update(invitations)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(invitations.tenantId, params.tenantId),
        eq(invitations.customRoleId, role.key),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
      ),
    )
    .returning({ id: invitations.id });
  await tx
    .delete(tenantRoles)
    .where(and(eq(tenantRoles.tenantId, params.tenantId), eq(tenantRoles.id, role.key)));
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: { type: 'user', id: params.actor.userId },
    action: 'role.deleted',
    target: { type: 'role', id: role.key },
    metadata: {
      name: role.name,
      permissions: role.permissions,
      invitationsRevoked: revoked.length,
    },
    request: params.request,
  });
}
