import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantPolicies } from './roles';
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

/** The chain columns are the database's to fill: the insert sends DEFAULT, the trigger decides. */
const setByChainTrigger = () => sql`default`;

/**
 * Append-only trail of who did what in a tenant. The application role may only insert and
 * read (grants in migration 0002); no code path updates or deletes a row.
 *
 * Each tenant's events form a hash chain (migration 0007): a BEFORE INSERT trigger numbers
 * them 1, 2, 3 … under a per-tenant lock and sets `hash` = SHA-256 over `prev_hash` and the
 * row's content, whatever the inserter supplied. `verifyAuditChain` (lib/audit) recomputes it.
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
    seq: bigint('seq', { mode: 'number' }).notNull().$defaultFn(setByChainTrigger),
    prevHash: text('prev_hash').$defaultFn(setByChainTrigger),
    hash: text('hash').notNull().$defaultFn(setByChainTrigger),
  },
  (t) => [
    uniqueIndex('audit_events_tenant_seq_key').on(t.tenantId, t.seq),
    index('audit_events_tenant_created_idx').on(t.tenantId, t.createdAt.desc().nullsFirst()),
    ...tenantPolicies('audit_events', t.tenantId),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
