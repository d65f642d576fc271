import { sql } from 'drizzle-orm';
import { bigint, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantPolicies } from './roles';
import { belongsToMembership } from './users';

/**
 * A member's TOTP second factor in one tenant (each tenant portal is its own sign-in, so each
 * has its own enrolment). `confirmed_at` is null until the member has proved a first code.
 * `last_used_step` is the TOTP time step last accepted, so a code cannot be replayed.
 */
export const mfaFactors = pgTable(
  'mfa_factors',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    membershipId: uuid('membership_id').notNull(),
    secret: text('secret').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  },
  (t) => [
    belongsToMembership('mfa_factors_membership_fk', t),
    uniqueIndex('mfa_factors_membership_key').on(t.tenantId, t.membershipId),
    ...tenantPolicies('mfa_factors', t.tenantId),
  ],
);

/** One-time recovery codes (SHA-256 of each; the codes are random and shown once). */
export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    membershipId: uuid('membership_id').notNull(),
    codeHash: text('code_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [
    belongsToMembership('mfa_recovery_codes_membership_fk', t),
    uniqueIndex('mfa_recovery_codes_code_key').on(t.tenantId, t.membershipId, t.codeHash),
    index('mfa_recovery_codes_unused_idx')
      .on(t.tenantId, t.membershipId)
      .where(sql`${t.usedAt} is null`),
    ...tenantPolicies('mfa_recovery_codes', t.tenantId),
  ],
);

export type MfaFactor = typeof mfaFactors.$inferSelect;
