import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantPolicies } from './roles';
import { tenants } from './tenants';

export const tenantKeyStatuses = ['active', 'retiring', 'retired', 'destroyed'] as const;
export type TenantKeyStatus = (typeof tenantKeyStatuses)[number];

/**
 * A tenant's data-encryption keys, one row per version, stored only wrapped by the
 * key-encryption key `kek_id` names (lib/crypto). One version is `active` (new writes); a
 * rotation leaves the previous one `retiring` until no row uses it, then `retired` (kept so a
 * backup downloaded before can still be restored). Crypto-shredding sets every version
 * `destroyed` and drops the wrapped key: nothing sealed under it opens again.
 */
export const tenantKeys = pgTable(
  'tenant_keys',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    wrappedKey: text('wrapped_key'),
    kekId: text('kek_id').notNull(),
    status: text('status', { enum: tenantKeyStatuses }).notNull().default('active'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    retiredAt: timestamp('retired_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: 'tenant_keys_pkey', columns: [t.tenantId, t.version] }),
    uniqueIndex('tenant_keys_one_active')
      .on(t.tenantId)
      .where(sql`${t.status} = 'active'`),
    check('tenant_keys_version_positive', sql`${t.version} > 0`),
    check(
      'tenant_keys_status_valid',
      sql`${t.status} in ('active', 'retiring', 'retired', 'destroyed')`,
    ),
    check('tenant_keys_material', sql`(${t.status} = 'destroyed') = (${t.wrappedKey} is null)`),
    ...tenantPolicies('tenant_keys', t.tenantId),
  ],
);

/** How often the key job rotates a tenant's data key on its own (null: only when asked). */
export const tenantEncryptionPolicies = pgTable(
  'tenant_encryption_policies',
  {
    tenantId: uuid('tenant_id')
      .primaryKey()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    rotationIntervalDays: integer('rotation_interval_days'),
    updatedBy: uuid('updated_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check(
      'tenant_encryption_policies_interval',
      sql`${t.rotationIntervalDays} is null or ${t.rotationIntervalDays} between 7 and 730`,
    ),
    ...tenantPolicies('tenant_encryption_policies', t.tenantId),
  ],
);

export const keyRotationStatuses = ['running', 'done'] as const;

/**
 * A re-encryption of a tenant's sealed rows onto `target_version`, done by the key job in
 * batches. `cursor` holds, per table, the last row id re-sealed, committed with each batch, so
 * a crashed job resumes where it stopped; `done_rows` of `total_rows` drives the progress bar.
 */
export const keyRotations = pgTable(
  'key_rotations',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    targetVersion: integer('target_version').notNull(),
    reason: text('reason', { enum: ['manual', 'scheduled', 'initial'] }).notNull(),
    status: text('status', { enum: keyRotationStatuses }).notNull().default('running'),
    totalRows: integer('total_rows').notNull().default(0),
    doneRows: integer('done_rows').notNull().default(0),
    cursor: jsonb('cursor').$type<Record<string, string>>().notNull().default({}),
    requestedBy: uuid('requested_by'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('key_rotations_one_running')
      .on(t.tenantId)
      .where(sql`${t.status} = 'running'`),
    index('key_rotations_tenant_started_idx').on(t.tenantId, t.startedAt.desc().nullsFirst()),
    check('key_rotations_reason_valid', sql`${t.reason} in ('manual', 'scheduled', 'initial')`),
    check('key_rotations_status_valid', sql`${t.status} in ('running', 'done')`),
    ...tenantPolicies('key_rotations', t.tenantId),
  ],
);

export type TenantKey = typeof tenantKeys.$inferSelect;
export type KeyRotation = typeof keyRotations.$inferSelect;
