import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { memberships, sessions, type MemberRole } from '@/db/schema';
import { withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import {
  changeMemberRole,
  listMembers,
  removeMember,
  revokeMemberSessions,
  transferOwnership,
  type MemberActor,
} from './index';
import { rolePermissions } from '@/lib/rbac';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

async function workspace(roles: MemberRole[]) {
  const tenant = await createTenant({ plan: 'pro' });
  const people: MemberActor[] = [];
  for (const role of roles) {
    const person = await createMember(tenant.id, { role });
    people.push({
      userId: person.userId,
      membershipId: person.membershipId,
      permissions: rolePermissions[role],
    });
  }
  return { tenant, people };
}

const roleOf = async (tenantId: string, membershipId: string) =>
  (
    await withTenant(tenantId, (tx) =>
      tx.select().from(memberships).where(eq(memberships.id, membershipId)),
    )
  )[0]?.role;

describe('members', () => {
  it('lists a tenant’s members only, by name', async () => {
    const { tenant, people } = await workspace(['owner', 'member']);
    await workspace(['owner']);
    const members = await withTenant(tenant.id, (tx) => listMembers(tx, { tenantId: tenant.id }));
    expect(members.map((m) => m.membershipId).sort()).toEqual(
      people.map((p) => p.membershipId).sort(),
    );
  });

  it('changes a role, audited with before and after; the same role again records nothing', async () => {
    const { tenant, people } = await workspace(['owner', 'member']);
    const [owner, member] = people as [MemberActor, MemberActor];
    await withTenant(tenant.id, (tx) =>
      changeMemberRole(tx, {
        tenantId: tenant.id,
        actor: owner,
        membershipId: member.membershipId,
        role: 'viewer',
      }),
    );
    await withTenant(tenant.id, (tx) =>
      changeMemberRole(tx, {
        tenantId: tenant.id,
        actor: owner,
        membershipId: member.membershipId,
        role: 'viewer',
      }),
    );
    expect(await roleOf(tenant.id, member.membershipId)).toBe('viewer');
    const events = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'member.role_changed' }),
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.metadata).toMatchObject({ from: 'Member', to: 'Viewer' });
  });

  it('never lets anyone grant what they do not hold, nor touch a member who holds more', async () => {
    const { tenant, people } = await workspace(['owner', 'admin', 'member']);
    const [owner, admin, member] = people as [MemberActor, MemberActor, MemberActor];
    const change = (actor: MemberActor, target: MemberActor, role: MemberRole) =>
      withTenant(tenant.id, (tx) =>
        changeMemberRole(tx, {
          tenantId: tenant.id,
          actor,
          membershipId: target.membershipId,
          role,
        }),
      );
    await expect(change(admin, member, 'owner')).rejects.toMatchObject({
      code: 'forbidden',
      fieldErrors: { role: expect.any(Array) },
    });
    await expect(change(admin, member, 'billing')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(change(admin, owner, 'member')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      withTenant(tenant.id, (tx) =>
        removeMember(tx, { tenantId: tenant.id, actor: admin, membershipId: owner.membershipId }),
      ),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await change(admin, member, 'admin');
    expect(await roleOf(tenant.id, member.membershipId)).toBe('admin');
  });

  it('keeps the last owner: no demotion, no removal, until there is another', async () => {
    const { tenant, people } = await workspace(['owner', 'member']);
    const [owner, member] = people as [MemberActor, MemberActor];
    await expect(
      withTenant(tenant.id, (tx) =>
        changeMemberRole(tx, {
          tenantId: tenant.id,
          actor: owner,
          membershipId: owner.membershipId,
          role: 'admin',
        }),
      ),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('needs an owner'),
    });
    await expect(
      withTenant(tenant.id, (tx) =>
        removeMember(tx, { tenantId: tenant.id, actor: owner, membershipId: owner.membershipId }),
      ),
    ).rejects.toMatchObject({ code: 'conflict' });
    await withTenant(tenant.id, (tx) =>
      changeMemberRole(tx, {
        tenantId: tenant.id,
        actor: owner,
        membershipId: member.membershipId,
        role: 'owner',
      }),
    );
    await withTenant(tenant.id, (tx) =>
      removeMember(tx, { tenantId: tenant.id, actor: owner, membershipId: owner.membershipId }),
    );
    expect(await roleOf(tenant.id, owner.membershipId)).toBeUndefined();
  });

  it('lets two owners demote each other concurrently without leaving none', async () => {
    const { tenant, people } = await workspace(['owner', 'owner']);
    const [a, b] = people as [MemberActor, MemberActor];
    const results = await Promise.allSettled([
      withTenant(tenant.id, (tx) =>
        changeMemberRole(tx, {
          tenantId: tenant.id,
          actor: a,
          membershipId: b.membershipId,
          role: 'admin',
        }),
      ),
      withTenant(tenant.id, (tx) =>
        changeMemberRole(tx, {
          tenantId: tenant.id,
          actor: b,
          membershipId: a.membershipId,
          role: 'admin',
        }),
      ),
    ]);
    const owners = (
      await withTenant(tenant.id, (tx) => listMembers(tx, { tenantId: tenant.id }))
    ).filter((m) => m.role === 'owner');
    expect(owners).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });

  it('removing a member ends their sessions and is audited; an unknown member is 404', async () => {
    const { tenant, people } = await workspace(['owner', 'member']);
    const [owner, member] = people as [MemberActor, MemberActor];
    await withTenant(tenant.id, (tx) =>
      tx.insert(sessions).values({
        tenantId: tenant.id,
        userId: member.userId,
        membershipId: member.membershipId,
        expiresAt: new Date(Date.now() + 60_000),
      }),
    );
    await withTenant(tenant.id, (tx) =>
      removeMember(tx, { tenantId: tenant.id, actor: owner, membershipId: member.membershipId }),
    );
    expect(
      await withTenant(tenant.id, (tx) =>
        tx.select().from(sessions).where(eq(sessions.userId, member.userId)),
      ),
    ).toEqual([]);
    expect(
      await withTenant(tenant.id, (tx) =>
        listAuditEvents(tx, { tenantId: tenant.id, action: 'member.removed' }),
      ),
    ).toHaveLength(1);
    await expect(
      withTenant(tenant.id, (tx) =>
        removeMember(tx, { tenantId: tenant.id, actor: owner, membershipId: member.membershipId }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
    const other = await workspace(['owner', 'member']);
    await expect(
      withTenant(tenant.id, (tx) =>
        removeMember(tx, {
          tenantId: tenant.id,
          actor: owner,
          membershipId: other.people[1]!.membershipId,
        }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('transfers ownership: the new owner in, the old one an admin; only an owner, and not to themselves', async () => {
    const { tenant, people } = await workspace(['owner', 'admin', 'member']);
    const [owner, admin, member] = people as [MemberActor, MemberActor, MemberActor];
    const transfer = (actor: MemberActor, to: MemberActor) =>
      withTenant(tenant.id, (tx) =>
        transferOwnership(tx, { tenantId: tenant.id, actor, membershipId: to.membershipId }),
      );
    await expect(transfer(admin, member)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(transfer(owner, owner)).rejects.toMatchObject({ code: 'invalid_input' });
    await transfer(owner, member);
    expect(await roleOf(tenant.id, member.membershipId)).toBe('owner');
    expect(await roleOf(tenant.id, owner.membershipId)).toBe('admin');
  });

  it('signs a member out everywhere, within the same guards', async () => {
    const { tenant, people } = await workspace(['owner', 'admin', 'member']);
    const [owner, admin, member] = people as [MemberActor, MemberActor, MemberActor];
    for (const person of [owner, member]) {
      await withTenant(tenant.id, (tx) =>
        tx.insert(sessions).values({
          tenantId: tenant.id,
          userId: person.userId,
          membershipId: person.membershipId,
          expiresAt: new Date(Date.now() + 60_000),
        }),
      );
    }
    const revoke = (actor: MemberActor, target: MemberActor) =>
      withTenant(tenant.id, (tx) =>
        revokeMemberSessions(tx, { tenantId: tenant.id, actor, membershipId: target.membershipId }),
      );
    await expect(revoke(admin, owner)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await revoke(admin, member)).toBe(1);
    expect(await revoke(admin, member)).toBe(0);
  });
});
