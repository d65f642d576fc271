import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { platformSessions, users } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { seedDemoData } from '@/db/seed';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  TEST_PASSWORD,
  uniqueSlug,
} from '@/db/testing';
import { authenticateWithPassword } from '@/lib/auth/sign-in';
import { resolveViewer } from '@/lib/auth/viewer';
import { rateLimitPolicies } from '@/lib/ratelimit';
import { updateTenant } from '@/lib/tenancy';
import {
  authenticateOperator,
  endOperatorSession,
  ensurePlatformAdmin,
  loadTenantConsole,
  loadTenantDirectory,
  resolveOperator,
  revokePlatformSession,
  type OperatorDTO,
} from './index';

let handle: DatabaseHandle;
let tenant: { id: string; slug: string };

const uniqueIp = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

/** A tenant member promoted to operator the way PLATFORM_ADMIN_EMAIL does it. */
async function newOperator(): Promise<{ userId: string; email: string }> {
  const person = await createMember(tenant.id, { email: `${uniqueSlug('op')}@example.test` });
  expect(await ensurePlatformAdmin(person.email)).toBe('promoted');
  return person;
}

function signIn(email: string, password: string, ip = uniqueIp()) {
  return authenticateOperator({
    email,
    password,
    request: { requestId: randomUUID(), ip, userAgent: 'vitest' },
  });
}

async function signedIn(): Promise<OperatorDTO> {
  const person = await newOperator();
  const outcome = await signIn(person.email, TEST_PASSWORD);
  if (!outcome.ok) throw new Error('operator sign-in failed');
  const operator = await resolveOperator({ sessionId: outcome.sessionId, kind: 'operator' });
  if (!operator) throw new Error('operator session not found');
  return operator;
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  tenant = await createTenant();
});
afterAll(() => teardownTestDatabase(handle));

describe('ensurePlatformAdmin', () => {
  it('promotes an existing user once, ignoring case, and creates nobody', async () => {
    const person = await createMember(tenant.id);
    expect(await ensurePlatformAdmin(`  ${person.email.toUpperCase()} `)).toBe('promoted');
    expect(await ensurePlatformAdmin(person.email)).toBe('already_operator');
    const [row] = await withPlatform((tx) =>
      tx.select({ role: users.platformRole }).from(users).where(eq(users.id, person.userId)),
    );
    expect(row?.role).toBe('operator');

    const nobody = `${uniqueSlug('nobody')}@example.test`;
    expect(await ensurePlatformAdmin(nobody)).toBe('no_such_user');
    expect(
      await withPlatform((tx) => tx.select().from(users).where(eq(users.email, nobody))),
    ).toEqual([]);
  });
});

describe('authenticateOperator', () => {
  it('signs an operator in with a server-side platform session', async () => {
    const person = await newOperator();
    const outcome = await signIn(person.email, TEST_PASSWORD);
    expect(outcome).toMatchObject({ ok: true, userId: person.userId, email: person.email });
    if (!outcome.ok) return;
    const [row] = await withPlatform((tx) =>
      tx.select().from(platformSessions).where(eq(platformSessions.id, outcome.sessionId)),
    );
    expect(row).toMatchObject({ userId: person.userId, userAgent: 'vitest', revokedAt: null });
    const lifetime = row!.expiresAt.getTime() - row!.createdAt.getTime();
    expect(lifetime).toBe(12 * 60 * 60 * 1000);
    expect(await resolveOperator({ sessionId: outcome.sessionId, kind: 'operator' })).toMatchObject(
      {
        sessionId: outcome.sessionId,
        userId: person.userId,
        email: person.email,
      },
    );
  });

  it('refuses a wrong password and an unknown e-mail alike', async () => {
    const person = await newOperator();
    expect(await signIn(person.email, 'wrong-password')).toEqual({
      ok: false,
      reason: 'invalid_credentials',
    });
    expect(await signIn('nobody@example.test', TEST_PASSWORD)).toEqual({
      ok: false,
      reason: 'invalid_credentials',
    });
  });

  it('refuses a tenant member who is not an operator, even with the right password', async () => {
    const member = await createMember(tenant.id, { role: 'owner' });
    expect(await signIn(member.email, TEST_PASSWORD)).toEqual({
      ok: false,
      reason: 'invalid_credentials',
    });
    const sessions = await withPlatform((tx) =>
      tx.select().from(platformSessions).where(eq(platformSessions.userId, member.userId)),
    );
    expect(sessions).toEqual([]);
  });

  it('locks the account after repeated failures, even for the right password', async () => {
    const person = await newOperator();
    for (let i = 0; i < rateLimitPolicies.signInPerAccount.limit; i++) {
      expect((await signIn(person.email, 'wrong-password')).ok).toBe(false);
    }
    const locked = await signIn(person.email, TEST_PASSWORD);
    expect(locked).toMatchObject({ ok: false, reason: 'rate_limited' });
    if (!locked.ok && locked.reason === 'rate_limited')
      expect(locked.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('limits failures per IP across accounts', async () => {
    const person = await newOperator();
    const ip = uniqueIp();
    for (let i = 0; i < rateLimitPolicies.signInPerIp.limit; i++) {
      await signIn(`stuffing-${i}@example.test`, 'guess', ip);
    }
    expect(await signIn(person.email, TEST_PASSWORD, ip)).toMatchObject({
      ok: false,
      reason: 'rate_limited',
    });
    expect((await signIn(person.email, TEST_PASSWORD)).ok).toBe(true);
  });

  it('counts its failures apart from the same person’s tenant sign-ins, and clears them on success', async () => {
    const person = await newOperator();
    const tenantContext = { id: tenant.id, status: 'active' as const };
    for (let i = 0; i < rateLimitPolicies.signInPerAccount.limit; i++) {
      await authenticateWithPassword({
        tenant: tenantContext,
        email: person.email,
        password: 'wrong',
        request: { ip: uniqueIp() },
      });
    }
    expect((await signIn(person.email, TEST_PASSWORD)).ok).toBe(true);

    for (let i = 0; i < rateLimitPolicies.signInPerAccount.limit - 1; i++)
      await signIn(person.email, 'wrong-password');
    expect((await signIn(person.email, TEST_PASSWORD)).ok).toBe(true);
    for (let i = 0; i < rateLimitPolicies.signInPerAccount.limit - 1; i++)
      await signIn(person.email, 'wrong-password');
    expect((await signIn(person.email, TEST_PASSWORD)).ok).toBe(true);
  });

  it('knows the seeded demo operator', async () => {
    await seedDemoData(handle.db);
    expect(await signIn('operator@tenantry.test', 'operator-pass-123')).toMatchObject({
      ok: true,
      name: 'Olive Operator',
    });
    // The seeded tenant owners are members, not operators.
    expect(await signIn('owner@acme.test', 'acme-owner-pass')).toEqual({
      ok: false,
      reason: 'invalid_credentials',
    });
  });
});

describe('operator sessions', () => {
  it('are never taken from a tenant member’s token, nor a tenant member’s from an operator’s', async () => {
    const operator = await signedIn();
    const member = await createMember(tenant.id);
    const memberSignIn = await authenticateWithPassword({
      tenant: { id: tenant.id, status: 'active' },
      email: member.email,
      password: TEST_PASSWORD,
      request: {},
    });
    if (!memberSignIn.ok) throw new Error('member sign-in failed');

    // A tenant token (it carries its tenant, and is not of the operator kind) is refused…
    expect(
      await resolveOperator({
        sessionId: memberSignIn.sessionId,
        tenantId: tenant.id,
        kind: 'member',
      }),
    ).toBeNull();
    expect(
      await resolveOperator({
        sessionId: operator.sessionId,
        tenantId: tenant.id,
        kind: 'operator',
      }),
    ).toBeNull();
    expect(await resolveOperator({ sessionId: operator.sessionId })).toBeNull();
    // …and a forged operator kind does not turn a member's session into an operator's.
    expect(
      await resolveOperator({ sessionId: memberSignIn.sessionId, kind: 'operator' }),
    ).toBeNull();
    expect(await resolveOperator({ sessionId: 'not-a-uuid', kind: 'operator' })).toBeNull();
    expect(await resolveOperator(null)).toBeNull();
    expect(await resolveOperator({ kind: 'operator' })).toBeNull();

    // On a tenant host the operator's token stands for nobody, whatever tenant it claims.
    const operatorToken = { sessionId: operator.sessionId, kind: 'operator' };
    expect(await resolveViewer(tenant, operatorToken)).toBeNull();
    expect(await resolveViewer(tenant, { ...operatorToken, tenantId: tenant.id })).toBeNull();
  });

  it('are platform data: a tenant transaction cannot read them', async () => {
    await signedIn();
    const outcome = await withTenant(tenant.id, (tx) => tx.select().from(platformSessions)).then(
      (rows) => rows,
      (error: unknown) => String((error as { cause?: unknown }).cause ?? error),
    );
    expect(outcome).toMatch(/permission denied/);
  });

  it('end at sign-out, and the revocation is idempotent', async () => {
    const operator = await signedIn();
    await endOperatorSession(operator, { requestId: randomUUID() });
    expect(await resolveOperator({ sessionId: operator.sessionId, kind: 'operator' })).toBeNull();
    expect(
      await withPlatform((tx) => revokePlatformSession(tx, { sessionId: operator.sessionId })),
    ).toBe(false);
    await endOperatorSession(operator);
  });

  it('end at their absolute lifetime and after the idle timeout', async () => {
    const expired = await signedIn();
    const idle = await signedIn();
    await withPlatform(async (tx) => {
      await tx
        .update(platformSessions)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(platformSessions.id, expired.sessionId));
      await tx
        .update(platformSessions)
        .set({ lastSeenAt: sql`now() - interval '2 hours 1 minute'` })
        .where(eq(platformSessions.id, idle.sessionId));
    });
    expect(await resolveOperator({ sessionId: expired.sessionId, kind: 'operator' })).toBeNull();
    expect(await resolveOperator({ sessionId: idle.sessionId, kind: 'operator' })).toBeNull();
  });

  it('record activity at most once a minute', async () => {
    const operator = await signedIn();
    await withPlatform((tx) =>
      tx
        .update(platformSessions)
        .set({ lastSeenAt: sql`now() - interval '90 minutes'` })
        .where(eq(platformSessions.id, operator.sessionId)),
    );
    expect(
      await resolveOperator({ sessionId: operator.sessionId, kind: 'operator' }),
    ).not.toBeNull();
    const [row] = await withPlatform((tx) =>
      tx
        .select({
          fresh: sql<boolean>`${platformSessions.lastSeenAt} > now() - interval '1 minute'`,
        })
        .from(platformSessions)
        .where(eq(platformSessions.id, operator.sessionId)),
    );
    expect(row?.fresh).toBe(true);
  });

  it('end when the user stops being an operator', async () => {
    const operator = await signedIn();
    await withPlatform((tx) =>
      tx.update(users).set({ platformRole: null }).where(eq(users.id, operator.userId)),
    );
    expect(await resolveOperator({ sessionId: operator.sessionId, kind: 'operator' })).toBeNull();
  });
});

describe('console page data', () => {
  it('lists tenants by search, status and plan, a keyset page at a time', async () => {
    const marker = uniqueSlug('dir');
    const created: string[] = [];
    for (let i = 0; i < 27; i++) {
      const row = await createTenant({
        slug: `${marker}-${String(i).padStart(2, '0')}`,
        plan: i === 0 ? 'business' : 'free',
        status: i === 1 ? 'suspended' : 'active',
      });
      created.push(row.id);
    }
    const first = await loadTenantDirectory({ q: marker, sort: 'slug' });
    if (!first.ok) throw new Error('expected a page');
    expect(first.page.data).toHaveLength(25);
    expect(first.page.data[0]?.slug).toBe(`${marker}-00`);
    expect(first.page.nextCursor).toEqual(expect.any(String));
    const second = await loadTenantDirectory({
      q: marker,
      sort: 'slug',
      cursor: first.page.nextCursor!,
    });
    if (!second.ok) throw new Error('expected a page');
    expect(second.page.data.map((t) => t.slug)).toEqual([`${marker}-25`, `${marker}-26`]);
    expect(second.page.nextCursor).toBeNull();
    expect(second.filters).toMatchObject({
      q: marker,
      sort: 'slug',
      cursor: first.page.nextCursor,
    });

    const suspended = await loadTenantDirectory({ q: marker, status: 'suspended' });
    expect(suspended.ok && suspended.page.data.map((t) => t.id)).toEqual([created[1]]);
    const business = await loadTenantDirectory({ q: [marker, 'ignored'], plan: 'business' });
    expect(business.ok && business.page.data.map((t) => t.id)).toEqual([created[0]]);
    const none = await loadTenantDirectory({ q: `${marker}-nothing` });
    expect(none.ok && none.page).toEqual({ data: [], nextCursor: null });
  });

  it('says which part of a link is wrong instead of failing', async () => {
    expect(await loadTenantDirectory({ status: 'deleted', q: ' acme ' })).toEqual({
      ok: false,
      problem: 'invalid_filters',
      filters: { q: 'acme', sort: 'created' },
    });
    expect(await loadTenantDirectory({ cursor: 'forged' })).toMatchObject({
      ok: false,
      problem: 'invalid_cursor',
    });
  });

  it('loads a tenant with its counts and audit trail, and nothing for unknown ids', async () => {
    const target = await createTenant();
    await createMember(target.id);
    const operator = await signedIn();
    await withPlatform((tx) =>
      updateTenant(tx, {
        id: target.id,
        changes: { status: 'suspended', reason: 'Unpaid invoices' },
        actor: { type: 'operator', id: operator.userId },
      }),
    );
    const loaded = await loadTenantConsole(target.id);
    expect(loaded?.tenant).toMatchObject({
      id: target.id,
      status: 'suspended',
      memberCount: 1,
      documentCount: 0,
    });
    expect(loaded?.trail[0]).toMatchObject({
      action: 'tenant.status_changed',
      actorType: 'operator',
      actorId: operator.userId,
    });
    expect(await loadTenantConsole('not-a-uuid')).toBeNull();
    expect(await loadTenantConsole(randomUUID())).toBeNull();
  });
});
