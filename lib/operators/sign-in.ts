import 'server-only';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { withPlatform } from '@/db/scope';
import { users } from '@/db/schema';
import type { RequestMeta } from '@/lib/audit';
import { log, logSecurityEvent } from '@/lib/log';
import { verifyAgainstDecoy, verifyPassword } from '@/lib/passwords';
import {
  consumeRateLimit,
  peekRateLimit,
  rateLimitPolicies,
  resetRateLimit,
} from '@/lib/ratelimit';
import {
  createPlatformSession,
  loadOperatorSession,
  revokePlatformSession,
  type OperatorDTO,
} from './sessions';

export const operatorSignInInput = z.object({
  email: z.string().trim().toLowerCase().max(254),
  password: z.string().min(1).max(200),
});

export type OperatorSignInAttempt = z.infer<typeof operatorSignInInput> & {
  request: RequestMeta & { userAgent?: string | null };
};

export type OperatorSignInOutcome =
  | { ok: true; sessionId: string; userId: string; email: string; name: string }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/** Failures per account are counted apart from any tenant's: `platform:<email>`. */
const accountKey = (email: string) => `platform:${email}`;

/**
 * Operator sign-in on the root domain. Only users with `platform_role = 'operator'` are known
 * here: a tenant member with the right password is refused exactly like a stranger. Failures
 * count against the account and the client IP (the shared sign-in policies, which fail
 * closed) and are logged as security events; there is no tenant to audit them in.
 */
export async function authenticateOperator(
  attempt: OperatorSignInAttempt,
): Promise<OperatorSignInOutcome> {
  const { email, request } = attempt;
  const ipKey = request.ip ?? 'unknown';
  const [account, ip] = await Promise.all([
    peekRateLimit(rateLimitPolicies.signInPerAccount, accountKey(email)),
    peekRateLimit(rateLimitPolicies.signInPerIp, ipKey),
  ]);
  if (!account.allowed || !ip.allowed) {
    logSecurityEvent('auth.sign_in_rate_limited', {
      scope: 'platform',
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

  const [operator] = await withPlatform((tx) =>
    tx
      .select({ userId: users.id, name: users.name, passwordHash: users.passwordHash })
      .from(users)
      .where(and(eq(users.email, email), eq(users.platformRole, 'operator'))),
  );
  // Hashing happens outside any transaction: it takes ~100 ms and must not hold a connection.
  const valid = operator
    ? await verifyPassword(attempt.password, operator.passwordHash)
    : await verifyAgainstDecoy(attempt.password);

  if (!operator || !valid) {
    await Promise.all([
      consumeRateLimit(rateLimitPolicies.signInPerAccount, accountKey(email)),
      consumeRateLimit(rateLimitPolicies.signInPerIp, ipKey),
    ]);
    logSecurityEvent('auth.sign_in_failed', {
      scope: 'platform',
      reason: operator ? 'wrong_password' : 'not_an_operator',
      userId: operator?.userId,
      requestId: request.requestId,
      ip: request.ip,
    });
    return { ok: false, reason: 'invalid_credentials' };
  }

  await resetRateLimit(rateLimitPolicies.signInPerAccount, accountKey(email));
  const session = await withPlatform((tx) =>
    createPlatformSession(tx, { userId: operator.userId, userAgent: request.userAgent }),
  );
  log.info(
    {
      event: 'operator.signed_in',
      userId: operator.userId,
      sessionId: session.id,
      requestId: request.requestId,
    },
    'operator signed in',
  );
  return { ok: true, sessionId: session.id, userId: operator.userId, email, name: operator.name };
}

/** What the session cookie decodes to (lib/auth): a session id, its tenant and what kind it is. */
export type OperatorToken =
  { sessionId?: string; tenantId?: string; kind?: string } | null | undefined;

const sessionIdSchema = z.uuid();

/**
 * The operator a decoded session token stands for on the root domain, or null. Only a token
 * minted by the operator sign-in counts: a tenant member's token (it carries a tenant and
 * another kind) is never taken for an operator's, and the server-side session must be live.
 */
export async function resolveOperator(
  token: OperatorToken,
  request: RequestMeta = {},
): Promise<OperatorDTO | null> {
  const sessionId = token?.sessionId;
  if (!sessionId) return null;
  if (
    token.kind !== 'operator' ||
    token.tenantId ||
    !sessionIdSchema.safeParse(sessionId).success
  ) {
    logSecurityEvent('auth.session_rejected', {
      scope: 'platform',
      requestId: request.requestId,
      reason: 'not_an_operator_token',
    });
    return null;
  }
  return withPlatform((tx) => loadOperatorSession(tx, { sessionId }));
}

/** Sign-out: revokes the server-side session, so a copied cookie stops working too. */
export async function endOperatorSession(
  operator: OperatorDTO,
  request: RequestMeta = {},
): Promise<void> {
  const revoked = await withPlatform((tx) =>
    revokePlatformSession(tx, { sessionId: operator.sessionId }),
  );
  if (revoked) {
    log.info(
      {
        event: 'operator.signed_out',
        userId: operator.userId,
        sessionId: operator.sessionId,
        requestId: request.requestId,
      },
      'operator signed out',
    );
  }
}
