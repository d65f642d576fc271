import 'server-only';
import { withTenant, type Transaction } from '@/db/scope';
import { recordSecurityEvent, reportSecurityEvent, type ActivityRequest } from '@/lib/activity';
import { recordAudit } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { confirmEnrolment, verifySecondFactor, type SecondFactorCheck } from '@/lib/mfa';
import {
  consumeRateLimit,
  peekRateLimit,
  rateLimitPolicies,
  resetRateLimit,
} from '@/lib/ratelimit';
import { completePendingSignIn, type PendingSignInDTO } from './pending';
import type { SessionPolicy } from './policy';

type SecondStepTenant = { id: string; sessionPolicy?: SessionPolicy };

export type SecondStepOutcome =
  | { ok: true; method: 'totp' }
  | { ok: true; method: 'recovery_code'; recoveryCodesLeft: number }
  | { ok: false; reason: 'invalid_code' | 'expired' }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

class SignInExpired extends Error {}

/**
 * The second step of a sign-in: a code from the member's authenticator app, or one of their
 * recovery codes. Right, it is spent and the session becomes a sign-in, in one transaction.
 * Wrong codes count per member (the limit fails closed), are audited and logged as security
 * events; once over the limit even a right code waits.
 */
export async function verifySecondStep(attempt: {
  tenant: SecondStepTenant;
  pending: PendingSignInDTO;
  code: string;
  request: ActivityRequest;
  now?: number;
}): Promise<SecondStepOutcome> {
  const { tenant, pending, request } = attempt;
  const key = `${tenant.id}:${pending.membershipId}`;
  const actor = { type: 'user' as const, id: pending.userId };
  const allowance = await peekRateLimit(rateLimitPolicies.mfaPerAccount, key);
  if (!allowance.allowed) {
    await reportSecurityEvent({
      tenantId: tenant.id,
      actor,
      action: 'auth.mfa_rate_limited',
      target: { type: 'session', id: pending.sessionId },
      channel: 'web',
      metadata: { storeUnavailable: allowance.storeUnavailable },
      request,
    });
    return { ok: false, reason: 'rate_limited', retryAfterSeconds: allowance.retryAfterSeconds };
  }

  let checked: SecondFactorCheck;
  try {
    checked = await withTenant(tenant.id, async (tx) => {
      const check = await verifySecondFactor(tx, {
        tenantId: tenant.id,
        membershipId: pending.membershipId,
        code: attempt.code,
        now: attempt.now,
      });
      if (!check.ok) return check;
      const completed = await completePendingSignIn(tx, {
        tenantId: tenant.id,
        sessionId: pending.sessionId,
        step: 'mfa',
        policy: tenant.sessionPolicy,
      });
      // Rolls back, so the code is not spent on a sign-in that can no longer finish.
      if (!completed) throw new SignInExpired();
      if (check.method === 'recovery_code') {
        await recordAudit(tx, {
          tenantId: tenant.id,
          actor,
          action: 'auth.recovery_code_used',
          target: { type: 'membership', id: pending.membershipId },
          metadata: { recoveryCodesLeft: check.recoveryCodesLeft },
          request,
        });
      }
      await recordAudit(tx, {
        tenantId: tenant.id,
        actor,
        action: 'auth.mfa_verified',
        target: { type: 'session', id: pending.sessionId },
        metadata: { method: check.method },
        request,
      });
      return check;
    });
  } catch (error) {
    if (error instanceof SignInExpired) return { ok: false, reason: 'expired' };
    throw error;
  }

  if (checked.ok) {
    await resetRateLimit(rateLimitPolicies.mfaPerAccount, key);
    return checked;
  }
  const counted = await consumeRateLimit(rateLimitPolicies.mfaPerAccount, key);
  // A wrong code changes nothing: like a failed sign-in it goes to the security log, not the
  // (chained) audit trail.
  await withTenant(tenant.id, (tx) =>
    recordSecurityEvent(tx, {
      tenantId: tenant.id,
      actor,
      action: 'auth.mfa_failed',
      target: { type: 'session', id: pending.sessionId },
      channel: 'web',
      metadata: { reason: 'wrong_code', attemptsLeft: counted.remaining },
      request,
    }),
  );
  return { ok: false, reason: 'invalid_code' };
}

/**
 * The enrolment step of a sign-in the tenant's policy demanded: confirming the new factor with
 * its first code completes the sign-in in the same transaction. The recovery codes are returned
 * once, for the member to save.
 */
export async function confirmEnrolmentStep(
  tx: Transaction,
  params: {
    tenant: SecondStepTenant;
    pending: PendingSignInDTO;
    code: string;
    request: ActivityRequest;
    now?: number;
  },
): Promise<{ recoveryCodes: string[] }> {
  const { tenant, pending } = params;
  const actor = { type: 'user' as const, id: pending.userId };
  const enrolled = await confirmEnrolment(tx, {
    tenantId: tenant.id,
    membershipId: pending.membershipId,
    code: params.code,
    actor,
    request: params.request,
    now: params.now,
  });
  const completed = await completePendingSignIn(tx, {
    tenantId: tenant.id,
    sessionId: pending.sessionId,
    step: 'mfa_enrolment',
    policy: tenant.sessionPolicy,
  });
  if (!completed) {
    throw new AppError('unauthenticated', 'Your sign-in has expired. Sign in again.');
  }
  await recordAudit(tx, {
    tenantId: tenant.id,
    actor,
    action: 'auth.mfa_verified',
    target: { type: 'session', id: pending.sessionId },
    metadata: { method: 'totp', enrolled: true },
    request: params.request,
  });
  return enrolled;
}
