import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { invitations, type MemberRole } from '@/db/schema';
import { withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import { createSession, loadSession } from '@/lib/auth/sessions';
import { createInvitation, listInvitations } from '@/lib/invitations';
import { changeMemberRole, listMembers, type MemberActor } from '@/lib/members';
import { permissions, rolePermissions, type Permission } from '@/lib/rbac';
import {
  countMembersByCustomRole,
  createRole,
  deleteRole,
  listRoles,
  resolveRole,
  roleInput,
  updateRole,
  type RoleDTO,
} from './index';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

type Tenant = { id: string; slug: string };

async function person(tenant: Tenant, role: MemberRole): Promise<MemberActor> {
  const created = await createMember(tenant.id, { role });
  return {
    userId: created.userId,
    membershipId: created.membershipId,
    permissions: rolePermissions[role],
  };
}

async function workspace() {
  const tenant = await createTenant({ plan: 'pro' });
  return { tenant, owner: await person(tenant, 'owner') };
}

const input = (fields: { name: string; permissions: Permission[]; description?: string }) =>
  roleInput.parse(fields);

function create(tenant: Tenant, actor: MemberActor, fields: Parameters<typeof input>[0]) {
  return withTenant(tenant.id, (tx) =>
    createRole(tx, { tenantId: tenant.id, actor, ...input(fields) }),
  );
}

function assign(tenant: Tenant, actor: MemberActor, membershipId: string, role: string) {
  return withTenant(tenant.id, (tx) =>
    changeMemberRole(tx, { tenantId: tenant.id, actor, membershipId, role }),
  );
}

/** What the member may do at their next request: the viewer a session resolves to. */
async function permissionsAtNextRequest(tenant: Tenant, member: MemberActor) {
  return withTenant(tenant.id, async (tx) => {
    const session = await createSession(tx, {
      tenantId: tenant.id,
      userId: member.userId,
      membershipId: member.membershipId,
    });
    const viewer = await loadSession(tx, { tenantId: tenant.id, sessionId: session.id });
    return { permissions: viewer?.permissions, roleName: viewer?.roleName };
  });
}

describe('custom roles', () => {
  it('grant exactly their permissions to the members who hold them', async () => {
    const { tenant, owner } = await workspace();
    const auditor = await create(tenant, owner, {
      name: 'Auditor',
      description: 'Reads documents and the audit trail',
      permissions: ['audit:read', 'documents:read'],
    });
    const member = await person(tenant, 'member');
    await assign(tenant, owner, member.membershipId, auditor.key);

    expect(await permissionsAtNextRequest(tenant, member)).toEqual({
      permissions: ['documents:read', 'audit:read'],
      roleName: 'Auditor',
    });
    const holders = await withTenant(tenant.id, (tx) =>
      countMembersByCustomRole(tx, { tenantId: tenant.id }),
    );
    expect([...holders]).toEqual([[auditor.key, 1]]);
    await expect(
      withTenant(tenant.id, (tx) => resolveRole(tx, { tenantId: tenant.id, key: 'viewer' })),
    ).resolves.toMatchObject({ role: 'viewer', customRoleId: null, builtIn: true });
    const listed = await withTenant(tenant.id, (tx) => listMembers(tx, { tenantId: tenant.id }));
    expect(listed.find((m) => m.membershipId === member.membershipId)).toMatchObject({
      role: 'custom',
      roleKey: auditor.key,
      roleName: 'Auditor',
      permissions: ['documents:read', 'audit:read'],
    });
  });

  it('apply an edit at the holder’s next request, audited with what was granted and revoked', async () => {
    const { tenant, owner } = await workspace();
    const role = await create(tenant, owner, { name: 'Editor', permissions: ['documents:read'] });
    const member = await person(tenant, 'viewer');
    await assign(tenant, owner, member.membershipId, role.key);

    await withTenant(tenant.id, (tx) =>
      updateRole(tx, {
        tenantId: tenant.id,
        actor: owner,
        roleId: role.key,
        ...input({ name: 'Writer', permissions: ['documents:write'] }),
      }),
    );
    expect(await permissionsAtNextRequest(tenant, member)).toEqual({
      permissions: ['documents:write'],
      roleName: 'Writer',
    });
    const events = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'role.updated' }),
    );
    expect(events[0]?.metadata).toEqual({
      name: 'Writer',
      renamedFrom: 'Editor',
      granted: ['documents:write'],
      revoked: ['documents:read'],
    });
  });

  it('list after the built-in roles, by name; another tenant’s role is unknown here', async () => {
    const { tenant, owner } = await workspace();
    await create(tenant, owner, { name: 'zeta', permissions: [] });
    const alpha = await create(tenant, owner, { name: 'Alpha', permissions: [] });
    const other = await workspace();
    const foreign = await create(other.tenant, other.owner, { name: 'Foreign', permissions: [] });

    const roles = await withTenant(tenant.id, (tx) => listRoles(tx, { tenantId: tenant.id }));
    expect(roles.map((r) => r.name)).toEqual([
      'Owner',
      'Admin',
      'Member',
      'Viewer',
      'Billing',
      'Alpha',
      'zeta',
    ]);
    await expect(
      withTenant(tenant.id, (tx) => resolveRole(tx, { tenantId: tenant.id, key: foreign.key })),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const member = await person(tenant, 'member');
    await expect(assign(tenant, owner, member.membershipId, foreign.key)).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(
      withTenant(tenant.id, (tx) => resolveRole(tx, { tenantId: tenant.id, key: alpha.key })),
    ).resolves.toMatchObject({ name: 'Alpha', builtIn: false });
  });

  it('let nobody create, edit or hand out a role with a permission they lack', async () => {
    const { tenant, owner } = await workspace();
    const admin = await person(tenant, 'admin');
    await expect(
      create(tenant, admin, { name: 'Payer', permissions: ['billing:manage'] }),
    ).rejects.toMatchObject({ code: 'forbidden' });

    const payer = await create(tenant, owner, { name: 'Payer', permissions: ['billing:manage'] });
    await expect(
      withTenant(tenant.id, (tx) =>
        updateRole(tx, {
          tenantId: tenant.id,
          actor: admin,
          roleId: payer.key,
          ...input({ name: 'Payer', permissions: [] }),
        }),
      ),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const mine = await create(tenant, admin, { name: 'Reader', permissions: ['documents:read'] });
    await expect(
      withTenant(tenant.id, (tx) =>
        updateRole(tx, {
          tenantId: tenant.id,
          actor: admin,
          roleId: mine.key,
          ...input({ name: 'Reader', permissions: ['documents:read', 'billing:manage'] }),
        }),
      ),
    ).rejects.toMatchObject({ code: 'forbidden' });

    const member = await person(tenant, 'member');
    await expect(assign(tenant, admin, member.membershipId, payer.key)).rejects.toMatchObject({
      code: 'forbidden',
    });
    // A member who holds the custom role cannot be changed by someone lacking its permissions.
    await assign(tenant, owner, member.membershipId, payer.key);
    await expect(assign(tenant, admin, member.membershipId, 'viewer')).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('refuse a duplicate or built-in name, and unknown permissions', async () => {
    const { tenant, owner } = await workspace();
    await create(tenant, owner, { name: 'Support', permissions: [] });
    await expect(create(tenant, owner, { name: 'support', permissions: [] })).rejects.toMatchObject(
      { code: 'conflict', fieldErrors: { name: [expect.any(String)] } },
    );
    expect(roleInput.safeParse({ name: 'Admin' }).success).toBe(false);
    expect(roleInput.safeParse({ name: 'X', permissions: ['documents:burn'] }).success).toBe(false);
    expect(roleInput.parse({ name: 'X', permissions: 'audit:read' }).permissions).toEqual([
      'audit:read',
    ]);
    expect(roleInput.parse({ name: ' X ' })).toEqual({
      name: 'X',
      description: '',
      permissions: [],
    });
  });

  it('cannot be deleted while held; deleting revokes the open invitations naming it', async () => {
    const { tenant, owner } = await workspace();
    const role = await create(tenant, owner, { name: 'Temp', permissions: ['documents:read'] });
    const member = await person(tenant, 'member');
    await assign(tenant, owner, member.membershipId, role.key);
    const email = `temp-${randomUUID().slice(0, 8)}@example.test`;
    const invited = await withTenant(tenant.id, (tx) =>
      createInvitation(tx, { tenantId: tenant.id, actor: owner, email, role: role.key }),
    );
    expect(invited.invitation).toMatchObject({ roleName: 'Temp', permissions: ['documents:read'] });

    const remove = () =>
      withTenant(tenant.id, (tx) =>
        deleteRole(tx, { tenantId: tenant.id, actor: owner, roleId: role.key }),
      );
    await expect(remove()).rejects.toMatchObject({ code: 'conflict' });
    await assign(tenant, owner, member.membershipId, 'viewer');
    await remove();

    const open = await withTenant(tenant.id, (tx) => listInvitations(tx, { tenantId: tenant.id }));
    expect(open).toEqual([]);
    const [row] = await withTenant(tenant.id, (tx) =>
      tx.select().from(invitations).where(eq(invitations.id, invited.invitation.id)),
    );
    expect(row?.revokedAt).toBeInstanceOf(Date);
    const roles: RoleDTO[] = await withTenant(tenant.id, (tx) =>
      listRoles(tx, { tenantId: tenant.id }),
    );
    expect(roles.some((r) => r.key === role.key)).toBe(false);
    const events = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'role.deleted' }),
    );
    expect(events[0]?.metadata).toMatchObject({ name: 'Temp', invitationsRevoked: 1 });
  });

  it('can hold no permission at all, and then grant nothing', async () => {
    const { tenant, owner } = await workspace();
    const role = await create(tenant, owner, { name: 'Guest', permissions: [] });
    const member = await person(tenant, 'member');
    await assign(tenant, owner, member.membershipId, role.key);
    expect(await permissionsAtNextRequest(tenant, member)).toEqual({
      permissions: [],
      roleName: 'Guest',
    });
    expect(permissions.length).toBeGreaterThan(10);
  });
});
