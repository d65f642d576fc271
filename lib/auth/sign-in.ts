import 'server-only';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { withTenant } from '@/db/scope';
import { memberships, users, type TenantStatus } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { logSecurityEvent } from '@/lib/log';
import {
  consumeRateLimit,
  peekRateLimit,
  rateLimitPolicies,
  resetRateLimit,
} from '@/lib/ratelimit';
import { verifyAgainstDecoy, verifyPassword } from '@/lib/passwords';
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
  | { ok: true; sessionId: string; userId: string; email: string; name: string }
  | { ok: false; reason: 'invalid_credentials' | 'tenant_suspended' }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/**
 * Checks e-mail and password against the host's tenant only: a member of another tenant is
 * as unknown here as a stranger. Failures are counted per tenant+e-mail and per IP (the
 * limits fail closed), audited in the tenant's trail, and logged as security events.
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
    logSecurityEvent('auth.sign_in_rate_limited', {
      tenantId: tenant.id,
      requestId: request.requestId,
      ip: request.ip,
    });
    return {
      ok: false,
      reason: 'rate_limited',
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

  if (!member || !valid) {
    await Promise.all([
      consumeRateLimit(rateLimitPolicies.signInPerAccount, accountKey),
      consumeRateLimit(rateLimitPolicies.signInPerIp, ipKey),
    ]);
    await withTenant(tenant.id, (tx) =>
      recordAudit(tx, {
        tenantId: tenant.id,
        actor: member ? { type: 'user', id: member.userId } : { type: 'anonymous', id: null },
        action: 'auth.sign_in_failed',
        target: member ? { type: 'user', id: member.userId } : undefined,
        metadata: { email, reason: member ? 'wrong_password' : 'unknown_account' },
        request,
      }),
    );
    logSecurityEvent('auth.sign_in_failed', {
      tenantId: tenant.id,
      requestId: request.requestId,
      ip: request.ip,
    });
    return { ok: false, reason: 'invalid_credentials' };
  }

  await resetRateLimit(rateLimitPolicies.signInPerAccount, accountKey);
  const session = await withTenant(tenant.id, async (tx) => {
    const created = await createSession(tx, {
      tenantId: tenant.id,
      userId: member.userId,
      membershipId: member.membershipId,
      userAgent: request.userAgent,
      ip: request.ip,
      policy: tenant.sessionPolicy,
    });
    await recordAudit(tx, {
      tenantId: tenant.id,
      actor: { type: 'user', id: member.userId },
      action: 'auth.signed_in',
      target: { type: 'session', id: created.id },
      request,
    });
    return created;
  });
  return { ok: true, sessionId: session.id, userId: member.userId, email, name: member.name };
}
