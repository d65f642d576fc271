import 'server-only';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { withTenant, type Transaction } from '@/db/scope';
import {
  invitations,
  memberships,
  tenantRoles,
  type RoleColumn,
  type TenantStatus,
} from '@/db/schema';
import { customRoleColumns, roleOfRow } from '@/lib/roles';
import { reportSecurityEvent } from '@/lib/activity';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { hashPassword, verifyPassword } from '@/lib/passwords';
import { consumeRateLimit, rateLimitPolicies } from '@/lib/ratelimit';
import {
  assertBelowLimit,
  DEFAULT_ACCOUNT_POLICY,
  newPasswordSchema,
  passwordProblem,
  type AccountPolicy,
} from '@/lib/tenancy';
import { hashInvitationToken, isInvitationToken } from './tokens';

export const invitationTokenSchema = z.string().max(100);

/** The acceptance form: a name only matters for a new account; the password proves or sets it. */
export const acceptInvitationInput = z.object({
  token: invitationTokenSchema,
  name: z.string().max(200).optional(),
  password: z.string().min(1, 'Enter a password.').max(200, 'Use at most 200 characters.'),
});

const newAccountInput = z.object({
  name: z
    .string({ message: 'Enter your name.' })
    .trim()
    .min(1, 'Enter your name.')
    .max(100, 'Keep the name under 100 characters.'),
  password: newPasswordSchema,
});

/** What the acceptance page shows about a valid link. */
export type InvitationPreview = {
  email: string;
  roleName: string;
  roleDescription: string;
  expiresAt: Date;
  /** True when an account with the invited e-mail exists: its password is asked, not a new one. */
  hasAccount: boolean;
};

export type AcceptInvitationAttempt = {
  /** The host's tenant: the link must be one of its invitations. */
  tenant: { id: string; status: TenantStatus; accountPolicy?: AccountPolicy };
  token: string;
  password: string;
  name?: string;
  request: RequestMeta & { userAgent?: string | null };
};

export type AcceptedInvitation = {
  userId: string;
  email: string;
  roleName: string;
  newAccount: boolean;
};

type OpenInvitation = {
  id: string;
  email: string;
  role: RoleColumn;
  customRoleId: string | null;
  roleName: string;
  roleDescription: string;
  expiresAt: Date;
};
type InviteeAccount = { id: string; passwordHash: string };

/** One answer for every link that does not work here, so none tells more than another. */
const notValid = () =>
  new AppError(
    'not_found',
    'This invitation link is not valid any more. It may have expired, been used or been withdrawn: ask for a new one.',
  );

// Looked up inside the host tenant's transaction: row-level security makes another tenant's
// link as unknown as a made-up one.
async function findOpenInvitation(
  tx: Transaction,
  params: { tenantId: string; tokenHash: string },
): Promise<OpenInvitation | undefined> {
  const [row] = await tx
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      customRoleId: invitations.customRoleId,
      ...customRoleColumns,
      expiresAt: invitations.expiresAt,
    })
    .from(invitations)
    .leftJoin(
      tenantRoles,
      and(
        eq(tenantRoles.tenantId, invitations.tenantId),
        eq(tenantRoles.id, invitations.customRoleId),
      ),
    )
    .where(
      and(
        eq(invitations.tenantId, params.tenantId),
        eq(invitations.tokenHash, params.tokenHash),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, sql`now()`),
      ),
    );
  if (!row) return undefined;
  const role = roleOfRow(row);
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    customRoleId: row.customRoleId,
    roleName: role.name,
    roleDescription: role.description,
    expiresAt: row.expiresAt,
  };
}

/**
 * The account of the invited e-mail, if one exists. A tenant transaction cannot see people who
 * are not its members; this definer function (migration 0008) answers for an open invitation of
 * the transaction's own tenant only.
 */
async function findInviteeAccount(
  tx: Transaction,
  invitationId: string,
): Promise<InviteeAccount | undefined> {
  const result = (await tx.execute(
    sql`select id, password_hash from tenantry_internal.invitation_account(${invitationId})`,
  )) as unknown as { rows: Array<{ id: string; password_hash: string }> };
  const row = result.rows[0];
  return row ? { id: row.id, passwordHash: row.password_hash } : undefined;
}

/** The acceptance page's view of a link, or null when it is not valid on this tenant's host. */
export async function previewInvitation(params: {
  tenantId: string;
  token: string;
}): Promise<InvitationPreview | null> {
  if (!isInvitationToken(params.token)) return null;
  const tokenHash = hashInvitationToken(params.token);
  return withTenant(params.tenantId, async (tx) => {
    const invitation = await findOpenInvitation(tx, { tenantId: params.tenantId, tokenHash });
    if (!invitation) return null;
    const account = await findInviteeAccount(tx, invitation.id);
    return {
      email: invitation.email,
      roleName: invitation.roleName,
      roleDescription: invitation.roleDescription,
      expiresAt: invitation.expiresAt,
      hasAccount: account !== undefined,
    };
  });
}

/**
 * Accepts an invitation on its tenant's host. Attempts are limited per client IP (failing closed).
 * An existing account proves its password; a new one chooses a name and a password under the
 * platform's rules. In one tenant transaction: the invitation is claimed under
 * `accepted_at is null` (so a link works once, even for two requests at the same moment), the
 * account is created when new, the members limit is checked, the membership inserted, and
 * `invitation.accepted` and `member.joined` are audited. Signing in is the caller's next step.
 */
export async function acceptInvitation(
  attempt: AcceptInvitationAttempt,
): Promise<AcceptedInvitation> {
  const { tenant, request } = attempt;
  if (tenant.status === 'suspended') {
    throw new AppError('tenant_suspended', 'This workspace is suspended.');
  }
  const allowance = await consumeRateLimit(
    rateLimitPolicies.invitationAcceptPerIp,
    request.ip ?? 'unknown',
  );
  if (!allowance.allowed) {
    await reportSecurityEvent({
      tenantId: tenant.id,
      actor: { type: 'anonymous', id: null },
      action: 'invitation.accept_rate_limited',
      channel: 'web',
      metadata: { storeUnavailable: allowance.storeUnavailable },
      request,
    });
    throw new AppError('rate_limited', 'Too many attempts. Wait a few minutes, then try again.', {
      retryAfterSeconds: allowance.retryAfterSeconds,
    });
  }
  if (!isInvitationToken(attempt.token)) throw notValid();
  const tokenHash = hashInvitationToken(attempt.token);

  const found = await withTenant(tenant.id, async (tx) => {
    const invitation = await findOpenInvitation(tx, { tenantId: tenant.id, tokenHash });
    return invitation ? { invitation, account: await findInviteeAccount(tx, invitation.id) } : null;
  });
  if (!found) throw notValid();
  const { invitation, account } = found;

  // Hashing happens outside any transaction: it takes ~100 ms and must not hold a connection.
  let newAccount: { name: string; passwordHash: string } | undefined;
  if (account) {
    if (!(await verifyPassword(attempt.password, account.passwordHash))) {
      await withTenant(tenant.id, (tx) =>
        recordAudit(tx, {
          tenantId: tenant.id,
          actor: { type: 'anonymous', id: null },
          action: 'invitation.accept_failed',
          target: { type: 'invitation', id: invitation.id },
          metadata: { email: invitation.email, reason: 'wrong_password' },
          request,
        }),
      );
      await reportSecurityEvent({
        tenantId: tenant.id,
        actor: { type: 'anonymous', id: null },
        action: 'invitation.accept_failed',
        channel: 'web',
        target: { type: 'invitation', id: invitation.id },
        metadata: { reason: 'wrong_password' },
        request,
      });
      throw new AppError('unauthenticated', 'That is not the password of your account.', {
        fieldErrors: { password: ['Enter the password of the account with this e-mail.'] },
      });
    }
  } else {
    const parsed = newAccountInput.safeParse({ name: attempt.name, password: attempt.password });
    if (!parsed.success) {
      const fieldErrors: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) {
        (fieldErrors[String(issue.path[0] ?? 'form')] ??= []).push(issue.message);
      }
      throw new AppError('invalid_input', 'Check the highlighted fields.', { fieldErrors });
    }
    const problem = passwordProblem(
      parsed.data.password,
      tenant.accountPolicy ?? DEFAULT_ACCOUNT_POLICY,
    );
    if (problem) {
      throw new AppError('invalid_input', 'Check the highlighted fields.', {
        fieldErrors: { password: [problem] },
      });
    }
    newAccount = {
      name: parsed.data.name,
      passwordHash: await hashPassword(parsed.data.password),
    };
  }

  return withTenant(tenant.id, async (tx) => {
    const [claimed] = await tx
      .update(invitations)
      .set({ acceptedAt: sql`now()` })
      .where(
        and(
          eq(invitations.tenantId, tenant.id),
          eq(invitations.id, invitation.id),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
          gt(invitations.expiresAt, sql`now()`),
        ),
      )
      .returning({ id: invitations.id });
    if (!claimed) throw notValid();

    const userId = account ? account.id : await createInvitedUser(tx, invitation.id, newAccount!);
    const [already] = await tx
      .select({ id: memberships.id })
      .from(memberships)
      .where(and(eq(memberships.tenantId, tenant.id), eq(memberships.userId, userId)));
    if (already) {
      throw new AppError('conflict', 'You are already a member of this workspace: sign in.');
    }
    await assertBelowLimit(tx, { tenantId: tenant.id, limit: 'members' });
    const [membership] = await tx
      .insert(memberships)
      .values({
        tenantId: tenant.id,
        userId,
        role: invitation.role,
        customRoleId: invitation.customRoleId,
      })
      .returning({ id: memberships.id });
    if (!membership) throw new Error('membership insert returned no row');
    await tx
      .update(invitations)
      .set({ acceptedBy: userId })
      .where(and(eq(invitations.tenantId, tenant.id), eq(invitations.id, invitation.id)));

    const actor = { type: 'user', id: userId } as const;
    await recordAudit(tx, {
      tenantId: tenant.id,
      actor,
      action: 'invitation.accepted',
      target: { type: 'invitation', id: invitation.id },
      metadata: { email: invitation.email, role: invitation.roleName, newAccount: !account },
      request,
    });
    await recordAudit(tx, {
      tenantId: tenant.id,
      actor,
      action: 'member.joined',
      target: { type: 'user', id: userId },
      metadata: { email: invitation.email, role: invitation.roleName, via: 'invitation' },
      request,
    });
    return {
      userId,
      email: invitation.email,
      roleName: invitation.roleName,
      newAccount: !account,
    };
  });
}

/**
 * Creates the account of an invitation being accepted in this transaction, through the definer
 * function of migration 0008 (a tenant transaction cannot insert users otherwise). Null from it
 * means an account with the e-mail appeared since the page was shown.
 */
async function createInvitedUser(
  tx: Transaction,
  invitationId: string,
  account: { name: string; passwordHash: string },
): Promise<string> {
  const result = (await tx.execute(
    sql`select tenantry_internal.create_invited_user(${invitationId}, ${account.name}, ${account.passwordHash}) as id`,
  )) as unknown as { rows: Array<{ id: string | null }> };
  const id = result.rows[0]?.id;
  if (!id) {
    throw new AppError(
      'conflict',
      'An account with this e-mail exists now. Reload the page and enter its password.',
    );
  }
  return id;
}
