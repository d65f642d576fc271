import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { activityEvents, mfaFactors, mfaRecoveryCodes, sessions } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  TEST_PASSWORD,
} from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import {
  loadPendingSignIn,
  pendingSignInPath,
  resolvePendingSignIn,
  type PendingSignInDTO,
} from '@/lib/auth/pending';
import { confirmEnrolmentStep, verifySecondStep } from '@/lib/auth/second-step';
import { authenticateWithPassword } from '@/lib/auth/sign-in';
import { resolveViewer } from '@/lib/auth/viewer';
import { listMembers, resetMemberTwoFactor } from '@/lib/members';
import { rateLimitPolicies } from '@/lib/ratelimit';
import { rolePermissions } from '@/lib/rbac';
import { resolveTenantBySlug, updateMfaPolicy, type TenantContextDTO } from '@/lib/tenancy';
import {
  confirmEnrolment,
  describeEnrolment,
  getMfaStatus,
  RECOVERY_CODE_COUNT,
  regenerateRecoveryCodes,
  removeFactor,
  signInStepFor,
  startEnrolment,
  verifySecondFactor,
} from './index';
import { hashRecoveryCode } from './recovery-codes';
import { totpCode, totpStep, TOTP_PERIOD_SECONDS } from './totp';

let handle: DatabaseHandle;
let tenant: TenantContextDTO;

type Member = { userId: string; membershipId: string; email: string };

const request = () => ({ requestId: randomUUID(), ip: '10.9.8.7', userAgent: 'vitest' });
const actorOf = (member: Member) => ({ type: 'user' as const, id: member.userId });
const owner = (member: Member) => ({ tenantId: tenant.id, membershipId: member.membershipId });
/** The code an authenticator app shows `steps` periods from now. */
const codeAt = (secret: string, steps = 0, now = Date.now()) =>
  totpCode(secret, totpStep(now) + steps);
const later = (steps: number, now = Date.now()) => now + steps * TOTP_PERIOD_SECONDS * 1000;

async function signIn(member: Member, into: TenantContextDTO = tenant) {
  const outcome = await authenticateWithPassword({
    tenant: into,
    email: member.email,
    password: TEST_PASSWORD,
    request: request(),
  });
  if (!outcome.ok) throw new Error(`sign-in refused: ${outcome.reason}`);
  return outcome;
}

const viewerOf = (sessionId: string, of: TenantContextDTO = tenant) =>
  resolveViewer(of, { sessionId, tenantId: of.id });
const pendingOf = (sessionId: string, of: TenantContextDTO = tenant) =>
  resolvePendingSignIn(of, { sessionId, tenantId: of.id });

/** A member with a confirmed factor: their secret and recovery codes. */
async function enrolled(into: TenantContextDTO = tenant) {
  const member = await createMember(into.id);
  const mine = { tenantId: into.id, membershipId: member.membershipId };
  const { secret } = await withTenant(into.id, (tx) => startEnrolment(tx, mine));
  // Confirmed with the previous step's code, so the current one is still fresh for sign-in.
  const { recoveryCodes } = await withTenant(into.id, (tx) =>
    confirmEnrolment(tx, {
      ...mine,
      code: codeAt(secret, -1),
      actor: actorOf(member),
    }),
  );
  return { member, secret, recoveryCodes };
}

async function securityEvents(sessionId: string, action: string) {
  return withTenant(tenant.id, (tx) =>
    tx
      .select({ metadata: activityEvents.metadata })
      .from(activityEvents)
      .where(
        and(
          eq(activityEvents.tenantId, tenant.id),
          eq(activityEvents.action, action),
          eq(activityEvents.targetId, sessionId),
        ),
      ),
  );
}

async function requireMfa(of: TenantContextDTO, requireMfa: boolean): Promise<TenantContextDTO> {
  await withTenant(of.id, (tx) =>
    updateMfaPolicy(tx, {
      tenantId: of.id,
      policy: { requireMfa },
      actor: { type: 'user', id: null },
    }),
  );
  return (await resolveTenantBySlug(of.slug))!;
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  const created = await createTenant();
  tenant = (await resolveTenantBySlug(created.slug))!;
});
afterAll(() => teardownTestDatabase(handle));

describe('enrolment', () => {
  it('starts with a secret, confirms with a first code, and issues ten recovery codes once', async () => {
    const member = await createMember(tenant.id);
    expect(await withTenant(tenant.id, (tx) => getMfaStatus(tx, owner(member)))).toEqual({
      enabled: false,
      enabledAt: null,
      pendingSecret: null,
      recoveryCodesLeft: 0,
      required: false,
    });

    const { secret } = await withTenant(tenant.id, (tx) => startEnrolment(tx, owner(member)));
    const started = await withTenant(tenant.id, (tx) => getMfaStatus(tx, owner(member)));
    expect(started).toMatchObject({ enabled: false, pendingSecret: secret });
    const enrolment = await describeEnrolment({
      secret,
      issuer: tenant.name,
      account: member.email,
    });
    expect(enrolment.otpauthUri).toContain(`secret=${secret}`);
    expect(enrolment.qrCodeDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    // Not confirmed yet: signing in does not ask for it.
    expect(await withTenant(tenant.id, (tx) => signInStepFor(tx, owner(member)))).toBeNull();

    const { recoveryCodes } = await withTenant(tenant.id, (tx) =>
      confirmEnrolment(tx, { ...owner(member), code: codeAt(secret), actor: actorOf(member) }),
    );
    expect(recoveryCodes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(await withTenant(tenant.id, (tx) => getMfaStatus(tx, owner(member)))).toMatchObject({
      enabled: true,
      enabledAt: expect.any(Date),
      pendingSecret: null,
      recoveryCodesLeft: RECOVERY_CODE_COUNT,
    });
    expect(await withTenant(tenant.id, (tx) => signInStepFor(tx, owner(member)))).toBe('mfa');

    // Only hashes are stored.
    const stored = await withTenant(tenant.id, (tx) =>
      tx
        .select({ codeHash: mfaRecoveryCodes.codeHash })
        .from(mfaRecoveryCodes)
        .where(eq(mfaRecoveryCodes.membershipId, member.membershipId)),
    );
    expect(stored.map((row) => row.codeHash).sort()).toEqual(
      recoveryCodes.map(hashRecoveryCode).sort(),
    );
    expect(JSON.stringify(stored)).not.toContain(recoveryCodes[0]);

    const [event] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'mfa.enrolled' }),
    );
    expect(event).toMatchObject({ actorId: member.userId, targetId: member.membershipId });
  });

  it('refuses a wrong first code and keeps the set-up open', async () => {
    const member = await createMember(tenant.id);
    const { secret } = await withTenant(tenant.id, (tx) => startEnrolment(tx, owner(member)));
    await expect(
      withTenant(tenant.id, (tx) =>
        confirmEnrolment(tx, {
          ...owner(member),
          code: codeAt(secret, 3),
          actor: actorOf(member),
        }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_input', fieldErrors: { code: [expect.any(String)] } });
    expect(await withTenant(tenant.id, (tx) => getMfaStatus(tx, owner(member)))).toMatchObject({
      enabled: false,
      pendingSecret: secret,
    });
  });

  it('replaces a set-up begun earlier, but never a confirmed factor', async () => {
    const member = await createMember(tenant.id);
    const first = await withTenant(tenant.id, (tx) => startEnrolment(tx, owner(member)));
    const second = await withTenant(tenant.id, (tx) => startEnrolment(tx, owner(member)));
    expect(second.secret).not.toBe(first.secret);
    // The first secret's codes no longer confirm anything.
    await expect(
      withTenant(tenant.id, (tx) =>
        confirmEnrolment(tx, {
          ...owner(member),
          code: codeAt(first.secret),
          actor: actorOf(member),
        }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await withTenant(tenant.id, (tx) =>
      confirmEnrolment(tx, {
        ...owner(member),
        code: codeAt(second.secret),
        actor: actorOf(member),
      }),
    );
    await expect(
      withTenant(tenant.id, (tx) => startEnrolment(tx, owner(member))),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expect(
      withTenant(tenant.id, (tx) =>
        confirmEnrolment(tx, {
          ...owner(member),
          code: codeAt(second.secret, 1),
          actor: actorOf(member),
        }),
      ),
    ).rejects.toMatchObject({ code: 'conflict', message: 'Two-factor sign-in is already on.' });
  });

  it('cannot confirm what was never started', async () => {
    const member = await createMember(tenant.id);
    await expect(
      withTenant(tenant.id, (tx) =>
        confirmEnrolment(tx, { ...owner(member), code: '123456', actor: actorOf(member) }),
      ),
    ).rejects.toMatchObject({ code: 'conflict', message: 'Start the set-up again.' });
  });
});

describe('sign-in with a second factor', () => {
  it('leaves a correct password half signed in: no viewer, a pending session that expires soon', async () => {
    const { member } = await enrolled();
    const outcome = await signIn(member);
    expect(outcome.pendingStep).toBe('mfa');
    expect(pendingSignInPath('mfa')).toBe('/sign-in/verify');

    expect(await viewerOf(outcome.sessionId)).toBeNull();
    expect(await pendingOf(outcome.sessionId)).toEqual({
      sessionId: outcome.sessionId,
      userId: member.userId,
      membershipId: member.membershipId,
      email: member.email,
      name: expect.any(String),
      step: 'mfa',
    });
    const [row] = await withTenant(tenant.id, (tx) =>
      tx
        .select({
          pendingStep: sessions.pendingStep,
          minutesLeft: sql<number>`extract(epoch from ${sessions.expiresAt} - now()) / 60`,
        })
        .from(sessions)
        .where(eq(sessions.id, outcome.sessionId)),
    );
    expect(row?.pendingStep).toBe('mfa');
    expect(Number(row?.minutesLeft)).toBeGreaterThan(9);
    expect(Number(row?.minutesLeft)).toBeLessThanOrEqual(10);
    const [signedIn] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'auth.signed_in' }),
    );
    expect(signedIn).toMatchObject({
      targetId: outcome.sessionId,
      metadata: { pendingStep: 'mfa' },
    });
  });

  it('refuses a wrong code (counted and logged), then completes the sign-in with the right one', async () => {
    const { member, secret } = await enrolled();
    const outcome = await signIn(member);
    const pending = (await pendingOf(outcome.sessionId))!;

    const wrong = await verifySecondStep({
      tenant,
      pending,
      code: codeAt(secret, 5),
      request: request(),
    });
    expect(wrong).toEqual({ ok: false, reason: 'invalid_code' });
    expect(await viewerOf(outcome.sessionId)).toBeNull();
    expect(await securityEvents(outcome.sessionId, 'auth.mfa_failed')).toEqual([
      {
        metadata: {
          reason: 'wrong_code',
          attemptsLeft: rateLimitPolicies.mfaPerAccount.limit - 1,
        },
      },
    ]);

    const right = await verifySecondStep({
      tenant,
      pending,
      code: codeAt(secret),
      request: request(),
    });
    expect(right).toEqual({ ok: true, method: 'totp' });
    expect(await viewerOf(outcome.sessionId)).toMatchObject({
      sessionId: outcome.sessionId,
      userId: member.userId,
    });
    expect(await pendingOf(outcome.sessionId)).toBeNull();
    const [row] = await withTenant(tenant.id, (tx) =>
      tx
        .select({
          hoursLeft: sql<number>`extract(epoch from ${sessions.expiresAt} - now()) / 3600`,
        })
        .from(sessions)
        .where(eq(sessions.id, outcome.sessionId)),
    );
    // The tenant's full lifetime from now, no longer the ten minutes of a half sign-in.
    expect(Number(row?.hoursLeft)).toBeGreaterThan(tenant.sessionPolicy.sessionLifetimeHours - 1);
    const [verified] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'auth.mfa_verified' }),
    );
    expect(verified).toMatchObject({
      targetId: outcome.sessionId,
      actorId: member.userId,
      metadata: { method: 'totp' },
    });

    // Done once, it cannot be done again.
    expect(
      await verifySecondStep({ tenant, pending, code: codeAt(secret, 1), request: request() }),
    ).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a replayed code, and an older one, but takes the next step’s', async () => {
    const { member, secret } = await enrolled();
    const now = Date.now();
    const first = (await pendingOf((await signIn(member)).sessionId))!;
    expect(
      await verifySecondStep({
        tenant,
        pending: first,
        code: codeAt(secret, 0, now),
        request: request(),
        now,
      }),
    ).toMatchObject({ ok: true });

    const second = (await pendingOf((await signIn(member)).sessionId))!;
    for (const code of [codeAt(secret, 0, now), codeAt(secret, -1, now)]) {
      expect(
        await verifySecondStep({ tenant, pending: second, code, request: request(), now }),
      ).toEqual({ ok: false, reason: 'invalid_code' });
    }
    expect(await viewerOf(second.sessionId)).toBeNull();
    const next = later(1, now);
    expect(
      await verifySecondStep({
        tenant,
        pending: second,
        code: codeAt(secret, 0, next),
        request: request(),
        now: next,
      }),
    ).toEqual({ ok: true, method: 'totp' });
  });

  it('lets two requests racing with one code through only once', async () => {
    const { member, secret } = await enrolled();
    const now = Date.now();
    const code = codeAt(secret, 0, now);
    const results = await Promise.all(
      [1, 2].map(() =>
        withTenant(tenant.id, (tx) =>
          verifySecondFactor(tx, { ...owner(member), code, now }).then(async (check) => {
            // Hold the transaction a moment so the two overlap.
            await tx.execute(sql`select pg_sleep(0.05)`);
            return check;
          }),
        ).catch(() => ({ ok: false })),
      ),
    );
    expect(results.filter((check) => check.ok)).toHaveLength(1);
  });

  it('accepts a recovery code exactly once', async () => {
    const { member, recoveryCodes } = await enrolled();
    const [code] = recoveryCodes as [string];
    const first = await signIn(member);
    const outcome = await verifySecondStep({
      tenant,
      pending: (await pendingOf(first.sessionId))!,
      // Typed loosely: upper case, spaces for dashes.
      code: code.toUpperCase().replaceAll('-', ' '),
      request: request(),
    });
    expect(outcome).toEqual({
      ok: true,
      method: 'recovery_code',
      recoveryCodesLeft: RECOVERY_CODE_COUNT - 1,
    });
    expect(await viewerOf(first.sessionId)).not.toBeNull();
    const [used] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'auth.recovery_code_used' }),
    );
    expect(used).toMatchObject({
      targetId: member.membershipId,
      metadata: { recoveryCodesLeft: RECOVERY_CODE_COUNT - 1 },
    });

    const second = await signIn(member);
    expect(
      await verifySecondStep({
        tenant,
        pending: (await pendingOf(second.sessionId))!,
        code,
        request: request(),
      }),
    ).toEqual({ ok: false, reason: 'invalid_code' });
    expect(await viewerOf(second.sessionId)).toBeNull();
    expect(await withTenant(tenant.id, (tx) => getMfaStatus(tx, owner(member)))).toMatchObject({
      recoveryCodesLeft: RECOVERY_CODE_COUNT - 1,
    });
  });

  it('refuses what is neither kind of code, and another member’s recovery code', async () => {
    const { member } = await enrolled();
    const other = await enrolled();
    const pending = (await pendingOf((await signIn(member)).sessionId))!;
    for (const code of ['not a code', other.recoveryCodes[0]!]) {
      expect(await verifySecondStep({ tenant, pending, code, request: request() })).toEqual({
        ok: false,
        reason: 'invalid_code',
      });
    }
  });

  it('stops taking codes after repeated failures, even the right one, and logs it', async () => {
    const { member, secret } = await enrolled();
    const lastUsedStep = async () => {
      const [factor] = await withTenant(tenant.id, (tx) =>
        tx
          .select({ step: mfaFactors.lastUsedStep })
          .from(mfaFactors)
          .where(eq(mfaFactors.membershipId, member.membershipId)),
      );
      return factor?.step;
    };
    const before = await lastUsedStep();
    const pending = (await pendingOf((await signIn(member)).sessionId))!;
    for (let i = 0; i < rateLimitPolicies.mfaPerAccount.limit; i++) {
      expect(
        await verifySecondStep({ tenant, pending, code: codeAt(secret, 4), request: request() }),
      ).toMatchObject({ ok: false, reason: 'invalid_code' });
    }
    const refused = await verifySecondStep({
      tenant,
      pending,
      code: codeAt(secret),
      request: request(),
    });
    expect(refused).toMatchObject({ ok: false, reason: 'rate_limited' });
    if (!refused.ok && refused.reason === 'rate_limited')
      expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(await viewerOf(pending.sessionId)).toBeNull();
    expect(await securityEvents(pending.sessionId, 'auth.mfa_rate_limited')).toHaveLength(1);
    // The code was not spent while refused.
    expect(await lastUsedStep()).toBe(before);
  });

  it('does not spend a code on a half sign-in that has ended meanwhile', async () => {
    const { member, secret, recoveryCodes } = await enrolled();
    const pending = (await pendingOf((await signIn(member)).sessionId))!;
    await withTenant(tenant.id, (tx) =>
      tx
        .update(sessions)
        .set({ revokedAt: sql`now()` })
        .where(eq(sessions.id, pending.sessionId)),
    );
    expect(await pendingOf(pending.sessionId)).toBeNull();
    expect(
      await verifySecondStep({ tenant, pending, code: recoveryCodes[0]!, request: request() }),
    ).toEqual({ ok: false, reason: 'expired' });
    expect(await withTenant(tenant.id, (tx) => getMfaStatus(tx, owner(member)))).toMatchObject({
      recoveryCodesLeft: RECOVERY_CODE_COUNT,
    });
    // The TOTP step was not spent either: the same code completes a new sign-in.
    const again = (await pendingOf((await signIn(member)).sessionId))!;
    expect(
      await verifySecondStep({ tenant, pending: again, code: codeAt(secret), request: request() }),
    ).toMatchObject({ ok: true });
  });

  it('passes unexpected database errors on', async () => {
    const pending: PendingSignInDTO = {
      sessionId: randomUUID(),
      userId: randomUUID(),
      membershipId: 'not-a-uuid',
      email: 'x@example.test',
      name: 'x',
      step: 'mfa',
    };
    await expect(
      verifySecondStep({ tenant, pending, code: '123456', request: request() }),
    ).rejects.toThrow();
  });

  it('asks nothing of a member without a factor when the tenant does not require one', async () => {
    const member = await createMember(tenant.id);
    const outcome = await signIn(member);
    expect(outcome.pendingStep).toBeNull();
    expect(await viewerOf(outcome.sessionId)).not.toBeNull();
    expect(await pendingOf(outcome.sessionId)).toBeNull();
  });

  it('refuses a half sign-in’s token on another tenant’s host, and no token at all', async () => {
    const other = (await resolveTenantBySlug((await createTenant()).slug))!;
    const { member } = await enrolled();
    const { sessionId } = await signIn(member);
    expect(await resolvePendingSignIn(other, { sessionId, tenantId: tenant.id })).toBeNull();
    expect(await resolvePendingSignIn(tenant, undefined)).toBeNull();
    expect(await resolvePendingSignIn(tenant, { tenantId: tenant.id })).toBeNull();
    // Even with the right tenant claimed, another tenant's scope sees no such session.
    expect(
      await withTenant(other.id, (tx) => loadPendingSignIn(tx, { tenantId: other.id, sessionId })),
    ).toBeNull();
  });
});

describe('a tenant that requires MFA', () => {
  it('sends a member without a factor to enrolment; a pending session is no viewer until it is done', async () => {
    const strict = await requireMfa(
      (await resolveTenantBySlug((await createTenant()).slug))!,
      true,
    );
    expect(strict.mfaPolicy).toEqual({ requireMfa: true });
    const member = await createMember(strict.id);
    const mine = { tenantId: strict.id, membershipId: member.membershipId };
    const outcome = await signIn(member, strict);
    expect(outcome.pendingStep).toBe('mfa_enrolment');
    expect(pendingSignInPath('mfa_enrolment')).toBe('/sign-in/enrol');
    expect(await viewerOf(outcome.sessionId, strict)).toBeNull();
    const pending = (await pendingOf(outcome.sessionId, strict))!;
    expect(pending.step).toBe('mfa_enrolment');

    // A code is not what this session owes.
    expect(
      await verifySecondStep({ tenant: strict, pending, code: '123456', request: request() }),
    ).toMatchObject({ ok: false });
    expect(await viewerOf(outcome.sessionId, strict)).toBeNull();

    const { secret } = await withTenant(strict.id, (tx) => startEnrolment(tx, mine));
    await expect(
      withTenant(strict.id, (tx) =>
        confirmEnrolmentStep(tx, {
          tenant: strict,
          pending,
          code: codeAt(secret, 4),
          request: request(),
        }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await viewerOf(outcome.sessionId, strict)).toBeNull();

    const { recoveryCodes } = await withTenant(strict.id, (tx) =>
      confirmEnrolmentStep(tx, {
        tenant: strict,
        pending,
        code: codeAt(secret),
        request: request(),
      }),
    );
    expect(recoveryCodes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(await viewerOf(outcome.sessionId, strict)).toMatchObject({ userId: member.userId });
    const trail = await withTenant(strict.id, (tx) => listAuditEvents(tx, { tenantId: strict.id }));
    expect(trail.map((event) => event.action)).toEqual(
      expect.arrayContaining(['mfa.enrolled', 'auth.mfa_verified']),
    );

    // From now on this member signs in with a code.
    const next = await signIn(member, strict);
    expect(next.pendingStep).toBe('mfa');

    // And cannot turn it off while the tenant requires it.
    await expect(
      withTenant(strict.id, (tx) => removeFactor(tx, { ...mine, actor: actorOf(member) })),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(await withTenant(strict.id, (tx) => getMfaStatus(tx, mine))).toMatchObject({
      enabled: true,
      required: true,
    });
  });

  it('refuses to finish an enrolment for a half sign-in that has ended', async () => {
    const strict = await requireMfa(
      (await resolveTenantBySlug((await createTenant()).slug))!,
      true,
    );
    const member = await createMember(strict.id);
    const mine = { tenantId: strict.id, membershipId: member.membershipId };
    const pending = (await pendingOf((await signIn(member, strict)).sessionId, strict))!;
    const { secret } = await withTenant(strict.id, (tx) => startEnrolment(tx, mine));
    await withTenant(strict.id, (tx) =>
      tx
        .update(sessions)
        .set({ revokedAt: sql`now()` })
        .where(eq(sessions.id, pending.sessionId)),
    );
    await expect(
      withTenant(strict.id, (tx) =>
        confirmEnrolmentStep(tx, {
          tenant: strict,
          pending,
          code: codeAt(secret),
          request: request(),
        }),
      ),
    ).rejects.toMatchObject({ code: 'unauthenticated' });
    // Rolled back: the factor is still only begun.
    expect(await withTenant(strict.id, (tx) => getMfaStatus(tx, mine))).toMatchObject({
      enabled: false,
      pendingSecret: secret,
    });
  });
});

describe('managing a factor', () => {
  it('regenerates recovery codes: the old ones stop working, the new ones work', async () => {
    const { member, recoveryCodes: old } = await enrolled();
    const { recoveryCodes } = await withTenant(tenant.id, (tx) =>
      regenerateRecoveryCodes(tx, { ...owner(member), actor: actorOf(member) }),
    );
    expect(recoveryCodes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(recoveryCodes).not.toContain(old[0]);
    expect(
      await withTenant(tenant.id, (tx) =>
        verifySecondFactor(tx, { ...owner(member), code: old[0]! }),
      ),
    ).toEqual({ ok: false });
    expect(
      await withTenant(tenant.id, (tx) =>
        verifySecondFactor(tx, { ...owner(member), code: recoveryCodes[0]! }),
      ),
    ).toMatchObject({ ok: true, method: 'recovery_code' });
    const [event] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'mfa.recovery_codes_regenerated' }),
    );
    expect(event).toMatchObject({ actorId: member.userId, targetId: member.membershipId });
  });

  it('removes the factor and its codes: sign-in asks for the password only again', async () => {
    const { member, secret } = await enrolled();
    await withTenant(tenant.id, (tx) =>
      removeFactor(tx, { ...owner(member), actor: actorOf(member) }),
    );
    expect(await withTenant(tenant.id, (tx) => getMfaStatus(tx, owner(member)))).toMatchObject({
      enabled: false,
      recoveryCodesLeft: 0,
    });
    expect(
      await withTenant(tenant.id, (tx) =>
        verifySecondFactor(tx, { ...owner(member), code: codeAt(secret) }),
      ),
    ).toEqual({ ok: false });
    expect((await signIn(member)).pendingStep).toBeNull();
    const [event] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'mfa.removed' }),
    );
    expect(event).toMatchObject({ targetId: member.membershipId });
  });

  it('refuses to regenerate or remove what is not on', async () => {
    const member = await createMember(tenant.id);
    await expect(
      withTenant(tenant.id, (tx) =>
        regenerateRecoveryCodes(tx, { ...owner(member), actor: actorOf(member) }),
      ),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expect(
      withTenant(tenant.id, (tx) => removeFactor(tx, { ...owner(member), actor: actorOf(member) })),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('an admin’s reset', () => {
  it('removes a member’s factor even where MFA is required, and signs them out everywhere', async () => {
    const { member } = await enrolled();
    const session = await signIn(member);
    const admin = await createMember(tenant.id, { role: 'admin' });
    const asAdmin = { ...admin, permissions: rolePermissions.admin };
    const required = await requireMfa(tenant, true);
    try {
      const list = await withTenant(tenant.id, (tx) => listMembers(tx, { tenantId: tenant.id }));
      expect(list.find((m) => m.membershipId === member.membershipId)?.mfaEnabled).toBe(true);
      await withTenant(tenant.id, (tx) =>
        resetMemberTwoFactor(tx, {
          tenantId: tenant.id,
          actor: asAdmin,
          membershipId: member.membershipId,
        }),
      );
      expect(await viewerOf(session.sessionId)).toBeNull();
      expect(await pendingOf(session.sessionId)).toBeNull();
      // Required here: the next sign-in asks them to set a factor up again.
      expect((await signIn(member, required)).pendingStep).toBe('mfa_enrolment');
      const [event] = await withTenant(tenant.id, (tx) =>
        listAuditEvents(tx, { tenantId: tenant.id, action: 'mfa.reset' }),
      );
      expect(event).toMatchObject({ actorId: admin.userId, targetId: member.membershipId });
      await expect(
        withTenant(tenant.id, (tx) =>
          resetMemberTwoFactor(tx, {
            tenantId: tenant.id,
            actor: asAdmin,
            membershipId: member.membershipId,
          }),
        ),
      ).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await requireMfa(tenant, false);
    }
  });

  it('is refused to someone who could not manage the member', async () => {
    const { member } = await enrolled();
    await withTenant(tenant.id, (tx) =>
      tx.execute(sql`update memberships set role = 'owner' where id = ${member.membershipId}`),
    );
    const admin = await createMember(tenant.id, { role: 'admin' });
    await expect(
      withTenant(tenant.id, (tx) =>
        resetMemberTwoFactor(tx, {
          tenantId: tenant.id,
          actor: { ...admin, permissions: rolePermissions.admin },
          membershipId: member.membershipId,
        }),
      ),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('isolation and grants', () => {
  it('keeps factors and recovery codes to their tenant', async () => {
    const { member } = await enrolled();
    const other = await createTenant();
    const seen = await withTenant(other.id, async (tx) => ({
      factors: await tx.select().from(mfaFactors),
      codes: await tx.select().from(mfaRecoveryCodes),
      updated: await tx
        .update(mfaFactors)
        .set({ lastUsedStep: 1 })
        .where(eq(mfaFactors.membershipId, member.membershipId))
        .returning({ id: mfaFactors.id }),
      usedCodes: await tx
        .update(mfaRecoveryCodes)
        .set({ usedAt: sql`now()` })
        .where(eq(mfaRecoveryCodes.membershipId, member.membershipId))
        .returning({ id: mfaRecoveryCodes.id }),
      deleted: await tx
        .delete(mfaFactors)
        .where(eq(mfaFactors.membershipId, member.membershipId))
        .returning({ id: mfaFactors.id }),
    }));
    expect(seen).toEqual({ factors: [], codes: [], updated: [], usedCodes: [], deleted: [] });
    await expect(
      withTenant(other.id, (tx) =>
        tx.insert(mfaFactors).values({
          tenantId: tenant.id,
          membershipId: member.membershipId,
          secret: 'JBSWY3DPEHPK3PXP',
        }),
      ),
    ).rejects.toThrow();
    expect(await withTenant(tenant.id, (tx) => getMfaStatus(tx, owner(member)))).toMatchObject({
      enabled: true,
      recoveryCodesLeft: RECOVERY_CODE_COUNT,
    });
  });

  it('never lets the application rewrite a factor’s secret or a code’s hash in place', async () => {
    const { member } = await enrolled();
    await expect(
      withTenant(tenant.id, (tx) =>
        tx
          .update(mfaFactors)
          .set({ secret: 'JBSWY3DPEHPK3PXP' })
          .where(eq(mfaFactors.membershipId, member.membershipId)),
      ),
    ).rejects.toThrow();
    await expect(
      withTenant(tenant.id, (tx) =>
        tx
          .update(mfaRecoveryCodes)
          .set({ codeHash: 'x' })
          .where(eq(mfaRecoveryCodes.membershipId, member.membershipId)),
      ),
    ).rejects.toThrow();
    // The platform path (operators, support) may.
    await withPlatform((tx) => tx.select({ id: mfaFactors.id }).from(mfaFactors).limit(1));
  });
});
