import 'server-only';
import { and, count, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/scope';
import { invitations, memberships, tenantRoles, tenants, users } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { protocolFor, tenantOrigin } from '@/lib/host';
import { log } from '@/lib/log';
import { sendMail, type MailMessage } from '@/lib/mail';
import type { MemberActor } from '@/lib/members';
import { limitFor } from '@/lib/plans';
import { canGrant, type Permission } from '@/lib/rbac';
import { assertCanGrant, customRoleColumns, resolveRole, roleOfRow } from '@/lib/roles';
import { accountPolicyOf, emailDomainAllowed } from '@/lib/auth/policy';
import { assertBelowLimit } from '@/lib/tenancy';
import { INVITATION_TTL_DAYS, newInvitationToken } from './tokens';

export type InvitationStatus = 'pending' | 'expired';

/** An open invitation (neither accepted nor revoked) as the members page lists it. */
export type InvitationDTO = {
  id: string;
  email: string;
  roleName: string;
  /** The permissions the invitation would grant: who may revoke it is checked against them. */
  permissions: Permission[];
  invitedByName: string | null;
  createdAt: Date;
  expiresAt: Date;
  status: InvitationStatus;
};

/** What createInvitation returns; `delivery` says what became of the e-mail after the commit. */
export type CreatedInvitation = {
  invitation: InvitationDTO;
  /** The open invitation for the same e-mail that this one replaced (its link stopped working). */
  replacedId: string | null;
  delivery: 'pending' | 'sent' | 'failed';
};

type Scope = { tenantId: string; actor: MemberActor; request?: RequestMeta };

const open = and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt));
const withCustomRole = and(
  eq(tenantRoles.tenantId, invitations.tenantId),
  eq(tenantRoles.id, invitations.customRoleId),
);

/**
 * The e-mail of each created invitation, held until the transaction has committed: the outbox is
 * platform data the tenant transaction cannot write, and an SMTP conversation must not hold a
 * database connection. Keyed by the result object, so the token never travels in the result the
 * action returns to the browser.
 */
const unsentMail = new WeakMap<CreatedInvitation, MailMessage>();

/**
 * Invites `email` with `role`. The caller's action checked `members:manage`; here: nobody invites
 * with a role they could not grant; a member is not invited again; an open invitation for the
 * same e-mail is replaced (its link stops working: inviting again is how a link is re-sent); and
 * the plan's members limit counts open, unexpired invitations as well as members. Audited as
 * `invitation.created`. Send the e-mail with `deliverInvitation` after the commit.
 */
export async function createInvitation(
  tx: Transaction,
  params: Scope & { email: string; role: string },
): Promise<CreatedInvitation> {
  const { tenantId, actor, email } = params;
  // Locked for share: the role cannot be deleted or edited until this invitation commits.
  const role = await resolveRole(tx, { tenantId, key: params.role, lock: true });
  assertCanGrant(actor, role);
  const [tenant] = await tx
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  const policy = accountPolicyOf(tenant?.settings.security);
  if (!emailDomainAllowed(email, policy)) {
    throw new AppError(
      'invalid_input',
      'This workspace only invites addresses of its own domains.',
      {
        fieldErrors: { email: [`Use an address at ${policy.allowedEmailDomains.join(', ')}.`] },
      },
    );
  }
  const [member] = await tx
    .select({ id: memberships.id })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenantId), eq(users.email, email)));
  if (member) {
    throw new AppError('conflict', 'That person is already a member of this workspace.', {
      fieldErrors: { email: ['Already a member of this workspace.'] },
    });
  }

  // Members and open invitations are counted under the limit's lock (taken by assertBelowLimit),
  // so two invitations cannot both take the last place.
  await assertBelowLimit(tx, { tenantId, limit: 'members' });
  const [previous] = await tx
    .select({
      id: invitations.id,
      role: invitations.role,
      customRoleId: invitations.customRoleId,
      ...customRoleColumns,
    })
    .from(invitations)
    .leftJoin(tenantRoles, withCustomRole)
    .where(and(eq(invitations.tenantId, tenantId), eq(invitations.email, email), open))
    .for('update', { of: invitations });
  if (previous) {
    if (!canGrant(actor, roleOfRow(previous).permissions)) {
      throw new AppError(
        'forbidden',
        'An invitation with a role you cannot grant is open for this e-mail; only someone who holds that role can replace it.',
      );
    }
    await tx
      .update(invitations)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(invitations.tenantId, tenantId), eq(invitations.id, previous.id)));
  }
  await assertRoomForInvitation(tx, tenantId);

  const { token, tokenHash } = newInvitationToken();
  const [row] = await tx
    .insert(invitations)
    .values({
      tenantId,
      email,
      role: role.role,
      customRoleId: role.customRoleId,
      tokenHash,
      invitedBy: actor.userId,
      expiresAt: sql`now() + make_interval(days => ${INVITATION_TTL_DAYS})`,
    })
    .returning({
      id: invitations.id,
      createdAt: invitations.createdAt,
      expiresAt: invitations.expiresAt,
    });
  if (!row) throw new Error('invitation insert returned no row');

  const [context] = await tx
    .select({ tenantName: tenants.name, slug: tenants.slug, inviterName: users.name })
    .from(tenants)
    .leftJoin(users, eq(users.id, actor.userId))
    .where(eq(tenants.id, tenantId));
  if (!context) throw new AppError('not_found', 'This workspace does not exist.');

  await recordAudit(tx, {
    tenantId,
    actor: { type: 'user', id: actor.userId },
    action: 'invitation.created',
    target: { type: 'invitation', id: row.id },
    metadata: {
      email,
      role: role.name,
      expiresAt: row.expiresAt.toISOString(),
      ...(previous ? { replaced: previous.id } : {}),
    },
    request: params.request,
  });

  const created: CreatedInvitation = {
    invitation: {
      id: row.id,
      email,
      roleName: role.name,
      permissions: role.permissions,
      invitedByName: context.inviterName,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      status: 'pending',
    },
    replacedId: previous?.id ?? null,
    delivery: 'pending',
  };
  unsentMail.set(
    created,
    invitationMail({
      to: email,
      tenantId,
      tenantName: context.tenantName,
      slug: context.slug,
      inviterName: context.inviterName,
      roleName: role.name,
      token,
      expiresAt: row.expiresAt,
    }),
  );
  return created;
}

/** Refuses a new invitation when members plus open, unexpired invitations fill the plan's limit. */
async function assertRoomForInvitation(tx: Transaction, tenantId: string): Promise<void> {
  const [tenant] = await tx
    .select({
      plan: tenants.plan,
      featureOverrides: tenants.featureOverrides,
      limitOverrides: tenants.limitOverrides,
    })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (!tenant) throw new AppError('not_found', 'This workspace does not exist.');
  const max = limitFor(tenant, 'members');
  if (max === null) return;
  const [members] = await tx
    .select({ n: count() })
    .from(memberships)
    .where(eq(memberships.tenantId, tenantId));
  const [pending] = await tx
    .select({ n: count() })
    .from(invitations)
    .where(and(eq(invitations.tenantId, tenantId), open, gt(invitations.expiresAt, sql`now()`)));
  if ((members?.n ?? 0) + (pending?.n ?? 0) >= max) {
    throw new AppError(
      'limit_reached',
      `This workspace’s plan allows ${max.toLocaleString('en')} members, and its members and open invitations fill it. Revoke an invitation, remove a member, or ask an owner to upgrade the plan.`,
    );
  }
}

/**
 * Sends the e-mail of an invitation created by createInvitation, once its transaction has
 * committed. Never throws: a failure is logged and reported as `delivery: 'failed'` (the
 * invitation stays open; inviting again re-sends a new link).
 */
export async function deliverInvitation(
  created: CreatedInvitation,
): Promise<CreatedInvitation['delivery']> {
  const message = unsentMail.get(created);
  if (!message) return created.delivery;
  unsentMail.delete(created);
  try {
    await sendMail(message);
    created.delivery = 'sent';
  } catch (error) {
    log.error(
      {
        err: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        tenantId: message.tenantId,
        invitationId: created.invitation.id,
      },
      'invitation e-mail could not be sent',
    );
    created.delivery = 'failed';
  }
  return created.delivery;
}

function invitationMail(params: {
  to: string;
  tenantId: string;
  tenantName: string;
  slug: string;
  inviterName: string | null;
  roleName: string;
  token: string;
  expiresAt: Date;
}): MailMessage {
  const { ROOT_DOMAIN } = env();
  // From configuration, never from the request's Host: a forged Host must not redirect the link.
  const link = `${tenantOrigin(params.slug, ROOT_DOMAIN, protocolFor(ROOT_DOMAIN))}/invite/${params.token}`;
  const oneLine = (value: string) => value.replace(/\s+/g, ' ').trim();
  const tenantName = oneLine(params.tenantName);
  const inviter = params.inviterName ? oneLine(params.inviterName) : 'Someone';
  const role = oneLine(params.roleName);
  const expires = `${params.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const text = [
    'Hello,',
    '',
    `${inviter} invited you to join ${tenantName} as ${role}.`,
    '',
    `Accept the invitation: ${link}`,
    '',
    `The link works once and expires on ${expires}. If you did not expect this invitation, ignore this e-mail.`,
  ].join('\n');
  const html = [
    '<p>Hello,</p>',
    `<p>${escapeHtml(inviter)} invited you to join <strong>${escapeHtml(tenantName)}</strong> as ${escapeHtml(role)}.</p>`,
    `<p><a href="${escapeHtml(link)}">Accept the invitation</a></p>`,
    `<p>The link works once and expires on ${escapeHtml(expires)}. If you did not expect this invitation, ignore this e-mail.</p>`,
  ].join('\n');
  return {
    to: params.to,
    subject: `${inviter} invited you to ${tenantName}`.slice(0, 200),
    text,
    html,
    tenantId: params.tenantId,
  };
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Open invitations (neither accepted nor revoked), newest first; expired ones say so. */
export async function listInvitations(
  tx: Transaction,
  params: { tenantId: string },
): Promise<InvitationDTO[]> {
  const rows = await tx
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      customRoleId: invitations.customRoleId,
      ...customRoleColumns,
      invitedByName: users.name,
      createdAt: invitations.createdAt,
      expiresAt: invitations.expiresAt,
      expired: sql<boolean>`${invitations.expiresAt} <= now()`,
    })
    .from(invitations)
    .leftJoin(users, eq(users.id, invitations.invitedBy))
    .leftJoin(tenantRoles, withCustomRole)
    .where(and(eq(invitations.tenantId, params.tenantId), open))
    .orderBy(desc(invitations.createdAt), desc(invitations.id));
  return rows.map((row) => {
    const role = roleOfRow(row);
    return {
      id: row.id,
      email: row.email,
      roleName: role.name,
      permissions: role.permissions,
      invitedByName: row.invitedByName,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      status: row.expired ? 'expired' : 'pending',
    };
  });
}

/**
 * Withdraws an open invitation: its link stops working at once. Like a member, an invitation
 * whose role grants what the actor lacks is not theirs to touch. Audited as `invitation.revoked`.
 */
export async function revokeInvitation(
  tx: Transaction,
  params: Scope & { invitationId: string },
): Promise<void> {
  const [row] = await tx
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      customRoleId: invitations.customRoleId,
      ...customRoleColumns,
    })
    .from(invitations)
    .leftJoin(tenantRoles, withCustomRole)
    .where(
      and(eq(invitations.tenantId, params.tenantId), eq(invitations.id, params.invitationId), open),
    )
    .for('update', { of: invitations });
  if (!row) throw new AppError('not_found', 'That invitation is not open any more.');
  const target = { ...row, current: roleOfRow(row) };
  if (!canGrant(params.actor, target.current.permissions)) {
    throw new AppError(
      'forbidden',
      'That invitation’s role has permissions you do not hold, so you cannot revoke it.',
    );
  }
  await tx
    .update(invitations)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(invitations.tenantId, params.tenantId), eq(invitations.id, target.id)));
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: { type: 'user', id: params.actor.userId },
    action: 'invitation.revoked',
    target: { type: 'invitation', id: target.id },
    metadata: { email: target.email, role: target.current.name },
    request: params.request,
  });
}
