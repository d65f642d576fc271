import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  doublePrecision,
  integer,
  numeric,
  primaryKey,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { platformAccess, tenantPolicies } from './roles';
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
    // The rollup job's scan of what arrived since its watermark, across tenants: arrival order
    // follows the physical order of an append-only table, so a BRIN index is tiny and cheap.
    index('usage_events_received_brin').using('brin', t.receivedAt),
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

export const rollupGranularities = ['hour', 'day', 'month'] as const;
export type RollupGranularity = (typeof rollupGranularities)[number];

/**
 * Usage per tenant, metric, dimension and hour/day/month (UTC), kept by the rollup job
 * (lib/metering/rollup.ts) from usage_events. Dashboards, the usage API and limits read these,
 * never the raw events. `dimension` is the value of the metric's dimension property (the API
 * route of an api_calls event, the feature of a feature_usage event), '' for metrics without
 * one; a bucket's total is the sum (count, sum) or max (max) over its dimensions, and
 * unique_count rows have one dimension ''. `events` is how many raw events the row covers.
 * The application role only reads; the job writes as the platform role.
 */
export const usageRollups = pgTable(
  'usage_rollups',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    metric: text('metric').notNull(),
    granularity: text('granularity', { enum: rollupGranularities }).notNull(),
    bucketStart: timestamp('bucket_start', { withTimezone: true }).notNull(),
    dimension: text('dimension').notNull().default(''),
    value: numeric('value', { mode: 'number' }).notNull(),
    events: bigint('events', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({
      name: 'usage_rollups_pk',
      columns: [t.tenantId, t.metric, t.granularity, t.bucketStart, t.dimension],
    }),
    check('usage_rollups_granularity_valid', sql`${t.granularity} in ('hour', 'day', 'month')`),
    ...tenantPolicies('usage_rollups', t.tenantId),
  ],
);

/**
 * The rollup job's progress (platform data, one row per job name): events received before
 * `watermark` are in the rollups. The job re-reads a safety overlap behind it, so an event whose
 * transaction committed late is still counted; recomputing a bucket is idempotent.
 */
export const usageRollupState = pgTable(
  'usage_rollup_state',
  {
    name: text('name').primaryKey(),
    watermark: timestamp('watermark', { withTimezone: true }).notNull(),
    lastRunAt: timestamp('last_run_at', { withTimezone: true }),
    lastRunMs: integer('last_run_ms'),
    lastBuckets: integer('last_buckets'),
  },
  () => [platformAccess('usage_rollup_state')],
);

export const usageThresholds = [80, 100] as const;
export type UsageThreshold = (typeof usageThresholds)[number];

/**
 * Allowance notices sent to a tenant's admins: one row per metric, period and threshold, so a
 * notice goes out once however often the job runs. Tenants read theirs on the usage page.
 */
export const usageNotifications = pgTable(
  'usage_notifications',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    metric: text('metric').notNull(),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    threshold: integer('threshold').notNull(),
    used: numeric('used', { mode: 'number' }).notNull(),
    allowance: numeric('allowance', { mode: 'number' }).notNull(),
    policy: text('policy').notNull(),
    recipients: integer('recipients').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('usage_notifications_once').on(t.tenantId, t.metric, t.periodStart, t.threshold),
    check('usage_notifications_threshold_valid', sql`${t.threshold} in (80, 100)`),
    ...tenantPolicies('usage_notifications', t.tenantId),
  ],
);

export type UsageRollup = typeof usageRollups.$inferSelect;
export type UsageNotification = typeof usageNotifications.$inferSelect;
