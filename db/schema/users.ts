import { sql } from 'drizzle-orm';
import {
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
import { tenants } from './tenants';

export const memberRoles = ['owner', 'admin', 'member', 'viewer', 'billing'] as const;
export type MemberRole = (typeof memberRoles)[number];

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
    role: text('role', { enum: memberRoles }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('memberships_tenant_id_id_key').on(t.tenantId, t.id),
    uniqueIndex('memberships_tenant_user_key').on(t.tenantId, t.userId),
    index('memberships_user_idx').on(t.userId),
    ...tenantPolicies('memberships', t.tenantId),
  ],
);

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
  },
  (t) => [
    foreignKey({
      name: 'sessions_membership_fk',
      columns: [t.tenantId, t.membershipId],
      foreignColumns: [memberships.tenantId, memberships.id],
    }).onDelete('cascade'),
    index('sessions_tenant_user_idx').on(t.tenantId, t.userId),
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
