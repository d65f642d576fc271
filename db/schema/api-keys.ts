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
import { users } from './users';

/**
 * A tenant's API keys. Only a SHA-256 of the key is stored (keys are 256-bit random, so a
 * fast hash is enough); `prefix` is the non-secret start shown in lists to tell keys apart.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    unique('api_keys_tenant_id_id_key').on(t.tenantId, t.id),
    uniqueIndex('api_keys_tenant_hash_key').on(t.tenantId, t.keyHash),
    index('api_keys_tenant_created_idx').on(t.tenantId, t.createdAt.desc().nullsFirst()),
    check('api_keys_name_length', sql`char_length(${t.name}) between 1 and 100`),
    ...tenantPolicies('api_keys', t.tenantId),
  ],
);

export type ApiKey = typeof apiKeys.$inferSelect;
