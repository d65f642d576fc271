import 'server-only';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/scope';
import { platformSessions, users } from '@/db/schema';

/** Operator sessions: the same lifetimes as tenant sessions, enforced on every request. */
export const PLATFORM_SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60;
export const PLATFORM_SESSION_IDLE_SECONDS = 2 * 60 * 60;
// last_seen_at is written at most this often, so browsing the console is not a write per page.
const TOUCH_INTERVAL_SECONDS = 60;

/** A signed-in platform operator. */
export type OperatorDTO = {
  sessionId: string;
  userId: string;
  email: string;
  name: string;
};

export async function createPlatformSession(
  tx: Transaction,
  params: { userId: string; userAgent?: string | null },
): Promise<{ id: string; expiresAt: Date }> {
  const [row] = await tx
    .insert(platformSessions)
    .values({
      userId: params.userId,
      userAgent: params.userAgent?.slice(0, 512) ?? null,
      expiresAt: sql`now() + make_interval(secs => ${PLATFORM_SESSION_ABSOLUTE_SECONDS})`,
    })
    .returning({ id: platformSessions.id, expiresAt: platformSessions.expiresAt });
  if (!row) throw new Error('platform session insert returned no row');
  return row;
}

/**
 * The operator behind a session id, or null when the session is revoked, past its absolute
 * lifetime, idle too long, or its user is no longer an operator (demotion ends it at once).
 */
export async function loadOperatorSession(
  tx: Transaction,
  params: { sessionId: string },
): Promise<OperatorDTO | null> {
  const [row] = await tx
    .select({
      sessionId: platformSessions.id,
      userId: users.id,
      email: users.email,
      name: users.name,
      stale: sql<boolean>`${platformSessions.lastSeenAt} < now() - make_interval(secs => ${TOUCH_INTERVAL_SECONDS})`,
    })
    .from(platformSessions)
    .innerJoin(users, eq(users.id, platformSessions.userId))
    .where(
      and(
        eq(platformSessions.id, params.sessionId),
        eq(users.platformRole, 'operator'),
        isNull(platformSessions.revokedAt),
        gt(platformSessions.expiresAt, sql`now()`),
        gt(
          platformSessions.lastSeenAt,
          sql`now() - make_interval(secs => ${PLATFORM_SESSION_IDLE_SECONDS})`,
        ),
      ),
    );
  if (!row) return null;
  const { stale, ...operator } = row;
  if (stale) {
    await tx
      .update(platformSessions)
      .set({ lastSeenAt: sql`now()` })
      .where(eq(platformSessions.id, params.sessionId));
  }
  return operator;
}

/** Ends a session (sign-out). True when this call revoked it, false when it already was. */
export async function revokePlatformSession(
  tx: Transaction,
  params: { sessionId: string },
): Promise<boolean> {
  const revoked = await tx
    .update(platformSessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(platformSessions.id, params.sessionId), isNull(platformSessions.revokedAt)))
    .returning({ id: platformSessions.id });
  return revoked.length > 0;
}
