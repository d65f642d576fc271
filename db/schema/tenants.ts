import { sql } from 'drizzle-orm';
import {
  check,
  index,
  jsonb,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { appRole, currentTenantId, platformAccess } from './roles';

export const tenantStatuses = ['trial', 'active', 'past_due', 'suspended', 'archived'] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

export type TenantBranding = {
  logoUrl?: string;
  primaryColor?: string;
};

export type TenantSettings = {
  branding?: TenantBranding;
  /** The tenant's session and account policies (lib/auth/policy.ts validates them). */
  security?: {
    sessionLifetimeHours?: number;
    idleTimeoutMinutes?: number;
    passwordMinLength?: number;
    refuseCommonPasswords?: boolean;
    allowedEmailDomains?: string[];
    /** Every member must sign in with a second factor (TOTP or a recovery code). */
    requireMfa?: boolean;
  };
};

/** Per-tenant departures from the plan: a feature switched on or off, a limit raised or lowered (null = unlimited). */
export type FeatureOverrides = Partial<Record<string, boolean>>;
export type LimitOverrides = Partial<Record<string, number | null>>;
/** Per-tenant overage policies replacing the plan's, by metered limit (lib/plans). */
export type OverageOverrides = Partial<Record<string, 'block' | 'allow' | 'notify'>>;

export const tenants = pgTable(
  'tenants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: tenantStatuses }).notNull().default('active'),
    plan: text('plan').notNull().default('free'),
    settings: jsonb('settings').$type<TenantSettings>().notNull().default({}),
    featureOverrides: jsonb('feature_overrides').$type<FeatureOverrides>().notNull().default({}),
    limitOverrides: jsonb('limit_overrides').$type<LimitOverrides>().notNull().default({}),
    overageOverrides: jsonb('overage_overrides').$type<OverageOverrides>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tenants_slug_key').on(t.slug),
    // The operator console's keyset pages: newest first, optionally within a status or plan.
    index('tenants_created_idx').on(t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('tenants_status_created_idx').on(
      t.status,
      t.createdAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('tenants_plan_created_idx').on(
      t.plan,
      t.createdAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('tenants_name_sort_idx').on(sql`lower(${t.name})`, t.id),
    // Search (ILIKE on slug and name) uses trigram GIN indexes, created in migration 0006.
    check('tenants_slug_format', sql`${t.slug} ~ '^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$'`),
    check(
      'tenants_status_valid',
      sql`${t.status} in ('trial', 'active', 'past_due', 'suspended', 'archived')`,
    ),
    // A tenant request sees and edits only its own row (column grants limit what it may change).
    pgPolicy('tenants_tenant_isolation', {
      to: appRole,
      for: 'all',
      using: sql`${t.id} = ${currentTenantId}`,
      withCheck: sql`${t.id} = ${currentTenantId}`,
    }),
    platformAccess('tenants'),
  ],
);

export type Tenant = typeof tenants.$inferSelect;
export type NewTenant = typeof tenants.$inferInsert;
