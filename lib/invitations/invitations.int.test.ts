import { createHash, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { invitations, memberships, users, type MemberRole } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  TEST_PASSWORD,
} from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import { authenticateWithPassword } from '@/lib/auth/sign-in';
import { listOutbox } from '@/lib/mail';
import type { MemberActor } from '@/lib/members';
import { rolePermissions } from '@/lib/rbac';
import { createRateLimiter, rateLimitPolicies } from '@/lib/ratelimit';
import {
  acceptInvitation,
  createInvitation,
  deliverInvitation,
  listInvitations,
  previewInvitation,
  revokeInvitation,
} from './index';
import {
  DEFAULT_ACCOUNT_POLICY,
  resolveTenantBySlug,
  updateAccountPolicy,
  updateSessionPolicy,
  type AccountPolicy,
} from '@/lib/tenancy';

type Tenant = { id: string; slug: string };

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

let ipCounter = 0;
/** Each attempt from its own address, so the per-IP limit is tested on purpose only. */
const freshIp = () => `10.8.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;
const newEmail = (label = 'invitee') => `${label}-${randomUUID().slice(0, 8)}@example.test`;
const NEW_PASSWORD = 'a-new-password-42';

async function workspace(plan = 'pro', role: MemberRole = 'owner') {
  const tenant = await createTenant({ plan });
  const person = await createMember(tenant.id, { role });
  const actor: MemberActor = {
    userId: person.userId,
    membershipId: person.membershipId,
    permissions: rolePermissions[role],
  };
  return { tenant, actor, person };
}

/** Creates an invitation in its own transaction and delivers its e-mail after the commit, as the action does. */
async function invite(tenant: Tenant, actor: MemberActor, email: string, role: MemberRole) {
  const created = await withTenant(tenant.id, (tx) =>
    createInvitation(tx, { tenantId: tenant.id, actor, email, role }),
  );
  await deliverInvitation(created);
  return created;
}

/** The link's token, read from the development outbox like a person reads their mail. */
async function linkFor(email: string): Promise<{ url: string; token: string }> {
  const message = (await listOutbox({ limit: 500 })).find((m) => m.to === email);
  if (!message) throw new Error(`no mail to ${email}`);
  const match = /(https?:\/\/\S+\/invite\/([A-Za-z0-9_-]{43}))/.exec(message.text);
  if (!match) throw new Error(`no invitation link in mail to ${email}`);
  return { url: match[1]!, token: match[2]! };
}

function accept(
  tenant: Tenant,
  token: string,
  fields: { password: string; name?: string },
  ip = freshIp(),
) {
  return acceptInvitation({
    tenant: { id: tenant.id, status: 'active' },
    token,
    ...fields,
    request: { requestId: randomUUID(), ip, userAgent: 'vitest' },
  });
}

const membershipsOf = (tenantId: string, userId: string) =>
  withPlatform((tx) =>
    tx
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId))),
  );

const auditActions = async (tenantId: string) =>
  (await withTenant(tenantId, (tx) => listAuditEvents(tx, { tenantId, limit: 100 })))
    .map((e) => e.action)
    .reverse();

describe('createInvitation', () => {
  it('stores only a hash of the token and mails a link on the tenant’s host', async () => {
    const { tenant, actor } = await workspace();
    const email = newEmail();
    const created = await invite(tenant, actor, email, 'viewer');
    expect(created).toMatchObject({
      invitation: { email, roleName: 'Viewer', status: 'pending' },
      replacedId: null,
      delivery: 'sent',
    });
    const days =
      (created.invitation.expiresAt.getTime() - created.invitation.createdAt.getTime()) /
      86_400_000;
    expect(days).toBeCloseTo(7, 3);

    const { url, token } = await linkFor(email);
    expect(url).toBe(`http://${tenant.slug}.localhost:3000/invite/${token}`);
    const [row] = await withTenant(tenant.id, (tx) =>
      tx.select().from(invitations).where(eq(invitations.id, created.invitation.id)),
    );
    expect(row?.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
    // The action's result goes to the inviter's browser: it never carries the token.
    expect(JSON.stringify(created)).not.toContain(token);

    const message = (await listOutbox({ limit: 500 })).find((m) => m.to === email);
    expect(message?.subject).toMatch(/invited you to Tenant /);
    expect(await auditActions(tenant.id)).toContain('invitation.created');
  });

  it('mails each invitation once, however often delivery is asked for', async () => {
    const { tenant, actor } = await workspace();
    const email = newEmail();
    const created = await invite(tenant, actor, email, 'member');
    expect(await deliverInvitation(created)).toBe('sent');
    expect((await listOutbox({ limit: 500 })).filter((m) => m.to === email)).toHaveLength(1);
  });

  it('refuses a role the inviter could not grant', async () => {
    const { tenant, actor } = await workspace('pro', 'admin');
    for (const role of ['owner', 'billing'] as const) {
      await expect(invite(tenant, actor, newEmail(), role)).rejects.toMatchObject({
        code: 'forbidden',
        fieldErrors: { role: [expect.any(String)] },
      });
    }
    await expect(invite(tenant, actor, newEmail(), 'admin')).resolves.toMatchObject({
      delivery: 'sent',
    });
  });

  it('refuses to invite a member, whatever the case of the address', async () => {
    const { tenant, actor, person } = await workspace();
    const member = await createMember(tenant.id, { role: 'member' });
    for (const email of [member.email, person.email]) {
      await expect(invite(tenant, actor, email, 'viewer')).rejects.toMatchObject({
        code: 'conflict',
        fieldErrors: { email: ['Already a member of this workspace.'] },
      });
    }
  });

  it('replaces an open invitation for the same e-mail: the old link stops working', async () => {
    const { tenant, actor } = await workspace();
    const email = newEmail();
    const first = await invite(tenant, actor, email, 'viewer');
    const { token: oldToken } = await linkFor(email);
    const second = await invite(tenant, actor, email, 'member');
    expect(second.replacedId).toBe(first.invitation.id);
    const tokens = (await listOutbox({ limit: 500 }))
      .filter((m) => m.to === email)
      .map((m) => /\/invite\/([A-Za-z0-9_-]{43})/.exec(m.text)![1]!);
    expect(tokens).toHaveLength(2);
    const newToken = tokens.find((t) => t !== oldToken)!;

    expect(await previewInvitation({ tenantId: tenant.id, token: oldToken })).toBeNull();
    await expect(
      accept(tenant, oldToken, { name: 'Old', password: NEW_PASSWORD }),
    ).rejects.toMatchObject({ code: 'not_found' });
    const listed = await withTenant(tenant.id, (tx) =>
      listInvitations(tx, { tenantId: tenant.id }),
    );
    expect(listed.map((i) => [i.id, i.roleName])).toEqual([[second.invitation.id, 'Member']]);
    const joined = await accept(tenant, newToken, { name: 'New', password: NEW_PASSWORD });
    expect(joined.roleName).toBe('Member');
  });

  it('lets nobody replace an invitation whose role they could not grant', async () => {
    const { tenant, actor: owner } = await workspace();
    const adminPerson = await createMember(tenant.id, { role: 'admin' });
    const admin: MemberActor = { ...adminPerson, permissions: rolePermissions.admin };
    const email = newEmail();
    await invite(tenant, owner, email, 'owner');
    await expect(invite(tenant, admin, email, 'viewer')).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('counts open invitations against the plan’s members limit', async () => {
    // Free: 3 members. The owner and two open invitations fill it.
    const { tenant, actor } = await workspace('free');
    await invite(tenant, actor, newEmail(), 'member');
    const second = await invite(tenant, actor, newEmail(), 'member');
    await expect(invite(tenant, actor, newEmail(), 'member')).rejects.toMatchObject({
      code: 'limit_reached',
    });
    // Re-inviting an address replaces its invitation, so it needs no extra place.
    await expect(invite(tenant, actor, second.invitation.email, 'viewer')).resolves.toMatchObject({
      replacedId: second.invitation.id,
    });
    const [open] = await withTenant(tenant.id, (tx) =>
      listInvitations(tx, { tenantId: tenant.id }),
    );
    await withTenant(tenant.id, (tx) =>
      revokeInvitation(tx, { tenantId: tenant.id, actor, invitationId: open!.id }),
    );
    await expect(invite(tenant, actor, newEmail(), 'member')).resolves.toMatchObject({
      delivery: 'sent',
    });
  });
});

describe('listInvitations and revokeInvitation', () => {
  it('lists open invitations newest first, marks expired ones, and hides another tenant’s', async () => {
    const { tenant, actor } = await workspace();
    const other = await workspace();
    const older = await invite(tenant, actor, newEmail(), 'viewer');
    const newer = await invite(tenant, actor, newEmail(), 'member');
    await invite(other.tenant, other.actor, newEmail(), 'member');
    await withPlatform((tx) =>
      tx
        .update(invitations)
        .set({ expiresAt: sql`now() - interval '1 minute'` })
        .where(eq(invitations.id, older.invitation.id)),
    );
    const listed = await withTenant(tenant.id, (tx) =>
      listInvitations(tx, { tenantId: tenant.id }),
    );
    expect(listed.map((i) => [i.id, i.status])).toEqual([
      [newer.invitation.id, 'pending'],
      [older.invitation.id, 'expired'],
    ]);
    expect(listed[0]?.invitedByName).toBeTruthy();
    // Row-level security: even without the explicit filter, tenant A sees only its own rows.
    const seen = await withTenant(tenant.id, (tx) =>
      tx.select({ tenantId: invitations.tenantId }).from(invitations),
    );
    expect(seen.every((r) => r.tenantId === tenant.id)).toBe(true);
  });

  it('revokes an invitation (audited); its link stops working; another tenant cannot touch it', async () => {
    const { tenant, actor } = await workspace();
    const other = await workspace();
    const email = newEmail();
    const created = await invite(tenant, actor, email, 'viewer');
    const { token } = await linkFor(email);
    await expect(
      withTenant(other.tenant.id, (tx) =>
        revokeInvitation(tx, {
          tenantId: other.tenant.id,
          actor: other.actor,
          invitationId: created.invitation.id,
        }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });

    await withTenant(tenant.id, (tx) =>
      revokeInvitation(tx, { tenantId: tenant.id, actor, invitationId: created.invitation.id }),
    );
    expect(await auditActions(tenant.id)).toContain('invitation.revoked');
    expect(await previewInvitation({ tenantId: tenant.id, token })).toBeNull();
    await expect(
      accept(tenant, token, { name: 'Too late', password: NEW_PASSWORD }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      withTenant(tenant.id, (tx) =>
        revokeInvitation(tx, { tenantId: tenant.id, actor, invitationId: created.invitation.id }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('does not let an admin revoke an owner’s invitation', async () => {
    const { tenant, actor: owner } = await workspace();
    const adminPerson = await createMember(tenant.id, { role: 'admin' });
    const created = await invite(tenant, owner, newEmail(), 'owner');
    await expect(
      withTenant(tenant.id, (tx) =>
        revokeInvitation(tx, {
          tenantId: tenant.id,
          actor: { ...adminPerson, permissions: rolePermissions.admin },
          invitationId: created.invitation.id,
        }),
      ),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('acceptInvitation', () => {
  it('creates the account and the membership for a new user, who can then sign in', async () => {
    const { tenant, actor } = await workspace();
    const email = newEmail();
    await invite(tenant, actor, email, 'viewer');
    const { token } = await linkFor(email);
    expect(await previewInvitation({ tenantId: tenant.id, token })).toMatchObject({
      email,
      roleName: 'Viewer',
      hasAccount: false,
    });

    const joined = await accept(tenant, token, { name: '  Vera Viewer ', password: NEW_PASSWORD });
    expect(joined).toMatchObject({ email, roleName: 'Viewer', newAccount: true });
    const [user] = await withPlatform((tx) =>
      tx
        .select({ name: users.name, email: users.email })
        .from(users)
        .where(eq(users.id, joined.userId)),
    );
    expect(user).toEqual({ name: 'Vera Viewer', email });
    expect(await membershipsOf(tenant.id, joined.userId)).toEqual([{ role: 'viewer' }]);
    const [row] = await withTenant(tenant.id, (tx) =>
      tx.select().from(invitations).where(eq(invitations.email, email)),
    );
    expect(row?.acceptedAt).toBeInstanceOf(Date);
    expect(row?.acceptedBy).toBe(joined.userId);

    const actions = await auditActions(tenant.id);
    expect(actions.slice(-2)).toEqual(['invitation.accepted', 'member.joined']);
    const signedIn = await authenticateWithPassword({
      tenant: { id: tenant.id, status: 'active' },
      email,
      password: NEW_PASSWORD,
      request: { requestId: randomUUID(), ip: freshIp(), userAgent: 'vitest' },
    });
    expect(signedIn).toMatchObject({ ok: true, userId: joined.userId });
  });

  it('holds a new account to the platform’s password rules and asks for a name', async () => {
    const { tenant, actor } = await workspace();
    const email = newEmail();
    await invite(tenant, actor, email, 'member');
    const { token } = await linkFor(email);
    await expect(accept(tenant, token, { name: '', password: 'short' })).rejects.toMatchObject({
      code: 'invalid_input',
      fieldErrors: {
        name: ['Enter your name.'],
        password: ['Use at least 10 characters.'],
      },
    });
    // Nothing was used up: the link still works.
    await expect(
      accept(tenant, token, { name: 'Ok', password: NEW_PASSWORD }),
    ).resolves.toMatchObject({ newAccount: true });
  });

  it('asks an existing account for its password, refuses a wrong one, and keeps the account', async () => {
    const { tenant, actor } = await workspace();
    const elsewhere = await workspace();
    const existing = await createMember(elsewhere.tenant.id, { role: 'member', name: 'Ellen' });
    await invite(tenant, actor, existing.email, 'member');
    const { token } = await linkFor(existing.email);
    expect(await previewInvitation({ tenantId: tenant.id, token })).toMatchObject({
      hasAccount: true,
    });

    await expect(accept(tenant, token, { password: 'not-the-password' })).rejects.toMatchObject({
      code: 'unauthenticated',
      fieldErrors: { password: [expect.any(String)] },
    });
    expect(await auditActions(tenant.id)).toContain('invitation.accept_failed');
    expect(await membershipsOf(tenant.id, existing.userId)).toEqual([]);

    // A name sent along is ignored: the account keeps its own.
    const joined = await accept(tenant, token, { password: TEST_PASSWORD, name: 'Mallory' });
    expect(joined).toMatchObject({
      userId: existing.userId,
      newAccount: false,
      roleName: 'Member',
    });
    expect(await membershipsOf(tenant.id, existing.userId)).toEqual([{ role: 'member' }]);
    expect(await membershipsOf(elsewhere.tenant.id, existing.userId)).toEqual([{ role: 'member' }]);
    const [user] = await withPlatform((tx) =>
      tx.select({ name: users.name }).from(users).where(eq(users.id, existing.userId)),
    );
    expect(user?.name).toBe('Ellen');
  });

  it('works once: the same link again is not valid', async () => {
    const { tenant, actor } = await workspace();
    const email = newEmail();
    await invite(tenant, actor, email, 'viewer');
    const { token } = await linkFor(email);
    await accept(tenant, token, { name: 'Once', password: NEW_PASSWORD });
    expect(await previewInvitation({ tenantId: tenant.id, token })).toBeNull();
    await expect(accept(tenant, token, { password: NEW_PASSWORD })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/not valid/),
    });
  });

  it('refuses an expired link', async () => {
    const { tenant, actor } = await workspace();
    const email = newEmail();
    const created = await invite(tenant, actor, email, 'viewer');
    const { token } = await linkFor(email);
    await withPlatform((tx) =>
      tx
        .update(invitations)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(invitations.id, created.invitation.id)),
    );
    expect(await previewInvitation({ tenantId: tenant.id, token })).toBeNull();
    await expect(
      accept(tenant, token, { name: 'Late', password: NEW_PASSWORD }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('treats a link used on another tenant’s host like an unknown one', async () => {
    const { tenant, actor } = await workspace();
    const other = await workspace();
    const email = newEmail();
    await invite(tenant, actor, email, 'admin');
    const { token } = await linkFor(email);
    expect(await previewInvitation({ tenantId: other.tenant.id, token })).toBeNull();
    const elsewhere = await accept(other.tenant, token, {
      name: 'X',
      password: NEW_PASSWORD,
    }).catch((error: unknown) => error);
    const unknown = await accept(other.tenant, 'A'.repeat(43), {
      name: 'X',
      password: NEW_PASSWORD,
    }).catch((error: unknown) => error);
    expect(elsewhere).toMatchObject({ code: 'not_found' });
    expect((elsewhere as Error).message).toBe((unknown as Error).message);
    expect(await previewInvitation({ tenantId: tenant.id, token: 'not-a-token' })).toBeNull();
    // Still valid where it belongs.
    await expect(
      accept(tenant, token, { name: 'Y', password: NEW_PASSWORD }),
    ).resolves.toMatchObject({ roleName: 'Admin' });
  });

  it('checks the members limit at acceptance; the invitation stays open', async () => {
    const { tenant, actor } = await workspace('free');
    const email = newEmail();
    const created = await invite(tenant, actor, email, 'member');
    const { token } = await linkFor(email);
    // Places taken after the invitation was sent (e.g. by an operator lowering the limit).
    await createMember(tenant.id, { role: 'member' });
    await createMember(tenant.id, { role: 'member' });
    await expect(
      accept(tenant, token, { name: 'Late', password: NEW_PASSWORD }),
    ).rejects.toMatchObject({ code: 'limit_reached' });
    const listed = await withTenant(tenant.id, (tx) =>
      listInvitations(tx, { tenantId: tenant.id }),
    );
    expect(listed.map((i) => i.id)).toEqual([created.invitation.id]);
    const [orphan] = await withPlatform((tx) =>
      tx.select({ id: users.id }).from(users).where(eq(users.email, email)),
    );
    expect(orphan).toBeUndefined();
  });

  it('lets two simultaneous acceptances of one link make exactly one membership', async () => {
    const { tenant, actor } = await workspace();
    const email = newEmail();
    await invite(tenant, actor, email, 'member');
    const { token } = await linkFor(email);
    const outcomes = await Promise.allSettled([
      accept(tenant, token, { name: 'First', password: NEW_PASSWORD }),
      accept(tenant, token, { name: 'Second', password: NEW_PASSWORD }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'not_found' });
    const members = await withPlatform((tx) =>
      tx
        .select({ id: memberships.id })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.tenantId, tenant.id), eq(users.email, email))),
    );
    expect(members).toHaveLength(1);
  });

  it('refuses a suspended workspace', async () => {
    const { tenant, actor } = await workspace();
    const email = newEmail();
    await invite(tenant, actor, email, 'member');
    const { token } = await linkFor(email);
    await expect(
      acceptInvitation({
        tenant: { id: tenant.id, status: 'suspended' },
        token,
        name: 'S',
        password: NEW_PASSWORD,
        request: { ip: freshIp() },
      }),
    ).rejects.toMatchObject({ code: 'tenant_suspended' });
  });

  it('limits attempts per client IP, and that limit fails closed', async () => {
    const { tenant } = await workspace();
    const ip = freshIp();
    for (let i = 0; i < rateLimitPolicies.invitationAcceptPerIp.limit; i++) {
      await expect(accept(tenant, 'B'.repeat(43), { password: 'x' }, ip)).rejects.toMatchObject({
        code: 'not_found',
      });
    }
    await expect(accept(tenant, 'B'.repeat(43), { password: 'x' }, ip)).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfterSeconds: expect.any(Number),
    });
    await expect(
      accept(tenant, 'B'.repeat(43), { password: 'x' }, freshIp()),
    ).rejects.toMatchObject({ code: 'not_found' });

    const unreachable = createRateLimiter({
      store: 'upstash',
      url: 'http://127.0.0.1:9',
      token: 'x',
      timeoutMs: 200,
    });
    expect(
      await unreachable.consumeRateLimit(rateLimitPolicies.invitationAcceptPerIp, ip),
    ).toMatchObject({ allowed: false, storeUnavailable: true });
  });
});

describe('the definer functions behind acceptance', () => {
  it('answer for an invitation of the transaction’s own tenant only, and only in the right state', async () => {
    const { tenant, actor } = await workspace();
    const other = await workspace();
    const existing = await createMember(other.tenant.id, { role: 'member' });
    const forExisting = await invite(tenant, actor, existing.email, 'member');
    const forNew = await invite(tenant, actor, newEmail(), 'member');

    const account = (tenantId: string, invitationId: string) =>
      withTenant(tenantId, async (tx) => {
        const result = (await tx.execute(
          sql`select id from tenantry_internal.invitation_account(${invitationId})`,
        )) as unknown as { rows: Array<{ id: string }> };
        return result.rows.map((r) => r.id);
      });
    expect(await account(tenant.id, forExisting.invitation.id)).toEqual([existing.userId]);
    expect(await account(other.tenant.id, forExisting.invitation.id)).toEqual([]);

    const create = (tenantId: string, invitationId: string) =>
      withTenant(tenantId, async (tx) => {
        const result = (await tx.execute(
          sql`select tenantry_internal.create_invited_user(${invitationId}, 'Eve', 'scrypt$x') as id`,
        )) as unknown as { rows: Array<{ id: string | null }> };
        return result.rows[0]?.id ?? null;
      });
    // Open but not being accepted in this transaction, or another tenant's: no account.
    expect(await create(tenant.id, forNew.invitation.id)).toBeNull();
    expect(await create(other.tenant.id, forNew.invitation.id)).toBeNull();
    const [ghost] = await withPlatform((tx) =>
      tx.select({ id: users.id }).from(users).where(eq(users.email, forNew.invitation.email)),
    );
    expect(ghost).toBeUndefined();
    // Outside any tenant transaction there is no tenant whose invitation it could be.
    const outside = (await handle.db.execute(
      sql`select id from tenantry_internal.invitation_account(${forExisting.invitation.id})`,
    )) as unknown as { rows: unknown[] };
    expect(outside.rows).toEqual([]);
  });
});

describe('the tenant’s rules for new members', () => {
  const policy = (overrides: Partial<AccountPolicy>): AccountPolicy => ({
    ...DEFAULT_ACCOUNT_POLICY,
    ...overrides,
  });
  const setPolicy = (tenant: Tenant, actor: MemberActor, rules: AccountPolicy) =>
    withTenant(tenant.id, (tx) =>
      updateAccountPolicy(tx, {
        tenantId: tenant.id,
        policy: rules,
        actor: { type: 'user', id: actor.userId },
      }),
    );

  it('invites only the allowed e-mail domains, and keeps the session policy when saved', async () => {
    const { tenant, actor } = await workspace();
    await withTenant(tenant.id, (tx) =>
      updateSessionPolicy(tx, {
        tenantId: tenant.id,
        policy: { sessionLifetimeHours: 6, idleTimeoutMinutes: 20 },
        actor: { type: 'user', id: actor.userId },
      }),
    );
    await setPolicy(tenant, actor, policy({ allowedEmailDomains: ['acme-corp.test'] }));
    await expect(
      invite(tenant, actor, `x-${randomUUID().slice(0, 6)}@elsewhere.test`, 'member'),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      fieldErrors: { email: ['Use an address at acme-corp.test.'] },
    });
    await expect(
      invite(tenant, actor, `x-${randomUUID().slice(0, 6)}@acme-corp.test`, 'member'),
    ).resolves.toMatchObject({ delivery: 'sent' });
    const resolved = await resolveTenantBySlug(tenant.slug);
    expect(resolved?.sessionPolicy).toEqual({ sessionLifetimeHours: 6, idleTimeoutMinutes: 20 });
    expect(resolved?.accountPolicy.allowedEmailDomains).toEqual(['acme-corp.test']);
    expect(await auditActions(tenant.id)).toContain('tenant.account_policy_updated');
  });

  it('holds a new account to the tenant’s password rules at acceptance', async () => {
    const { tenant, actor } = await workspace();
    await setPolicy(tenant, actor, policy({ passwordMinLength: 16 }));
    const email = newEmail();
    await invite(tenant, actor, email, 'member');
    const { token } = await linkFor(email);
    const host = (await resolveTenantBySlug(tenant.slug))!;
    const acceptWith = (password: string) =>
      acceptInvitation({
        tenant: host,
        token,
        name: 'New Person',
        password,
        request: { requestId: randomUUID(), ip: freshIp(), userAgent: 'vitest' },
      });
    await expect(acceptWith('only-15-chars-x')).rejects.toMatchObject({
      fieldErrors: { password: ['Use at least 16 characters.'] },
    });
    await expect(acceptWith('Password1234567890!')).rejects.toMatchObject({
      fieldErrors: { password: [expect.stringContaining('most common')] },
    });
    await expect(acceptWith('a long and unusual passphrase')).resolves.toMatchObject({
      newAccount: true,
    });
  });
});
