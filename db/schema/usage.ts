import { sql } from 'drizzle-orm';
import {
  check,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantPolicies } from './roles';
import { tenants } from './tenants';

export const usageEventSources = ['api', 'system'] as const;
export type UsageEventSource = (typeof usageEventSources)[number];

/**
 * Raw usage events, one row per metered occurrence (lib/metering). Immutable: the application
 * role may insert and read only; the platform role may also delete (retention). An idempotency
 * key counts once per tenant, whatever the payload of a repeat. `value` is double precision:
 * every value is validated as a finite JavaScript number, integers stay exact up to 2^53, and
 * inserts stay cheap; rollups (a later step) sum into numeric.
 */
export const usageEvents = pgTable(
  'usage_events',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    metric: text('metric').notNull(),
    value: doublePrecision('value').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    source: text('source', { enum: usageEventSources }).notNull(),
  },
  (t) => [
    unique('usage_events_tenant_idempotency_key').on(t.tenantId, t.idempotencyKey),
    index('usage_events_tenant_metric_occurred_idx').on(t.tenantId, t.metric, t.occurredAt),
    check('usage_events_source_valid', sql`${t.source} in ('api', 'system')`),
    check('usage_events_value_non_negative', sql`${t.value} >= 0`),
    check(
      'usage_events_idempotency_key_length',
      sql`char_length(${t.idempotencyKey}) between 1 and 200`,
    ),
    ...tenantPolicies('usage_events', t.tenantId),
  ],
);

export type UsageEvent = typeof usageEvents.$inferSelect;
export type NewUsageEvent = typeof usageEvents.$inferInsert;
