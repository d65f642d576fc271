import { sql } from 'drizzle-orm';
import {
  check,
  index,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantPolicies } from './roles';
import { tenants } from './tenants';
import { roleColumnsValid, roleColumnValues, users } from './users';

/**
 * Invitations to join a tenant with a role. Only a SHA-256 of the link's token is stored (the
 * token is 256-bit random and travels in the e-mail only). An invitation is open while
 * `accepted_at`, `revoked_at` are null and `expires_at` is ahead; accepting sets `accepted_at`
 * under `accepted_at is null`, so a link works once. At most one open invitation per e-mail
 * and tenant: inviting again replaces it (the old one is revoked).
 *
 * A tenant transaction cannot see or create users who are not its members; migration 0008 adds
 * two definer functions that do exactly what acceptance needs, for an invitation of the
 * transaction's own tenant only (`tenantry_internal.invitation_account`, `.create_invited_user`).
 */
export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: roleColumnValues }).notNull(),
    /** No foreign key: deleting a custom role revokes the open invitations naming it, keeps the rest. */
    customRoleId: uuid('custom_role_id'),
    tokenHash: text('token_hash').notNull(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    acceptedBy: uuid('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    unique('invitations_tenant_id_id_key').on(t.tenantId, t.id),
    uniqueIndex('invitations_tenant_token_key').on(t.tenantId, t.tokenHash),
    uniqueIndex('invitations_tenant_email_open_key')
      .on(t.tenantId, t.email)
      .where(sql`${t.acceptedAt} is null and ${t.revokedAt} is null`),
    index('invitations_tenant_created_idx').on(
      t.tenantId,
      t.createdAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    check('invitations_email_lower', sql`${t.email} = lower(${t.email})`),
    check('invitations_role_valid', roleColumnsValid(t.role, t.customRoleId)),

    ...tenantPolicies('invitations', t.tenantId),
  ],
);

export type Invitation = typeof invitations.$inferSelect;
export type NewInvitation = typeof invitations.$inferInsert;
