import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  check,
  foreignKey,
  index,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { appRole, currentTenantId, platformAccess, tenantPolicies } from './roles';
import { tenantRoles } from './tenant-roles';
import { tenants } from './tenants';

export const memberRoles = ['owner', 'admin', 'member', 'viewer', 'billing'] as const;
export type MemberRole = (typeof memberRoles)[number];
/** What a membership's `role` column holds: a built-in role, or 'custom' with `custom_role_id` set. */
export const roleColumnValues = [...memberRoles, 'custom'] as const;
export type RoleColumn = (typeof roleColumnValues)[number];
/** The check behind every role column pair (memberships, invitations). */
export const roleColumnsValid = (role: AnyPgColumn, customRoleId: AnyPgColumn) =>
  sql`(${role} in ('owner', 'admin', 'member', 'viewer', 'billing') and ${customRoleId} is null) or (${role} = 'custom' and ${customRoleId} is not null)`;

/** A session that still owes a step before it is a sign-in: the second factor, or enrolling one. */
export const sessionPendingSteps = ['mfa', 'mfa_enrolment'] as const;
export type SessionPendingStep = (typeof sessionPendingSteps)[number];

/** A role on the platform itself, above every tenant: operators run the console at /admin. */
export const platformRoles = ['operator'] as const;
export type PlatformRole = (typeof platformRoles)[number];

/** People. Global (one person may belong to several tenants); e-mail is stored lower-cased. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    platformRole: text('platform_role', { enum: platformRoles }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    check(
      'users_platform_role_valid',
      sql`${t.platformRole} is null or ${t.platformRole} in ('operator')`,
    ),
    // A tenant request sees only the people who are members of that tenant.
    pgPolicy('users_tenant_members', {
      to: appRole,
      for: 'select',
      using: sql`exists (select 1 from memberships m where m.user_id = ${t.id} and m.tenant_id = ${currentTenantId})`,
    }),
    platformAccess('users'),
  ],
);

export const memberships = pgTable(
  'memberships',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: roleColumnValues }).notNull(),
    customRoleId: uuid('custom_role_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('memberships_tenant_id_id_key').on(t.tenantId, t.id),
    check('memberships_role_valid', roleColumnsValid(t.role, t.customRoleId)),
    foreignKey({
      name: 'memberships_custom_role_fk',
      columns: [t.tenantId, t.customRoleId],
      foreignColumns: [tenantRoles.tenantId, tenantRoles.id],
    }).onDelete('restrict'),
    index('memberships_custom_role_idx').on(t.tenantId, t.customRoleId),
    uniqueIndex('memberships_tenant_user_key').on(t.tenantId, t.userId),
    index('memberships_user_idx').on(t.userId),
    ...tenantPolicies('memberships', t.tenantId),
  ],
);

/** A tenant table's reference to one membership of the same tenant: its rows go with it. */
export function belongsToMembership(
  name: string,
  t: { tenantId: AnyPgColumn; membershipId: AnyPgColumn },
) {
  return foreignKey({
    name,
    columns: [t.tenantId, t.membershipId],
    foreignColumns: [memberships.tenantId, memberships.id],
  }).onDelete('cascade');
}

/**
 * Server-side session registry: the session JWT carries only this row's id, so a session
 * can be revoked (sign-out, member removal) and its lifetime enforced on every request.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    membershipId: uuid('membership_id').notNull(),
    userId: uuid('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    userAgent: text('user_agent'),
    /** The client address at sign-in, shown in the member's list of sessions. */
    ip: text('ip'),
    /** Set while the session is only half a sign-in (see sessionPendingSteps); null once complete. */
    pendingStep: text('pending_step', { enum: sessionPendingSteps }),
  },
  (t) => [
    belongsToMembership('sessions_membership_fk', t),
    index('sessions_tenant_user_idx').on(t.tenantId, t.userId),
    check(
      'sessions_pending_step_valid',
      sql`${t.pendingStep} is null or ${t.pendingStep} in ('mfa', 'mfa_enrolment')`,
    ),
    ...tenantPolicies('sessions', t.tenantId),
  ],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Membership = typeof memberships.$inferSelect;
export type NewMembership = typeof memberships.$inferInsert;
export type Session = typeof sessions.$inferSelect;

/**
 * Operator sessions on the root domain. Not tenant data: only the platform role may read them,
 * and the operator console is the only code that does.
 */
export const platformSessions = pgTable(
  'platform_sessions',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    userAgent: text('user_agent'),
  },
  (t) => [index('platform_sessions_user_idx').on(t.userId), platformAccess('platform_sessions')],
);

export type PlatformSession = typeof platformSessions.$inferSelect;
