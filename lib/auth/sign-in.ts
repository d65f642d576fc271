import 'server-only';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { withTenant } from '@/db/scope';
import { memberships, users, type SessionPendingStep, type TenantStatus } from '@/db/schema';
import { recordSecurityEvent, reportSecurityEvent, type SecurityEntry } from '@/lib/activity';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { signInStepFor } from '@/lib/mfa';
import {
  consumeRateLimit,
  peekRateLimit,
  rateLimitPolicies,
  resetRateLimit,
} from '@/lib/ratelimit';
import { verifyAgainstDecoy, verifyPassword } from '@/lib/passwords';
import { isSsoEnforced } from '@/lib/sso';
import type { SessionPolicy } from './policy';
import { createSession } from './sessions';

export const signInInput = z.object({
  email: z.string().trim().toLowerCase().max(254),
  password: z.string().min(1).max(200),
});

export type SignInAttempt = z.infer<typeof signInInput> & {
  tenant: { id: string; status: TenantStatus; sessionPolicy?: SessionPolicy };
  request: RequestMeta & { userAgent?: string | null };
};

export type SignInOutcome =
  | {
      ok: true;
      sessionId: string;
      userId: string;
      email: string;
      name: string;
      /** The step the session still owes (a second factor), or null when it is a sign-in. */
      pendingStep: SessionPendingStep | null;
    }
  | { ok: false; reason: 'invalid_credentials' | 'tenant_suspended' | 'sso_required' }
  | { ok: false; reason: 'rate_limited' | 'account_locked'; retryAfterSeconds: number };

/**
 * Checks e-mail and password against the host's tenant only: a member of another tenant is
 * as unknown here as a stranger. Failures are counted per tenant+e-mail and per IP (the
 * limits fail closed) and recorded in the tenant's security log. The per-account limit is the
 * account lock: the failure that uses up its allowance locks the tenant+e-mail until the window
 * lets attempts through again (`account_locked`, with the wait), and raises
 * `auth.account_locked` once; while locked even the right password is refused.
 */
export async function authenticateWithPassword(attempt: SignInAttempt): Promise<SignInOutcome> {
  const { tenant, email, request } = attempt;
  if (tenant.status === 'suspended') return { ok: false, reason: 'tenant_suspended' };

  const accountKey = `${tenant.id}:${email}`;
  const ipKey = request.ip ?? 'unknown';
  const [account, ip] = await Promise.all([
    peekRateLimit(rateLimitPolicies.signInPerAccount, accountKey),
    peekRateLimit(rateLimitPolicies.signInPerIp, ipKey),
  ]);
  if (!account.allowed || !ip.allowed) {
    // A store that cannot answer refuses too (fail closed), but that is no lock on the account.
    const locked = !account.allowed && !account.storeUnavailable;
    await reportSecurityEvent({
      tenantId: tenant.id,
      actor: { type: 'anonymous', id: null },
      action: 'auth.sign_in_rate_limited',
      channel: 'web',
      metadata: {
        email,
        limits: [account.allowed ? null : 'account', ip.allowed ? null : 'ip'].filter(Boolean),
        accountLocked: locked,
        storeUnavailable: account.storeUnavailable || ip.storeUnavailable,
      },
      request,
    });
    return {
      ok: false,
      reason: locked ? 'account_locked' : 'rate_limited',
      retryAfterSeconds: Math.max(
        account.allowed ? 0 : account.retryAfterSeconds,
        ip.allowed ? 0 : ip.retryAfterSeconds,
      ),
    };
  }

  const member = await withTenant(tenant.id, async (tx) => {
    const [row] = await tx
      .select({
        userId: users.id,
        name: users.name,
        passwordHash: users.passwordHash,
        membershipId: memberships.id,
        role: memberships.role,
      })
      .from(users)
      .innerJoin(
        memberships,
        and(eq(memberships.userId, users.id), eq(memberships.tenantId, tenant.id)),
      )
      .where(eq(users.email, email));
    return row;
  });
  // Hashing happens outside any transaction: it takes ~100 ms and must not hold a connection.
  const valid = member
    ? await verifyPassword(attempt.password, member.passwordHash)
    : await verifyAgainstDecoy(attempt.password);
  // With single sign-on enforced only owners may still use a password (break-glass access), and
  // every refusal there answers `sso_required`, so none tells whether the password was right.
  const ssoRequired = await withTenant(tenant.id, (tx) =>
    isSsoEnforced(tx, { tenantId: tenant.id }),
  );
  const refusedBySso = ssoRequired && valid && member?.role !== 'owner';

  if (!member || !valid || refusedBySso) {
    const [counted] = await Promise.all([
      consumeRateLimit(rateLimitPolicies.signInPerAccount, accountKey),
      consumeRateLimit(rateLimitPolicies.signInPerIp, ipKey),
    ]);
    // Exactly one failure takes the last attempt of the window (the count is atomic): it starts
    // the lock. Later attempts are refused before they are counted, so none starts it again.
    const lockStarted = counted.allowed && counted.remaining === 0;
    const failure: Omit<SecurityEntry, 'action'> = {
      tenantId: tenant.id,
      actor: member ? { type: 'user', id: member.userId } : { type: 'anonymous', id: null },
      target: member ? { type: 'user', id: member.userId } : undefined,
      channel: 'web',
      request,
    };
    // Failed sign-ins change nothing: they go to the security log, not the (chained) audit trail.
    await withTenant(tenant.id, async (tx) => {
      await recordSecurityEvent(tx, {
        ...failure,
        action: 'auth.sign_in_failed',
        metadata: {
          email,
          reason: refusedBySso ? 'sso_required' : member ? 'wrong_password' : 'unknown_account',
        },
      });
      if (lockStarted)
        await recordSecurityEvent(tx, {
          ...failure,
          action: 'auth.account_locked',
          metadata: {
            email,
            failures: rateLimitPolicies.signInPerAccount.limit,
            lockedForSeconds: counted.retryAfterSeconds,
          },
        });
    });
    if (lockStarted)
      return { ok: false, reason: 'account_locked', retryAfterSeconds: counted.retryAfterSeconds };
    return { ok: false, reason: ssoRequired ? 'sso_required' : 'invalid_credentials' };
  }

  await resetRateLimit(rateLimitPolicies.signInPerAccount, accountKey);
  const session = await withTenant(tenant.id, async (tx) => {
    const pendingStep = await signInStepFor(tx, {
      tenantId: tenant.id,
      membershipId: member.membershipId,
    });
    const created = await createSession(tx, {
      tenantId: tenant.id,
      userId: member.userId,
      membershipId: member.membershipId,
      userAgent: request.userAgent,
      ip: request.ip,
      policy: tenant.sessionPolicy,
      pendingStep,
    });
    const signedIn = {
      tenantId: tenant.id,
      actor: { type: 'user', id: member.userId },
      action: 'auth.signed_in',
      target: { type: 'session', id: created.id },
      // A half sign-in: the password was right, the second factor is still owed.
      metadata: pendingStep ? { pendingStep } : undefined,
      request,
    } as const;
    await recordSecurityEvent(tx, { ...signedIn, channel: 'web' });
    await recordAudit(tx, signedIn);
    return { ...created, pendingStep };
  });
  return {
    ok: true,
    sessionId: session.id,
    userId: member.userId,
    email,
    name: member.name,
    pendingStep: session.pendingStep,
  };
}
