import 'server-only';
import { and, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import { withTenant, type Transaction } from '@/db/scope';
import { memberships, sessions, users, type SessionPendingStep } from '@/db/schema';
import type { RequestMeta } from '@/lib/audit';
import { logSecurityEvent } from '@/lib/log';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from './policy';
import type { SessionToken } from './viewer';

/**
 * A half sign-in: the password was right, and the session row waits (for minutes, not hours)
 * for the step it still owes. It is nobody's viewer: loadSession refuses it, so it opens no page
 * and no action but the second-step ones, which resolve it through here.
 */
export type PendingSignInDTO = {
  sessionId: string;
  userId: string;
  membershipId: string;
  email: string;
  name: string;
  step: SessionPendingStep;
};

/** Where the member goes to finish a half sign-in. */
export function pendingSignInPath(step: SessionPendingStep): '/sign-in/verify' | '/sign-in/enrol' {
  return step === 'mfa' ? '/sign-in/verify' : '/sign-in/enrol';
}

export async function loadPendingSignIn(
  tx: Transaction,
  params: { tenantId: string; sessionId: string },
): Promise<PendingSignInDTO | null> {
  const [row] = await tx
    .select({
      sessionId: sessions.id,
      userId: users.id,
      membershipId: memberships.id,
      email: users.email,
      name: users.name,
      step: sessions.pendingStep,
    })
    .from(sessions)
    .innerJoin(
      memberships,
      and(eq(memberships.tenantId, sessions.tenantId), eq(memberships.id, sessions.membershipId)),
    )
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.tenantId, params.tenantId),
        eq(sessions.id, params.sessionId),
        isNotNull(sessions.pendingStep),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
      ),
    );
  if (!row?.step) return null;
  return { ...row, step: row.step };
}

/**
 * The half sign-in a decoded session token points at on this tenant's host, or null (for a
 * complete session too). Like resolveViewer, a token minted for another tenant is refused.
 */
export async function resolvePendingSignIn(
  tenant: { id: string },
  token: SessionToken,
  request: RequestMeta = {},
): Promise<PendingSignInDTO | null> {
  const sessionId = token?.sessionId;
  if (!sessionId) return null;
  if (token.tenantId !== tenant.id) {
    logSecurityEvent('auth.session_rejected', {
      tenantId: tenant.id,
      requestId: request.requestId,
      reason: 'tenant_mismatch',
    });
    return null;
  }
  return withTenant(tenant.id, (tx) => loadPendingSignIn(tx, { tenantId: tenant.id, sessionId }));
}

/**
 * Turns a half sign-in into a sign-in: clears the step it owed and gives it the tenant's full
 * lifetime from now. False when the session is gone, expired, or owed another step.
 */
export async function completePendingSignIn(
  tx: Transaction,
  params: { tenantId: string; sessionId: string; step: SessionPendingStep; policy?: SessionPolicy },
): Promise<boolean> {
  const lifetimeSeconds = (params.policy ?? DEFAULT_SESSION_POLICY).sessionLifetimeHours * 3600;
  const completed = await tx
    .update(sessions)
    .set({
      pendingStep: null,
      lastSeenAt: sql`now()`,
      expiresAt: sql`now() + make_interval(secs => ${lifetimeSeconds})`,
    })
    .where(
      and(
        eq(sessions.tenantId, params.tenantId),
        eq(sessions.id, params.sessionId),
        eq(sessions.pendingStep, params.step),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
      ),
    )
    .returning({ id: sessions.id });
  return completed.length > 0;
}
