import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  customType,
  foreignKey,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantPolicies } from './roles';
import { tenants } from './tenants';

// Drivers answer bytea as a Buffer (pg) or a Uint8Array (PGlite): always a Buffer here.
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

export const backupKinds = ['manual', 'scheduled'] as const;
export const backupStatuses = ['pending', 'running', 'ready', 'failed'] as const;
export type BackupStatus = (typeof backupStatuses)[number];

/**
 * A tenant's backup: a consistent export of all its rows (lib/backups), sealed under the
 * tenant's data key, with the schema version it was made at and the SHA-256 of the file. The
 * backup job fills `archive` and moves `pending` → `running` → `ready` (or `failed`).
 */
export const tenantBackups = pgTable(
  'tenant_backups',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: backupKinds }).notNull(),
    status: text('status', { enum: backupStatuses }).notNull().default('pending'),
    tablesDone: integer('tables_done').notNull().default(0),
    tablesTotal: integer('tables_total').notNull().default(0),
    rowCount: integer('row_count'),
    schemaVersion: integer('schema_version'),
    keyVersion: integer('key_version'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    sha256: text('sha256'),
    archive: bytea('archive'),
    error: text('error'),
    requestedBy: uuid('requested_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    unique('tenant_backups_tenant_id_id_key').on(t.tenantId, t.id),
    index('tenant_backups_tenant_created_idx').on(t.tenantId, t.createdAt.desc().nullsFirst()),
    index('tenant_backups_open_idx')
      .on(t.tenantId, t.createdAt)
      .where(sql`${t.status} in ('pending', 'running')`),
    check('tenant_backups_kind_valid', sql`${t.kind} in ('manual', 'scheduled')`),
    check(
      'tenant_backups_status_valid',
      sql`${t.status} in ('pending', 'running', 'ready', 'failed')`,
    ),
    check(
      'tenant_backups_ready_complete',
      sql`${t.status} <> 'ready' or (${t.archive} is not null and ${t.sha256} is not null and ${t.schemaVersion} is not null)`,
    ),
    ...tenantPolicies('tenant_backups', t.tenantId),
  ],
);

export const restoreStatuses = ['pending', 'running', 'done', 'failed'] as const;
export type RestoreStatus = (typeof restoreStatuses)[number];

/**
 * A restore a tenant asked for: its backup replaces its current data, in one transaction run by
 * the backup job on the platform path (a clone into a new tenant is an operator's or the CLI's).
 */
export const tenantRestores = pgTable(
  'tenant_restores',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    backupId: uuid('backup_id').notNull(),
    status: text('status', { enum: restoreStatuses }).notNull().default('pending'),
    rowsRestored: integer('rows_restored'),
    error: text('error'),
    requestedBy: uuid('requested_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    foreignKey({
      name: 'tenant_restores_backup_fk',
      columns: [t.tenantId, t.backupId],
      foreignColumns: [tenantBackups.tenantId, tenantBackups.id],
    }).onDelete('cascade'),
    index('tenant_restores_tenant_created_idx').on(t.tenantId, t.createdAt.desc().nullsFirst()),
    check(
      'tenant_restores_status_valid',
      sql`${t.status} in ('pending', 'running', 'done', 'failed')`,
    ),
    ...tenantPolicies('tenant_restores', t.tenantId),
  ],
);

export type TenantBackup = typeof tenantBackups.$inferSelect;
