import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { actorTypes } from './audit';
import { tenantPolicies } from './roles';
import { tenants } from './tenants';

/**
 * The tenant's two high-volume logs, beside the audit trail (which records changes):
 * - `access`: reads of tenant data (document views, API reads, exports), with the channel;
 * - `security`: sign-ins and their failures, MFA failures, lockouts, permission denials,
 *   rate-limit hits, probes with another tenant's ids, key creation and revocation.
 * Append-only like the audit trail (the application role may insert and read only), but not
 * hash-chained: the chain serialises a tenant's writers, which reads must not be.
 */
export const activityStreams = ['access', 'security'] as const;
export type ActivityStream = (typeof activityStreams)[number];
export const activityChannels = ['web', 'api', 'export'] as const;
export type ActivityChannel = (typeof activityChannels)[number];

export const activityEvents = pgTable(
  'activity_events',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    stream: text('stream', { enum: activityStreams }).notNull(),
    action: text('action').notNull(),
    channel: text('channel', { enum: activityChannels }),
    actorType: text('actor_type', { enum: actorTypes }).notNull(),
    actorId: uuid('actor_id'),
    targetType: text('target_type'),
    targetId: text('target_id'),
    requestId: text('request_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('activity_events_tenant_stream_created_idx').on(
      t.tenantId,
      t.stream,
      t.createdAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    check('activity_events_stream_valid', sql`${t.stream} in ('access', 'security')`),
    check(
      'activity_events_channel_valid',
      sql`${t.channel} is null or ${t.channel} in ('web', 'api', 'export')`,
    ),
    ...tenantPolicies('activity_events', t.tenantId),
  ],
);

export type ActivityEvent = typeof activityEvents.$inferSelect;
