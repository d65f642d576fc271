import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { platformAccess, tenantPolicies } from './roles';
import { tenants } from './tenants';
import { users } from './users';

export const billingModes = ['internal', 'stripe'] as const;
export type BillingMode = (typeof billingModes)[number];

/** Stripe's subscription statuses, mirrored as they come; internal mode uses a subset. */
export const subscriptionStatuses = [
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'incomplete',
  'incomplete_expired',
  'paused',
] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

/**
 * A tenant's subscription as billing sees it (lib/billing): in Stripe mode a mirror of the
 * Stripe customer and subscription, written by the webhook (platform role); in internal mode
 * kept by Tenantry. `subscription_event_at` is the creation time of the newest Stripe event
 * applied, so an older event arriving late never moves the subscription backwards.
 * `suspended_for_nonpayment` marks a suspension billing made (and a paid invoice may undo),
 * as opposed to one an operator made. Tenant admins change only the columns granted in the
 * migration (their plan choice in internal mode, cancellation, the Stripe customer they start).
 */
export const billingAccounts = pgTable(
  'billing_accounts',
  {
    tenantId: uuid('tenant_id')
      .primaryKey()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    mode: text('mode', { enum: billingModes }).notNull().default('internal'),
    stripeCustomerId: text('stripe_customer_id'),
    stripeSubscriptionId: text('stripe_subscription_id'),
    status: text('status', { enum: subscriptionStatuses }),
    plan: text('plan').notNull().default('free'),
    currentPeriodStart: timestamp('current_period_start', { withTimezone: true }),
    currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    /** Internal mode: a downgrade waiting for the period's end. */
    scheduledPlan: text('scheduled_plan'),
    trialEndsAt: timestamp('trial_ends_at', { withTimezone: true }),
    /** A tenant has one trial: set when it starts, never cleared. */
    trialUsed: boolean('trial_used').notNull().default(false),
    pastDueSince: timestamp('past_due_since', { withTimezone: true }),
    suspendedForNonpayment: boolean('suspended_for_nonpayment').notNull().default(false),
    subscriptionEventAt: timestamp('subscription_event_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Webhooks find the tenant by its Stripe customer or subscription (ids unique in Stripe).
    index('billing_accounts_stripe_customer_idx').on(t.stripeCustomerId),
    index('billing_accounts_stripe_subscription_idx').on(t.stripeSubscriptionId),
    check('billing_accounts_mode_valid', sql`${t.mode} in ('internal', 'stripe')`),
    ...tenantPolicies('billing_accounts', t.tenantId),
  ],
);

/**
 * A tenant's monthly budget (minor units of the plan's currency) and the percentages of it at
 * which its billing managers are alerted. With `cap_overage`, overage that would take the
 * period's spend past the budget is refused instead of billed.
 */
export const billingBudgets = pgTable(
  'billing_budgets',
  {
    tenantId: uuid('tenant_id')
      .primaryKey()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    thresholds: integer('thresholds')
      .array()
      .notNull()
      .default(sql`'{50,80,100}'::integer[]`),
    capOverage: boolean('cap_overage').notNull().default(false),
    updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('billing_budgets_amount_positive', sql`${t.amount} > 0`),
    check(
      'billing_budgets_thresholds_valid',
      sql`cardinality(${t.thresholds}) between 1 and 5 and 0 < all(${t.thresholds}) and 200 >= all(${t.thresholds})`,
    ),
    ...tenantPolicies('billing_budgets', t.tenantId),
  ],
);

/** Budget alerts sent: one per tenant, period and threshold, however often the job runs. */
export const budgetAlerts = pgTable(
  'budget_alerts',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    threshold: integer('threshold').notNull(),
    spend: bigint('spend', { mode: 'number' }).notNull(),
    budget: bigint('budget', { mode: 'number' }).notNull(),
    recipients: integer('recipients').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('budget_alerts_once').on(t.tenantId, t.periodStart, t.threshold),
    ...tenantPolicies('budget_alerts', t.tenantId),
  ],
);

export const invoiceSources = ['internal', 'stripe'] as const;
export const invoiceStatuses = ['draft', 'open', 'paid', 'void', 'uncollectible'] as const;
export type InvoiceStatus = (typeof invoiceStatuses)[number];

/**
 * Invoices, in minor units of `currency`: in internal mode generated at each period's end by
 * the billing job, in Stripe mode mirrored from Stripe's invoice events (`stripe_event_at`
 * orders them like subscriptions). Tenants read theirs; only the platform writes.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    number: text('number').notNull(),
    source: text('source', { enum: invoiceSources }).notNull(),
    stripeInvoiceId: text('stripe_invoice_id'),
    status: text('status', { enum: invoiceStatuses }).notNull(),
    currency: text('currency').notNull().default('usd'),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
    subtotal: bigint('subtotal', { mode: 'number' }).notNull(),
    tax: bigint('tax', { mode: 'number' }).notNull().default(0),
    total: bigint('total', { mode: 'number' }).notNull(),
    amountPaid: bigint('amount_paid', { mode: 'number' }).notNull().default(0),
    amountDue: bigint('amount_due', { mode: 'number' }).notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
    dueAt: timestamp('due_at', { withTimezone: true }),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    /** Stripe's hosted page for paying the invoice (Stripe mode). */
    hostedUrl: text('hosted_url'),
    stripeEventAt: timestamp('stripe_event_at', { withTimezone: true }),
    /** Operator who marked an internal invoice paid or void. */
    settledBy: uuid('settled_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('invoices_tenant_period_idx').on(t.tenantId, t.periodStart.desc(), t.id.desc()),
    uniqueIndex('invoices_stripe_invoice_key').on(t.tenantId, t.stripeInvoiceId),
    uniqueIndex('invoices_number_key').on(t.tenantId, t.number),
    // One internal invoice per tenant and period: the job may run any number of times.
    uniqueIndex('invoices_internal_period_key')
      .on(t.tenantId, t.periodStart)
      .where(sql`${t.source} = 'internal'`),
    check('invoices_source_valid', sql`${t.source} in ('internal', 'stripe')`),
    check(
      'invoices_status_valid',
      sql`${t.status} in ('draft', 'open', 'paid', 'void', 'uncollectible')`,
    ),
    ...tenantPolicies('invoices', t.tenantId),
  ],
);

export const invoiceLineKinds = ['plan', 'overage', 'tax', 'other'] as const;
export type InvoiceLineKind = (typeof invoiceLineKinds)[number];

/** An invoice's lines in order: the plan, each overage metric (quantity × unit price), taxes. */
export const invoiceLines = pgTable(
  'invoice_lines',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    invoiceId: uuid('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    kind: text('kind', { enum: invoiceLineKinds }).notNull(),
    description: text('description').notNull(),
    /** Overage lines: the metered limit (lib/plans) they bill. */
    limit: text('limit'),
    quantity: numeric('quantity', { mode: 'number' }).notNull(),
    /** Minor units per quantity; null where Stripe reports only an amount (taxes). */
    unitAmount: numeric('unit_amount', { mode: 'number' }),
    amount: bigint('amount', { mode: 'number' }).notNull(),
  },
  (t) => [
    unique('invoice_lines_position').on(t.tenantId, t.invoiceId, t.position),
    check('invoice_lines_kind_valid', sql`${t.kind} in ('plan', 'overage', 'tax', 'other')`),
    ...tenantPolicies('invoice_lines', t.tenantId),
  ],
);

/**
 * Overage reported to Stripe's billing meters: one row per report, written (`pending`) before
 * the meter event is sent and marked `sent` after, so a retry resends the same `identifier`
 * and Stripe counts it once. `cumulative` is the period's overage reported up to and including
 * this report; the next report sends only what the rollups add to it.
 */
export const meterReports = pgTable(
  'meter_reports',
  {
    id: uuid('id').notNull().defaultRandom().primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    metric: text('metric').notNull(),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    identifier: text('identifier').notNull(),
    quantity: numeric('quantity', { mode: 'number' }).notNull(),
    cumulative: numeric('cumulative', { mode: 'number' }).notNull(),
    status: text('status', { enum: ['pending', 'sent'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('meter_reports_identifier_key').on(t.tenantId, t.identifier),
    index('meter_reports_tenant_period_idx').on(t.tenantId, t.metric, t.periodStart),
    check('meter_reports_status_valid', sql`${t.status} in ('pending', 'sent')`),
    check('meter_reports_quantity_positive', sql`${t.quantity} > 0`),
    ...tenantPolicies('meter_reports', t.tenantId),
  ],
);

/**
 * The reconciliation job's latest comparison per tenant, metric and period: the overage the
 * rollups say, what Tenantry reported, and what Stripe's meter summary holds. `matches` false
 * is a flag for operators.
 */
export const meterReconciliations = pgTable(
  'meter_reconciliations',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    metric: text('metric').notNull(),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    expected: numeric('expected', { mode: 'number' }).notNull(),
    reported: numeric('reported', { mode: 'number' }).notNull(),
    stripeTotal: numeric('stripe_total', { mode: 'number' }),
    matches: boolean('matches').notNull(),
    checkedAt: timestamp('checked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('meter_reconciliations_key').on(t.tenantId, t.metric, t.periodStart),
    ...tenantPolicies('meter_reconciliations', t.tenantId),
  ],
);

/**
 * Stripe webhook events processed (platform data): the primary key is Stripe's event id, and a
 * row is inserted in the same transaction as the event's effects, so an event Stripe sends
 * twice or retries is applied once.
 */
export const stripeEvents = pgTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** What processing did: applied, or ignored and why (unknown customer, older than state). */
    outcome: text('outcome').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    index('stripe_events_received_idx').on(t.receivedAt.desc()),
    platformAccess('stripe_events'),
  ],
);

export const unitCostResources = [
  'storage_gb_month',
  'requests_million',
  'compute_hour',
  'egress_gb',
] as const;
export type UnitCostResource = (typeof unitCostResources)[number];

/**
 * What the platform's own resources cost it, set by operators, in minor units (fractions
 * allowed) per unit of the resource: the console allocates cost per tenant from usage.
 */
export const platformUnitCosts = pgTable(
  'platform_unit_costs',
  {
    resource: text('resource', { enum: unitCostResources }).primaryKey(),
    amount: numeric('amount', { mode: 'number' }).notNull(),
    currency: text('currency').notNull().default('usd'),
    updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('platform_unit_costs_amount_non_negative', sql`${t.amount} >= 0`),
    check(
      'platform_unit_costs_resource_valid',
      sql`${t.resource} in ('storage_gb_month', 'requests_million', 'compute_hour', 'egress_gb')`,
    ),
    platformAccess('platform_unit_costs'),
  ],
);

export type BillingAccount = typeof billingAccounts.$inferSelect;
export type BillingBudget = typeof billingBudgets.$inferSelect;
export type Invoice = typeof invoices.$inferSelect;
export type InvoiceLine = typeof invoiceLines.$inferSelect;
export type MeterReport = typeof meterReports.$inferSelect;
export type MeterReconciliation = typeof meterReconciliations.$inferSelect;
export type PlatformUnitCost = typeof platformUnitCosts.$inferSelect;
