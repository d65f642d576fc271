import 'server-only';
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Transaction } from '@/db/scope';
import { memberRoles, memberships, users, type MemberRole } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { revokeSessionsOf } from '@/lib/auth/sessions';
import { canGrantRole } from '@/lib/rbac';

export { memberRoles, type MemberRole };

export const memberRoleLabels: Readonly<Record<MemberRole, string>> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
  viewer: 'Viewer',
  billing: 'Billing',
};

export type MemberDTO = {
  membershipId: string;
  userId: string;
  name: string;
  email: string;
  role: MemberRole;
  joinedAt: Date;
};

export const memberRoleSchema = z.enum(memberRoles, { message: 'Choose a role.' });
export const membershipIdSchema = z.uuid({ message: 'Not a member of this workspace.' });
export const changeMemberRoleInput = z.object({
  membershipId: membershipIdSchema,
  role: memberRoleSchema,
});
export const removeMemberInput = z.object({ membershipId: membershipIdSchema });

/** Who acts: their membership and role in this tenant (the viewer of a tenant action). */
export type MemberActor = { userId: string; membershipId: string; role: MemberRole };
type Scope = { tenantId: string; actor: MemberActor; request?: RequestMeta };

export async function listMembers(
  tx: Transaction,
  params: { tenantId: string },
): Promise<MemberDTO[]> {
  return tx
    .select({
      membershipId: memberships.id,
      userId: users.id,
      name: users.name,
      email: users.email,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tenantId, params.tenantId))
    .orderBy(asc(users.name), asc(memberships.id));
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
  const [target] = await tx
    .select({
      membershipId: memberships.id,
      userId: memberships.userId,
      role: memberships.role,
      email: users.email,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, params.tenantId), eq(memberships.id, params.membershipId)));
  if (!target) throw new AppError('not_found', 'That person is not a member of this workspace.');
  if (!canGrantRole(params.actor.role, target.role)) {
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
  if (!canGrantRole(params.actor.role, params.role)) {
    throw new AppError('forbidden', 'You cannot grant a role with permissions you do not hold.', {
      fieldErrors: { role: ['This role has permissions you do not hold.'] },
    });
  }
  if (target.role === params.role) return;
  if (target.role === 'owner') await assertAnotherOwner(tx, params.tenantId);
  await tx
    .update(memberships)
    .set({ role: params.role })
    .where(and(eq(memberships.tenantId, params.tenantId), eq(memberships.id, target.membershipId)));
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: { type: 'user', id: params.actor.userId },
    action: 'member.role_changed',
    target: { type: 'user', id: target.userId },
    metadata: { email: target.email, from: target.role, to: params.role },
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
    metadata: { email: target.email, role: target.role },
    request: params.request,
  });
}

/** The owner hands ownership to another member and becomes an admin, in one transaction. */
export async function transferOwnership(
  tx: Transaction,
  params: Scope & { membershipId: string },
): Promise<void> {
  // Only someone who could grant the owner role (an owner) may hand it over.
  if (!canGrantRole(params.actor.role, 'owner')) {
    throw new AppError('forbidden', 'Only an owner can hand over ownership.');
  }
  if (params.membershipId === params.actor.membershipId) {
    throw new AppError('invalid_input', 'Choose another member to hand ownership to.', {
      fieldErrors: { membershipId: ['Choose another member.'] },
    });
  }
  await changeMemberRole(tx, { ...params, role: 'owner' });
  await changeMemberRole(tx, { ...params, membershipId: params.actor.membershipId, role: 'admin' });
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
