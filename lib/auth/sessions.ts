import 'server-only';
import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/scope';
import {
  memberships,
  sessions,
  tenantRoles,
  users,
  type RoleColumn,
  type SessionPendingStep,
} from '@/db/schema';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { permissionsOf, type Permission } from '@/lib/rbac';

import { DEFAULT_SESSION_POLICY, MAX_SESSION_LIFETIME_HOURS, type SessionPolicy } from './policy';

/** The longest any tenant's policy may keep a session: the session cookie's own lifetime. */
export const SESSION_COOKIE_MAX_AGE_SECONDS = MAX_SESSION_LIFETIME_HOURS * 60 * 60;
// last_seen_at is written at most this often, so browsing is not a write per page.
const TOUCH_INTERVAL_SECONDS = 60;
/** How long a half sign-in (password done, second factor owed) may wait for its next step. */
export const PENDING_SIGN_IN_SECONDS = 10 * 60;

export type ViewerDTO = {
  sessionId: string;
  userId: string;
  membershipId: string;
  /** A built-in role, or 'custom' (then `roleName` is the tenant's name for it). */
  role: RoleColumn;
  roleName: string;
  /** Resolved at every request: a custom role's edits apply at the member's next click. */
  permissions: readonly Permission[];
  email: string;
  name: string;
};

export async function createSession(
  tx: Transaction,
  params: {
    tenantId: string;
    userId: string;
    membershipId: string;
    userAgent?: string | null;
    ip?: string | null;
    policy?: SessionPolicy;
    /** The step still owed; such a session is no sign-in until completePendingSignIn. */
    pendingStep?: SessionPendingStep | null;
  },
): Promise<{ id: string; expiresAt: Date }> {
  const lifetimeSeconds = params.pendingStep
    ? PENDING_SIGN_IN_SECONDS
    : (params.policy ?? DEFAULT_SESSION_POLICY).sessionLifetimeHours * 3600;
  const [row] = await tx
    .insert(sessions)
    .values({
      tenantId: params.tenantId,
      userId: params.userId,
      membershipId: params.membershipId,
      userAgent: params.userAgent?.slice(0, 512) ?? null,
      ip: params.ip?.slice(0, 64) ?? null,
      pendingStep: params.pendingStep ?? null,
      expiresAt: sql`now() + make_interval(secs => ${lifetimeSeconds})`,
    })
    .returning({ id: sessions.id, expiresAt: sessions.expiresAt });
  if (!row) throw new Error('session insert returned no row');
  return row;
}

/**
 * The signed-in member behind a session id, or null when it is revoked, expired or idle too
 * long. Lifetime and idle timeout are the tenant's policy *now*: a session created under a
 * longer policy ends as soon as the policy is shortened.
 */
export async function loadSession(
  tx: Transaction,
  params: { tenantId: string; sessionId: string; policy?: SessionPolicy },
): Promise<ViewerDTO | null> {
  const policy = params.policy ?? DEFAULT_SESSION_POLICY;
  const lifetimeSeconds = policy.sessionLifetimeHours * 3600;
  const idleSeconds = policy.idleTimeoutMinutes * 60;
  const [row] = await tx
    .select({
      sessionId: sessions.id,
      userId: users.id,
      membershipId: memberships.id,
      role: memberships.role,
      customRoleName: tenantRoles.name,
      customRolePermissions: tenantRoles.permissions,
      email: users.email,
      name: users.name,
      stale: sql<boolean>`${sessions.lastSeenAt} < now() - make_interval(secs => ${TOUCH_INTERVAL_SECONDS})`,
    })
    .from(sessions)
    .innerJoin(
      memberships,
      and(eq(memberships.tenantId, sessions.tenantId), eq(memberships.id, sessions.membershipId)),
    )
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(
      tenantRoles,
      and(
        eq(tenantRoles.tenantId, memberships.tenantId),
        eq(tenantRoles.id, memberships.customRoleId),
      ),
    )
    .where(
      and(
        eq(sessions.tenantId, params.tenantId),
        eq(sessions.id, params.sessionId),
        isNull(sessions.revokedAt),
        isNull(sessions.pendingStep),
        gt(sessions.expiresAt, sql`now()`),
        gt(sessions.createdAt, sql`now() - make_interval(secs => ${lifetimeSeconds})`),
        gt(sessions.lastSeenAt, sql`now() - make_interval(secs => ${idleSeconds})`),
      ),
    );
  if (!row) return null;
  const { stale, customRoleName, customRolePermissions, ...member } = row;
  const viewer: ViewerDTO = {
    ...member,
    roleName: customRoleName ?? member.role,
    permissions: permissionsOf(member.role, customRolePermissions),
  };
  if (stale) {
    await tx
      .update(sessions)
      .set({ lastSeenAt: sql`now()` })
      .where(and(eq(sessions.tenantId, params.tenantId), eq(sessions.id, params.sessionId)));
  }
  return viewer;
}

export async function revokeSession(
  tx: Transaction,
  params: {
    tenantId: string;
    sessionId: string;
    /** When given, only a session of this user is revoked (a member revoking their own). */
    userId?: string;
    actor: Actor;
    request?: RequestMeta;
    action?: 'auth.signed_out' | 'auth.session_revoked';
  },
): Promise<boolean> {
  const revoked = await tx
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(sessions.tenantId, params.tenantId),
        eq(sessions.id, params.sessionId),
        params.userId ? eq(sessions.userId, params.userId) : undefined,
        isNull(sessions.revokedAt),
      ),
    )
    .returning({ id: sessions.id, userId: sessions.userId });
  const [row] = revoked;
  if (!row) return false;
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: params.action ?? 'auth.signed_out',
    target: { type: 'session', id: params.sessionId },
    metadata: { userId: row.userId },
    request: params.request,
  });
  return true;
}

export type SessionSummaryDTO = {
  id: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastSeenAt: Date;
};

/** A member's sessions that are still usable under the tenant's policy, newest activity first. */
export async function listActiveSessions(
  tx: Transaction,
  params: { tenantId: string; userId: string; policy?: SessionPolicy },
): Promise<SessionSummaryDTO[]> {
  const policy = params.policy ?? DEFAULT_SESSION_POLICY;
  return tx
    .select({
      id: sessions.id,
      userAgent: sessions.userAgent,
      ip: sessions.ip,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
    })
    .from(sessions)
    .where(
      and(
        eq(sessions.tenantId, params.tenantId),
        eq(sessions.userId, params.userId),
        isNull(sessions.revokedAt),
        // A half sign-in (second factor owed) is not a session the member can use or manage.
        isNull(sessions.pendingStep),
        gt(sessions.expiresAt, sql`now()`),
        gt(
          sessions.createdAt,
          sql`now() - make_interval(secs => ${policy.sessionLifetimeHours * 3600})`,
        ),
        gt(
          sessions.lastSeenAt,
          sql`now() - make_interval(secs => ${policy.idleTimeoutMinutes * 60})`,
        ),
      ),
    )
    .orderBy(desc(sessions.lastSeenAt));
}

/**
 * Revokes every live session of a user in this tenant except `keep` (the caller's own, when
 * they sign out their other devices). One audit event names how many ended.
 */
export async function revokeSessionsOf(
  tx: Transaction,
  params: { tenantId: string; userId: string; keep?: string; actor: Actor; request?: RequestMeta },
): Promise<number> {
  const revoked = await tx
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(sessions.tenantId, params.tenantId),
        eq(sessions.userId, params.userId),
        isNull(sessions.revokedAt),
        params.keep ? ne(sessions.id, params.keep) : undefined,
      ),
    )
    .returning({ id: sessions.id });
  if (revoked.length > 0) {
    await recordAudit(tx, {
      tenantId: params.tenantId,
      actor: params.actor,
      action: 'auth.sessions_revoked',
      target: { type: 'user', id: params.userId },
      metadata: { count: revoked.length, keptCurrent: Boolean(params.keep) },
      request: params.request,
    });
  }
  return revoked.length;
}
