import 'server-only';
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Transaction } from '@/db/scope';
import { memberships, mfaFactors, tenantRoles, users, type RoleColumn } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { revokeSessionsOf } from '@/lib/auth/sessions';
import { resetFactor } from '@/lib/mfa';
import { canGrant, permissionsOf, rolePermissions, type Permission } from '@/lib/rbac';
import {
  assertCanGrant,
  builtInRole,
  customRoleColumns,
  resolveRole,
  roleKeySchema,
  roleOfRow,
  type RoleActor,
  type RoleDTO,
} from '@/lib/roles';

export type MemberDTO = {
  membershipId: string;
  userId: string;
  name: string;
  email: string;
  role: RoleColumn;
  /** What a role select submits for this member's role: a built-in name or a custom role's id. */
  roleKey: string;
  roleName: string;
  roleDescription: string;
  permissions: Permission[];
  /** Signs in with a confirmed second factor. */
  mfaEnabled: boolean;
  joinedAt: Date;
};

export const membershipIdSchema = z.uuid({ message: 'Not a member of this workspace.' });
export const changeMemberRoleInput = z.object({
  membershipId: membershipIdSchema,
  role: roleKeySchema,
});
export const removeMemberInput = z.object({ membershipId: membershipIdSchema });

/** Who acts: a signed-in member of this tenant with their permissions (a ViewerDTO fits). */
export type MemberActor = RoleActor;
type Scope = { tenantId: string; actor: MemberActor; request?: RequestMeta };

const withCustomRole = and(
  eq(tenantRoles.tenantId, memberships.tenantId),
  eq(tenantRoles.id, memberships.customRoleId),
);

export async function listMembers(
  tx: Transaction,
  params: { tenantId: string },
): Promise<MemberDTO[]> {
  const rows = await tx
    .select({
      membershipId: memberships.id,
      userId: users.id,
      name: users.name,
      email: users.email,
      role: memberships.role,
      customRoleId: memberships.customRoleId,
      ...customRoleColumns,
      mfaEnabled: sql<boolean>`${mfaFactors.confirmedAt} is not null`,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .leftJoin(tenantRoles, withCustomRole)
    .leftJoin(
      mfaFactors,
      and(
        eq(mfaFactors.tenantId, memberships.tenantId),
        eq(mfaFactors.membershipId, memberships.id),
      ),
    )
    .where(eq(memberships.tenantId, params.tenantId))
    .orderBy(asc(users.name), asc(memberships.id));
  return rows.map((row) => {
    const role = roleOfRow(row);
    return {
      membershipId: row.membershipId,
      userId: row.userId,
      name: row.name,
      email: row.email,
      role: row.role,
      roleKey: role.key,
      roleName: role.name,
      roleDescription: role.description,
      permissions: role.permissions,
      mfaEnabled: row.mfaEnabled,
      joinedAt: row.joinedAt,
    };
  });
}

/**
 * The member to change, checked against the guards every change shares: the target exists in
 * this tenant, and its current role grants nothing the actor lacks (an admin cannot touch an
 * owner). The tenant's owner rows are locked first, so two concurrent demotions cannot leave
 * the workspace without an owner.
 */
async function loadTarget(tx: Transaction, params: Scope & { membershipId: string }) {
  await tx
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.tenantId, params.tenantId), eq(memberships.role, 'owner')))
    .for('update');
  const [row] = await tx
    .select({
      membershipId: memberships.id,
      userId: memberships.userId,
      role: memberships.role,
      customRoleId: memberships.customRoleId,
      ...customRoleColumns,
      email: users.email,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .leftJoin(tenantRoles, withCustomRole)
    .where(and(eq(memberships.tenantId, params.tenantId), eq(memberships.id, params.membershipId)));
  if (!row) throw new AppError('not_found', 'That person is not a member of this workspace.');
  const target = { ...row, current: roleOfRow(row) };
  if (!canGrant(params.actor, target.current.permissions)) {
    throw new AppError(
      'forbidden',
      'That member’s role has permissions you do not hold, so you cannot change it.',
    );
  }
  return target;
}

async function assertAnotherOwner(tx: Transaction, tenantId: string): Promise<void> {
  const [row] = await tx
    .select({ owners: sql<number>`count(*)::int` })
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.role, 'owner')));
  if ((row?.owners ?? 0) <= 1) {
    throw new AppError('conflict', 'A workspace needs an owner: make someone else owner first.');
  }
}

export async function changeMemberRole(
  tx: Transaction,
  params: Scope & z.output<typeof changeMemberRoleInput>,
): Promise<void> {
  const target = await loadTarget(tx, params);
  // Locked for share: the role cannot be deleted or edited until this assignment commits.
  const next = await resolveRole(tx, { tenantId: params.tenantId, key: params.role, lock: true });
  await assignRole(tx, params, target, next);
}

async function assignRole(
  tx: Transaction,
  params: Scope,
  target: Awaited<ReturnType<typeof loadTarget>>,
  next: RoleDTO,
): Promise<void> {
  assertCanGrant(params.actor, next);
  if (target.current.key === next.key) return;
  if (target.role === 'owner') await assertAnotherOwner(tx, params.tenantId);
  await tx
    .update(memberships)
    .set({ role: next.role, customRoleId: next.customRoleId })
    .where(and(eq(memberships.tenantId, params.tenantId), eq(memberships.id, target.membershipId)));
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: { type: 'user', id: params.actor.userId },
    action: 'member.role_changed',
    target: { type: 'user', id: target.userId },
    metadata: { email: target.email, from: target.current.name, to: next.name },
    request: params.request,
  });
}

/** Removes a membership; its sessions go with it (foreign key cascade), so access ends at once. */
export async function removeMember(
  tx: Transaction,
  params: Scope & z.output<typeof removeMemberInput>,
): Promise<void> {
  const target = await loadTarget(tx, params);
  if (target.role === 'owner') await assertAnotherOwner(tx, params.tenantId);
  await tx
    .delete(memberships)
    .where(and(eq(memberships.tenantId, params.tenantId), eq(memberships.id, target.membershipId)));
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: { type: 'user', id: params.actor.userId },
    action: 'member.removed',
    target: { type: 'user', id: target.userId },
    metadata: { email: target.email, role: target.current.name },
    request: params.request,
  });
}

/** The owner hands ownership to another member and becomes an admin, in one transaction. */
export async function transferOwnership(
  tx: Transaction,
  params: Scope & { membershipId: string },
): Promise<void> {
  // Only someone who could grant the owner role (an owner) may hand it over.
  if (!canGrant(params.actor, rolePermissions.owner)) {
    throw new AppError('forbidden', 'Only an owner can hand over ownership.');
  }
  if (params.membershipId === params.actor.membershipId) {
    throw new AppError('invalid_input', 'Choose another member to hand ownership to.', {
      fieldErrors: { membershipId: ['Choose another member.'] },
    });
  }
  const newOwner = await loadTarget(tx, params);
  await assignRole(tx, params, newOwner, builtInRole('owner'));
  const formerOwner = await loadTarget(tx, { ...params, membershipId: params.actor.membershipId });
  await assignRole(tx, params, formerOwner, builtInRole('admin'));
}

/** Signs a member out everywhere in this tenant (an admin's remedy for a lost device). */
export async function revokeMemberSessions(
  tx: Transaction,
  params: Scope & { membershipId: string },
): Promise<number> {
  const target = await loadTarget(tx, params);
  return revokeSessionsOf(tx, {
    tenantId: params.tenantId,
    userId: target.userId,
    actor: { type: 'user', id: params.actor.userId },
    request: params.request,
  });
}

/**
 * For a member who lost their authenticator: their second factor and recovery codes are removed
 * and their sessions end. Where the workspace requires MFA they enrol again at next sign-in.
 */
export async function resetMemberTwoFactor(
  tx: Transaction,
  params: Scope & { membershipId: string },
): Promise<void> {
  const target = await loadTarget(tx, params);
  const actor = { type: 'user', id: params.actor.userId } as const;
  const reset = await resetFactor(tx, {
    tenantId: params.tenantId,
    membershipId: target.membershipId,
    actor,
    request: params.request,
  });
  if (!reset) throw new AppError('not_found', 'That member does not use two-factor sign-in.');
  await revokeSessionsOf(tx, {
    tenantId: params.tenantId,
    userId: target.userId,
    actor,
    request: params.request,
  });
}

/** E-mail addresses of the tenant's members holding `permission` (notices and alerts go to them). */
export async function emailsOfMembersWith(
  tx: Transaction,
  tenantId: string,
  permission: Permission,
): Promise<string[]> {
  const rows = await tx
    .select({ email: users.email, role: memberships.role, custom: tenantRoles.permissions })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .leftJoin(
      tenantRoles,
      and(
        eq(tenantRoles.tenantId, memberships.tenantId),
        eq(tenantRoles.id, memberships.customRoleId),
      ),
    )
    .where(eq(memberships.tenantId, tenantId));
  return rows
    .filter((row) => permissionsOf(row.role, row.custom).includes(permission))
    .map((row) => row.email)
    .sort();
}
