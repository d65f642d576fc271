import { sql } from 'drizzle-orm';
import { boolean, check, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantPolicies } from './roles';
import { tenants } from './tenants';
import { belongsToMembership } from './users';

/**
 * A tenant's single sign-on through OpenID Connect: at most one connection per tenant. With
 * `enforced`, members sign in through it only (password sign-in is refused). New people are
 * let in only when `auto_provision_role` names a built-in role; otherwise only existing members.
 */
export const ssoConnections = pgTable(
  'sso_connections',
  {
    tenantId: uuid('tenant_id')
      .primaryKey()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    clientSecret: text('client_secret').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    enforced: boolean('enforced').notNull().default(false),
    autoProvisionRole: text('auto_provision_role'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check(
      'sso_connections_auto_provision_role_valid',
      sql`${t.autoProvisionRole} is null or ${t.autoProvisionRole} in ('admin', 'member', 'viewer', 'billing')`,
    ),
    ...tenantPolicies('sso_connections', t.tenantId),
  ],
);

/** Which member an identity provider's subject is, per tenant and issuer. */
export const ssoIdentities = pgTable(
  'sso_identities',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    membershipId: uuid('membership_id').notNull(),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
  },
  (t) => [
    belongsToMembership('sso_identities_membership_fk', t),
    uniqueIndex('sso_identities_subject_key').on(t.tenantId, t.issuer, t.subject),
    uniqueIndex('sso_identities_membership_key').on(t.tenantId, t.membershipId, t.issuer),
    ...tenantPolicies('sso_identities', t.tenantId),
  ],
);

export type SsoConnection = typeof ssoConnections.$inferSelect;
