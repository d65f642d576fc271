import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { withTenant, type Transaction } from '@/db/scope';
import { invitations, memberships, ssoIdentities, users, type TenantStatus } from '@/db/schema';
import { recordSecurityEvent, reportSecurityEvent } from '@/lib/activity';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { createSession } from '@/lib/auth/sessions';
import type { SessionPolicy } from '@/lib/auth/policy';
import { isAppError } from '@/lib/errors';
import {
  assertBelowLimit,
  DEFAULT_ACCOUNT_POLICY,
  emailDomainAllowed,
  UNUSABLE_PASSWORD,
  type AccountPolicy,
} from '@/lib/tenancy';
import { ssoClientOf } from './connections';
import type { SsoAutoProvisionRole, SsoFailureReason } from './schemas';

/** What the identity provider said about the person (validated ID token, then userinfo). */
export type SsoClaims = {
  subject: string;
  email?: string | null;
  emailVerified: boolean;
  name?: string | null;
};

export type SsoSignInAttempt = {
  /** The host's tenant: the only one this sign-in can ever reach. */
  tenant: {
    id: string;
    status: TenantStatus;
    sessionPolicy?: SessionPolicy;
    accountPolicy?: AccountPolicy;
  };
  /** The issuer of the connection the flow ran with (its tokens were checked against it). */
  issuer: string;
  claims: SsoClaims;
  request: RequestMeta & { userAgent?: string | null };
};

export type SsoSignInOutcome =
  | {
      ok: true;
      sessionId: string;
      userId: string;
      membershipId: string;
      email: string;
      name: string;
      /** How the person was recognised: a linked identity, their e-mail, or a new membership. */
      via: Via;
    }
  | { ok: false; reason: SsoFailureReason };

type Member = { userId: string; membershipId: string; email: string; name: string };
type Via = 'identity' | 'email' | 'provisioned';
type Refused = { refused: SsoFailureReason; userId?: string };
type Found = (Member & { via: Via }) | Refused;

class Refusal extends Error {
  constructor(readonly reason: SsoFailureReason) {
    super(reason);
  }
}

/**
 * Completes a single sign-on for the host's tenant after Auth.js has checked the provider's
 * answer (state, PKCE, nonce, ID token). In one tenant transaction the person is found — by the
 * identity already linked to (issuer, subject); else by a member with the same *verified* e-mail,
 * whose identity is linked now; else, when the connection auto-provisions, as a new member with
 * its role — and a complete session is created (the provider handles any second factor, so no
 * TOTP step is owed), recorded as `auth.signed_in` with method `sso` in the audit trail and the
 * security log. A refusal leaves nothing behind but `auth.sign_in_failed` in the security log.
 */
export async function completeSsoSignIn(attempt: SsoSignInAttempt): Promise<SsoSignInOutcome> {
  const { tenant, issuer, claims, request } = attempt;
  if (tenant.status === 'suspended') return { ok: false, reason: 'tenant_suspended' };
  const email = claims.email?.trim().toLowerCase() || null;

  let found: (Member & { via: Via; sessionId: string }) | Refused;
  try {
    found = await withTenant(tenant.id, async (tx) => {
      const member = await findOrProvision(tx, { ...attempt, email });
      if ('refused' in member) return member;
      const session = await createSession(tx, {
        tenantId: tenant.id,
        userId: member.userId,
        membershipId: member.membershipId,
        userAgent: request.userAgent,
        ip: request.ip,
        policy: tenant.sessionPolicy,
      });
      const signedIn = {
        tenantId: tenant.id,
        actor: { type: 'user', id: member.userId },
        action: 'auth.signed_in',
        target: { type: 'session', id: session.id },
        metadata: { method: 'sso', issuer, via: member.via },
        request,
      } as const;
      await recordSecurityEvent(tx, { ...signedIn, channel: 'web' });
      await recordAudit(tx, signedIn);
      return { ...member, sessionId: session.id };
    });
  } catch (error) {
    // Thrown to roll back what provisioning had written; anything else is a real error.
    if (error instanceof Refusal) found = { refused: error.reason };
    else if (isAppError(error) && error.code === 'limit_reached')
      found = { refused: 'limit_reached' };
    else throw error;
  }

  if ('refused' in found) {
    const { refused, userId } = found;
    // A refusal changes nothing: it goes to the security log, not the (chained) audit trail.
    await reportSecurityEvent({
      tenantId: tenant.id,
      actor: userId ? { type: 'user', id: userId } : { type: 'anonymous', id: null },
      target: userId ? { type: 'user', id: userId } : undefined,
      action: 'auth.sign_in_failed',
      channel: 'web',
      metadata: { method: 'sso', issuer, subject: claims.subject, email, reason: refused },
      request,
    });
    return { ok: false, reason: refused };
  }
  const { sessionId, userId, membershipId, name, via } = found;
  return { ok: true, sessionId, userId, membershipId, email: found.email, name, via };
}

async function findOrProvision(
  tx: Transaction,
  attempt: SsoSignInAttempt & { email: string | null },
): Promise<Found> {
  const { tenant, issuer, claims, email, request } = attempt;
  const client = await ssoClientOf(tx, { tenantId: tenant.id });
  // The connection was switched off or pointed elsewhere while the person was at the provider.
  if (!client || client.issuer !== issuer) return { refused: 'unavailable' };

  const linked = await memberByIdentity(tx, {
    tenantId: tenant.id,
    issuer,
    subject: claims.subject,
  });
  if (linked) {
    await tx
      .update(ssoIdentities)
      .set({ lastSignInAt: sql`now()` })
      .where(and(eq(ssoIdentities.tenantId, tenant.id), eq(ssoIdentities.id, linked.identityId)));
    return { ...linked.member, via: 'identity' };
  }

  // Without a verified address nobody can be matched or created: an unverified one could be anyone's.
  if (!email || !claims.emailVerified) return { refused: 'email_unverified' };

  const existing = await memberByEmail(tx, { tenantId: tenant.id, email });
  if (existing) {
    const [other] = await tx
      .select({ id: ssoIdentities.id })
      .from(ssoIdentities)
      .where(
        and(
          eq(ssoIdentities.tenantId, tenant.id),
          eq(ssoIdentities.membershipId, existing.membershipId),
          eq(ssoIdentities.issuer, issuer),
        ),
      );
    // The member is linked to another subject of this provider: the address moved to someone else.
    if (other) return { refused: 'identity_conflict', userId: existing.userId };
    await linkIdentity(tx, {
      tenantId: tenant.id,
      member: existing,
      issuer,
      claims,
      request,
      via: 'email',
    });
    return { ...existing, via: 'email' };
  }

  if (!client.autoProvisionRole) return { refused: 'not_member' };
  if (!emailDomainAllowed(email, tenant.accountPolicy ?? DEFAULT_ACCOUNT_POLICY)) {
    return { refused: 'domain_not_allowed' };
  }
  const member = await provisionMember(tx, {
    tenantId: tenant.id,
    email,
    name: nameFor(claims, email),
    role: client.autoProvisionRole,
  });
  await linkIdentity(tx, {
    tenantId: tenant.id,
    member,
    issuer,
    claims,
    request,
    via: 'provisioned',
  });
  await recordAudit(tx, {
    tenantId: tenant.id,
    actor: { type: 'user', id: member.userId },
    action: 'member.joined',
    target: { type: 'user', id: member.userId },
    metadata: { email, role: client.autoProvisionRole, via: 'sso', newAccount: member.newAccount },
    request,
  });
  return { ...member, via: 'provisioned' };
}

async function memberByIdentity(
  tx: Transaction,
  params: { tenantId: string; issuer: string; subject: string },
): Promise<{ identityId: string; member: Member } | undefined> {
  const [row] = await tx
    .select({
      identityId: ssoIdentities.id,
      userId: users.id,
      membershipId: memberships.id,
      email: users.email,
      name: users.name,
    })
    .from(ssoIdentities)
    .innerJoin(
      memberships,
      and(
        eq(memberships.tenantId, ssoIdentities.tenantId),
        eq(memberships.id, ssoIdentities.membershipId),
      ),
    )
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(ssoIdentities.tenantId, params.tenantId),
        eq(ssoIdentities.issuer, params.issuer),
        eq(ssoIdentities.subject, params.subject),
      ),
    );
  if (!row) return undefined;
  const { identityId, ...member } = row;
  return { identityId, member };
}

// Row-level security shows a tenant transaction its own members only: a person who belongs to
// another tenant is as unknown here as a stranger.
async function memberByEmail(
  tx: Transaction,
  params: { tenantId: string; email: string },
): Promise<Member | undefined> {
  const [row] = await tx
    .select({
      userId: users.id,
      membershipId: memberships.id,
      email: users.email,
      name: users.name,
    })
    .from(users)
    .innerJoin(
      memberships,
      and(eq(memberships.userId, users.id), eq(memberships.tenantId, params.tenantId)),
    )
    .where(eq(users.email, params.email));
  return row;
}

async function linkIdentity(
  tx: Transaction,
  params: {
    tenantId: string;
    member: Member;
    issuer: string;
    claims: SsoClaims;
    request: RequestMeta;
    via: 'email' | 'provisioned';
  },
): Promise<void> {
  await tx.insert(ssoIdentities).values({
    tenantId: params.tenantId,
    membershipId: params.member.membershipId,
    issuer: params.issuer,
    subject: params.claims.subject,
    lastSignInAt: sql`now()`,
  });
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: { type: 'user', id: params.member.userId },
    action: 'sso.identity_linked',
    target: { type: 'user', id: params.member.userId },
    metadata: {
      issuer: params.issuer,
      subject: params.claims.subject,
      email: params.member.email,
      via: params.via,
    },
    request: params.request,
  });
}

function nameFor(claims: SsoClaims, email: string): string {
  return claims.name?.trim().slice(0, 100) || email.slice(0, email.indexOf('@'));
}

/**
 * A new member with the connection's role. Users are global and a tenant transaction can neither
 * see people outside the tenant nor create any, so this goes through the two definer functions of
 * migration 0008, exactly as an accepted invitation does: the connection issues an invitation in
 * the person's name and accepts it in this same transaction (it is never open to anyone else). An
 * existing account with the e-mail joins; otherwise one is created without a usable password.
 */
async function provisionMember(
  tx: Transaction,
  params: { tenantId: string; email: string; name: string; role: SsoAutoProvisionRole },
): Promise<Member & { newAccount: boolean }> {
  await assertBelowLimit(tx, { tenantId: params.tenantId, limit: 'members' });
  const [invitation] = await tx
    .insert(invitations)
    .values({
      tenantId: params.tenantId,
      email: params.email,
      role: params.role,
      // The hash of a token nobody holds: no link can ever open this invitation.
      tokenHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
      expiresAt: sql`now() + interval '1 minute'`,
    })
    .onConflictDoNothing()
    .returning({ id: invitations.id });
  // An open invitation for the address already exists: its role is the admin's choice, not ours.
  if (!invitation) throw new Refusal('invitation_pending');

  const found = (await tx.execute(
    sql`select id from tenantry_internal.invitation_account(${invitation.id})`,
  )) as unknown as { rows: Array<{ id: string }> };
  const existingUserId = found.rows[0]?.id;
  await tx
    .update(invitations)
    .set({ acceptedAt: sql`now()` })
    .where(and(eq(invitations.tenantId, params.tenantId), eq(invitations.id, invitation.id)));
  let userId = existingUserId;
  if (!userId) {
    const created = (await tx.execute(
      sql`select tenantry_internal.create_invited_user(${invitation.id}, ${params.name}, ${UNUSABLE_PASSWORD}) as id`,
    )) as unknown as { rows: Array<{ id: string | null }> };
    userId = created.rows[0]?.id ?? undefined;
    // Another request created the account a moment ago: let the person simply try again.
    if (!userId) throw new Error('account created concurrently');
  }
  const [membership] = await tx
    .insert(memberships)
    .values({ tenantId: params.tenantId, userId, role: params.role })
    .returning({ id: memberships.id });
  if (!membership) throw new Error('membership insert returned no row');
  await tx
    .update(invitations)
    .set({ acceptedBy: userId })
    .where(and(eq(invitations.tenantId, params.tenantId), eq(invitations.id, invitation.id)));
  const [user] = await tx.select({ name: users.name }).from(users).where(eq(users.id, userId));
  return {
    userId,
    membershipId: membership.id,
    email: params.email,
    name: user?.name ?? params.name,
    newAccount: !existingUserId,
  };
}
