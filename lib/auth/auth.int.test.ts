import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { sessions } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  TEST_PASSWORD,
} from '@/db/testing';
import { searchActivityEvents } from '@/lib/activity';
import { listAuditEvents } from '@/lib/audit';
import { rateLimitPolicies } from '@/lib/ratelimit';
import { DEFAULT_SESSION_POLICY, sessionPolicyOf, sessionPolicySchema } from './policy';
import { createSession, listActiveSessions, revokeSession, revokeSessionsOf } from './sessions';
import { authenticateWithPassword } from './sign-in';
import { resolveViewer } from './viewer';

let handle: DatabaseHandle;
let acme: { id: string; slug: string };
let globex: { id: string; slug: string };
let acmeOwner: { userId: string; email: string };
let globexOwner: { userId: string; email: string };

const active = (tenant: { id: string }) => ({ id: tenant.id, status: 'active' as const });
const uniqueIp = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

async function signIn(tenant: { id: string }, email: string, password: string, ip = uniqueIp()) {
  return authenticateWithPassword({
    tenant: active(tenant),
    email,
    password,
    request: { requestId: randomUUID(), ip, userAgent: 'vitest' },
  });
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  acme = await createTenant();
  globex = await createTenant();
  acmeOwner = await createMember(acme.id, { role: 'owner' });
  globexOwner = await createMember(globex.id, { role: 'owner' });
});
afterAll(() => teardownTestDatabase(handle));

describe('authenticateWithPassword', () => {
  it('signs a member in on their tenant, creating a session and an audit event', async () => {
    const outcome = await signIn(acme, acmeOwner.email, TEST_PASSWORD);
    expect(outcome).toMatchObject({ ok: true, userId: acmeOwner.userId, email: acmeOwner.email });
    if (!outcome.ok) return;
    const viewer = await resolveViewer(acme, { sessionId: outcome.sessionId, tenantId: acme.id });
    expect(viewer).toMatchObject({
      userId: acmeOwner.userId,
      role: 'owner',
      sessionId: outcome.sessionId,
    });
    const trail = await withTenant(acme.id, (tx) =>
      listAuditEvents(tx, { tenantId: acme.id, action: 'auth.signed_in' }),
    );
    expect(trail.some((e) => e.targetId === outcome.sessionId)).toBe(true);
  });

  it('does not know another tenant’s member on this host', async () => {
    expect(await signIn(acme, globexOwner.email, TEST_PASSWORD)).toEqual({
      ok: false,
      reason: 'invalid_credentials',
    });
    expect((await signIn(globex, globexOwner.email, TEST_PASSWORD)).ok).toBe(true);
  });

  it('refuses a wrong password and an unknown e-mail alike, and records both in the security log', async () => {
    expect(await signIn(acme, acmeOwner.email, 'wrong-password')).toEqual({
      ok: false,
      reason: 'invalid_credentials',
    });
    expect(await signIn(acme, 'nobody@example.test', TEST_PASSWORD)).toEqual({
      ok: false,
      reason: 'invalid_credentials',
    });
    const failures = await withTenant(acme.id, (tx) =>
      searchActivityEvents(tx, {
        tenantId: acme.id,
        stream: 'security',
        action: 'auth.sign_in_failed',
        limit: 50,
      }),
    );
    expect(failures.data.map((e) => e.actorType).sort()).toEqual(
      expect.arrayContaining(['anonymous', 'user']),
    );
    // A failure changes nothing: the chained audit trail does not take it.
    const audited = await withTenant(acme.id, (tx) =>
      listAuditEvents(tx, { tenantId: acme.id, action: 'auth.sign_in_failed' }),
    );
    expect(audited).toEqual([]);
  });

  it('refuses sign-in to a suspended tenant', async () => {
    const outcome = await authenticateWithPassword({
      tenant: { id: acme.id, status: 'suspended' },
      email: acmeOwner.email,
      password: TEST_PASSWORD,
      request: {},
    });
    expect(outcome).toEqual({ ok: false, reason: 'tenant_suspended' });
  });

  it('locks an account after repeated failures, even for the right password, per tenant', async () => {
    const tenant = await createTenant();
    const member = await createMember(tenant.id);
    for (let i = 0; i < rateLimitPolicies.signInPerAccount.limit; i++) {
      expect((await signIn(tenant, member.email, 'wrong-password')).ok).toBe(false);
    }
    const locked = await signIn(tenant, member.email, TEST_PASSWORD);
    expect(locked).toMatchObject({ ok: false, reason: 'account_locked' });
    if (!locked.ok && locked.reason === 'account_locked')
      expect(locked.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('limits failures per IP across accounts', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < rateLimitPolicies.signInPerIp.limit; i++) {
      await signIn(acme, `stuffing-${i}@example.test`, 'guess', ip);
    }
    expect(await signIn(acme, acmeOwner.email, TEST_PASSWORD, ip)).toMatchObject({
      ok: false,
      reason: 'rate_limited',
    });
    expect((await signIn(acme, acmeOwner.email, TEST_PASSWORD)).ok).toBe(true);
  });

  it('clears the account’s failure count after a successful sign-in', async () => {
    const tenant = await createTenant();
    const member = await createMember(tenant.id);
    for (let i = 0; i < rateLimitPolicies.signInPerAccount.limit - 1; i++)
      await signIn(tenant, member.email, 'wrong-password');
    expect((await signIn(tenant, member.email, TEST_PASSWORD)).ok).toBe(true);
    for (let i = 0; i < rateLimitPolicies.signInPerAccount.limit - 1; i++)
      await signIn(tenant, member.email, 'wrong-password');
    expect((await signIn(tenant, member.email, TEST_PASSWORD)).ok).toBe(true);
  });
});

describe('server-side sessions', () => {
  async function newSession() {
    const outcome = await signIn(acme, acmeOwner.email, TEST_PASSWORD);
    if (!outcome.ok) throw new Error('sign-in failed');
    return outcome.sessionId;
  }

  it('refuses a token minted for another tenant (replayed across hosts)', async () => {
    const sessionId = await newSession();
    expect(await resolveViewer(globex, { sessionId, tenantId: acme.id })).toBeNull();
    // Even a token that claims the right tenant cannot reach a session of another tenant.
    expect(await resolveViewer(globex, { sessionId, tenantId: globex.id })).toBeNull();
  });

  it('has no viewer without a token', async () => {
    expect(await resolveViewer(acme, null)).toBeNull();
    expect(await resolveViewer(acme, { tenantId: acme.id })).toBeNull();
  });

  it('ends at revocation (sign-out), once, with an audit event', async () => {
    const sessionId = await newSession();
    const actor = { type: 'user' as const, id: acmeOwner.userId };
    await withTenant(acme.id, (tx) => revokeSession(tx, { tenantId: acme.id, sessionId, actor }));
    await withTenant(acme.id, (tx) => revokeSession(tx, { tenantId: acme.id, sessionId, actor }));
    expect(await resolveViewer(acme, { sessionId, tenantId: acme.id })).toBeNull();
    const signOuts = await withTenant(acme.id, (tx) =>
      listAuditEvents(tx, { tenantId: acme.id, action: 'auth.signed_out' }),
    );
    expect(signOuts.filter((e) => e.targetId === sessionId)).toHaveLength(1);
  });

  it('ends at its absolute lifetime and after the idle timeout', async () => {
    const expired = await newSession();
    const idle = await newSession();
    await withPlatform(async (tx) => {
      await tx
        .update(sessions)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(sessions.id, expired));
      await tx
        .update(sessions)
        .set({ lastSeenAt: sql`now() - interval '3 hours'` })
        .where(eq(sessions.id, idle));
    });
    expect(await resolveViewer(acme, { sessionId: expired, tenantId: acme.id })).toBeNull();
    expect(await resolveViewer(acme, { sessionId: idle, tenantId: acme.id })).toBeNull();
  });

  it('records activity at most once a minute', async () => {
    const sessionId = await newSession();
    await withPlatform((tx) =>
      tx
        .update(sessions)
        .set({ lastSeenAt: sql`now() - interval '5 minutes'` })
        .where(eq(sessions.id, sessionId)),
    );
    expect(await resolveViewer(acme, { sessionId, tenantId: acme.id })).not.toBeNull();
    const [row] = await withPlatform((tx) =>
      tx
        .select({ fresh: sql<boolean>`${sessions.lastSeenAt} > now() - interval '1 minute'` })
        .from(sessions)
        .where(eq(sessions.id, sessionId)),
    );
    expect(row?.fresh).toBe(true);
  });

  it('ends when the membership is removed', async () => {
    const tenant = await createTenant();
    const member = await createMember(tenant.id);
    const outcome = await signIn(tenant, member.email, TEST_PASSWORD);
    if (!outcome.ok) throw new Error('sign-in failed');
    await withPlatform((tx) =>
      tx.execute(sql`delete from memberships where id = ${member.membershipId}`),
    );
    expect(
      await resolveViewer(tenant, { sessionId: outcome.sessionId, tenantId: tenant.id }),
    ).toBeNull();
  });
});

describe('the tenant’s session policy', () => {
  const policy = (sessionLifetimeHours: number, idleTimeoutMinutes: number) => ({
    sessionLifetimeHours,
    idleTimeoutMinutes,
  });

  async function sessionAged(
    tenant: { id: string },
    email: string,
    age: { createdHoursAgo: number; idleMinutes: number },
  ) {
    const outcome = await authenticateWithPassword({
      tenant: { ...active(tenant), sessionPolicy: policy(48, 600) },
      email,
      password: TEST_PASSWORD,
      request: { requestId: randomUUID(), ip: uniqueIp(), userAgent: 'vitest' },
    });
    if (!outcome.ok) throw new Error('sign-in failed');
    await withPlatform((tx) =>
      tx
        .update(sessions)
        .set({
          createdAt: sql`now() - make_interval(hours => ${age.createdHoursAgo})`,
          lastSeenAt: sql`now() - make_interval(mins => ${age.idleMinutes})`,
        })
        .where(eq(sessions.id, outcome.sessionId)),
    );
    return outcome.sessionId;
  }

  it('sets the lifetime at sign-in from the policy', async () => {
    const sessionId = await sessionAged(acme, acmeOwner.email, {
      createdHoursAgo: 0,
      idleMinutes: 0,
    });
    const [row] = await withPlatform((tx) =>
      tx
        .select({
          hours: sql<number>`round(extract(epoch from ${sessions.expiresAt} - now()) / 3600)::int`,
        })
        .from(sessions)
        .where(eq(sessions.id, sessionId)),
    );
    expect(row?.hours).toBe(48);
  });

  it('judges every request by the policy in force now: shortening it ends older and idler sessions', async () => {
    const old = await sessionAged(acme, acmeOwner.email, { createdHoursAgo: 20, idleMinutes: 1 });
    const idle = await sessionAged(acme, acmeOwner.email, { createdHoursAgo: 1, idleMinutes: 90 });
    const token = (sessionId: string) => ({ sessionId, tenantId: acme.id });
    const under = (p: ReturnType<typeof policy>) => ({ id: acme.id, sessionPolicy: p });
    // Refusals first: an accepted request records activity, which would make `idle` fresh.
    expect(await resolveViewer(under(policy(12, 600)), token(old))).toBeNull();
    expect(await resolveViewer(under(policy(48, 60)), token(idle))).toBeNull();
    expect(await resolveViewer(under(policy(48, 600)), token(old))).not.toBeNull();
    expect(await resolveViewer(under(policy(48, 600)), token(idle))).not.toBeNull();
  });

  it('validates a policy and falls back to the default for unusable stored values', () => {
    expect(
      sessionPolicySchema.safeParse({ sessionLifetimeHours: '8', idleTimeoutMinutes: '30' }).data,
    ).toEqual(policy(8, 30));
    const tooIdle = sessionPolicySchema.safeParse({
      sessionLifetimeHours: 1,
      idleTimeoutMinutes: 90,
    });
    expect(tooIdle.error?.issues[0]?.path).toEqual(['idleTimeoutMinutes']);
    expect(
      sessionPolicySchema.safeParse({ sessionLifetimeHours: 721, idleTimeoutMinutes: 4 }).error
        ?.issues,
    ).toHaveLength(2);
    expect(sessionPolicyOf({ sessionLifetimeHours: -1 })).toEqual(DEFAULT_SESSION_POLICY);
    expect(sessionPolicyOf(undefined)).toEqual(DEFAULT_SESSION_POLICY);
    expect(sessionPolicyOf({ idleTimeoutMinutes: 30 })).toEqual({
      ...DEFAULT_SESSION_POLICY,
      idleTimeoutMinutes: 30,
    });
  });
});

describe('a member’s own sessions', () => {
  it('lists the live ones with device and IP, revokes one (own only) and all others', async () => {
    const tenant = await createTenant();
    const me = await createMember(tenant.id);
    const someoneElse = await createMember(tenant.id);
    const signInFrom = async (email: string, ip: string) => {
      const outcome = await signIn(tenant, email, TEST_PASSWORD, ip);
      if (!outcome.ok) throw new Error('sign-in failed');
      return outcome.sessionId;
    };
    const [laptop, phone, tablet] = [
      await signInFrom(me.email, '10.1.1.1'),
      await signInFrom(me.email, '10.1.1.2'),
      await signInFrom(me.email, '10.1.1.3'),
    ];
    const theirs = await signInFrom(someoneElse.email, '10.1.1.4');
    const list = () =>
      withTenant(tenant.id, (tx) =>
        listActiveSessions(tx, { tenantId: tenant.id, userId: me.userId }),
      );
    // A half sign-in (second factor still owed) is neither listed nor a viewer.
    const pending = await withTenant(tenant.id, (tx) =>
      createSession(tx, {
        tenantId: tenant.id,
        userId: me.userId,
        membershipId: me.membershipId,
        ip: '10.1.1.9',
        pendingStep: 'mfa',
      }),
    );
    expect(await resolveViewer(tenant, { sessionId: pending.id, tenantId: tenant.id })).toBeNull();
    expect((await list()).map((s) => s.ip).sort()).toEqual(['10.1.1.1', '10.1.1.2', '10.1.1.3']);
    expect((await list())[0]).toMatchObject({ userAgent: 'vitest' });

    const actor = { type: 'user' as const, id: me.userId };
    const revokeOwn = (sessionId: string) =>
      withTenant(tenant.id, (tx) =>
        revokeSession(tx, {
          tenantId: tenant.id,
          sessionId,
          userId: me.userId,
          actor,
          action: 'auth.session_revoked',
        }),
      );
    expect(await revokeOwn(theirs)).toBe(false);
    expect(await resolveViewer(tenant, { sessionId: theirs, tenantId: tenant.id })).not.toBeNull();
    expect(await revokeOwn(phone)).toBe(true);
    expect(await resolveViewer(tenant, { sessionId: phone, tenantId: tenant.id })).toBeNull();

    const ended = await withTenant(tenant.id, (tx) =>
      revokeSessionsOf(tx, { tenantId: tenant.id, userId: me.userId, keep: laptop, actor }),
    );
    expect(ended).toBe(2); // the tablet, and the half sign-in with it
    expect((await list()).map((s) => s.id)).toEqual([laptop]);
    expect(await resolveViewer(tenant, { sessionId: tablet, tenantId: tenant.id })).toBeNull();
    expect(
      await withTenant(tenant.id, (tx) =>
        revokeSessionsOf(tx, { tenantId: tenant.id, userId: me.userId, keep: laptop, actor }),
      ),
    ).toBe(0);
    const actions = (
      await withTenant(tenant.id, (tx) => listAuditEvents(tx, { tenantId: tenant.id }))
    ).map((e) => e.action);
    expect(actions.filter((a) => a === 'auth.session_revoked')).toHaveLength(1);
    expect(actions.filter((a) => a === 'auth.sessions_revoked')).toHaveLength(1);
  });
});
