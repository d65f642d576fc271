import { sql } from 'drizzle-orm';
import { index, jsonb, pgPolicy, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { appRole, currentTenantId, platformRole } from './roles';
import { tenants } from './tenants';

export const actorTypes = [
  'user',
  'operator',
  'platform',
  'api_key',
  'system',
  'anonymous',
] as const;
export type ActorType = (typeof actorTypes)[number];

/**
 * Append-only trail of who did what in a tenant. The application role may only insert and
 * read (grants in migration 0002); no code path updates or deletes a row.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    actorType: text('actor_type', { enum: actorTypes }).notNull(),
    actorId: uuid('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    requestId: text('request_id'),
    ip: text('ip'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('audit_events_tenant_created_idx').on(t.tenantId, t.createdAt.desc().nullsFirst()),
    pgPolicy('audit_events_tenant_isolation', {
      to: appRole,
      for: 'all',
      using: sql`${t.tenantId} = ${currentTenantId}`,
      withCheck: sql`${t.tenantId} = ${currentTenantId}`,
    }),
    pgPolicy('audit_events_platform_access', {
      to: platformRole,
      for: 'all',
      using: sql`true`,
      withCheck: sql`true`,
    }),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
