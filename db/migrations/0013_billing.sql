CREATE TABLE "billing_accounts" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"mode" text DEFAULT 'internal' NOT NULL,
	"stripe_customer_id" text,
	"stripe_subscription_id" text,
	"status" text,
	"plan" text DEFAULT 'free' NOT NULL,
	"current_period_start" timestamp with time zone,
	"current_period_end" timestamp with time zone,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"scheduled_plan" text,
	"trial_ends_at" timestamp with time zone,
	"trial_used" boolean DEFAULT false NOT NULL,
	"past_due_since" timestamp with time zone,
	"suspended_for_nonpayment" boolean DEFAULT false NOT NULL,
	"subscription_event_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_accounts_mode_valid" CHECK ("billing_accounts"."mode" in ('internal', 'stripe'))
);
--> statement-breakpoint
ALTER TABLE "billing_accounts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "billing_budgets" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"amount" bigint NOT NULL,
	"thresholds" integer[] DEFAULT '{50,80,100}'::integer[] NOT NULL,
	"cap_overage" boolean DEFAULT false NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_budgets_amount_positive" CHECK ("billing_budgets"."amount" > 0),
	CONSTRAINT "billing_budgets_thresholds_valid" CHECK (cardinality("billing_budgets"."thresholds") between 1 and 5 and 0 < all("billing_budgets"."thresholds") and 200 >= all("billing_budgets"."thresholds"))
);
--> statement-breakpoint
ALTER TABLE "billing_budgets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "budget_alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"threshold" integer NOT NULL,
	"spend" bigint NOT NULL,
	"budget" bigint NOT NULL,
	"recipients" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budget_alerts_once" UNIQUE("tenant_id","period_start","threshold")
);
--> statement-breakpoint
ALTER TABLE "budget_alerts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "invoice_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"kind" text NOT NULL,
	"description" text NOT NULL,
	"limit" text,
	"quantity" numeric NOT NULL,
	"unit_amount" numeric,
	"amount" bigint NOT NULL,
	CONSTRAINT "invoice_lines_position" UNIQUE("tenant_id","invoice_id","position"),
	CONSTRAINT "invoice_lines_kind_valid" CHECK ("invoice_lines"."kind" in ('plan', 'overage', 'tax', 'other'))
);
--> statement-breakpoint
ALTER TABLE "invoice_lines" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"number" text NOT NULL,
	"source" text NOT NULL,
	"stripe_invoice_id" text,
	"status" text NOT NULL,
	"currency" text DEFAULT 'usd' NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"subtotal" bigint NOT NULL,
	"tax" bigint DEFAULT 0 NOT NULL,
	"total" bigint NOT NULL,
	"amount_paid" bigint DEFAULT 0 NOT NULL,
	"amount_due" bigint NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"due_at" timestamp with time zone,
	"paid_at" timestamp with time zone,
	"hosted_url" text,
	"stripe_event_at" timestamp with time zone,
	"settled_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_source_valid" CHECK ("invoices"."source" in ('internal', 'stripe')),
	CONSTRAINT "invoices_status_valid" CHECK ("invoices"."status" in ('draft', 'open', 'paid', 'void', 'uncollectible'))
);
--> statement-breakpoint
ALTER TABLE "invoices" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "meter_reconciliations" (
	"tenant_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"expected" numeric NOT NULL,
	"reported" numeric NOT NULL,
	"stripe_total" numeric,
	"matches" boolean NOT NULL,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "meter_reconciliations_key" UNIQUE("tenant_id","metric","period_start")
);
--> statement-breakpoint
ALTER TABLE "meter_reconciliations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "meter_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"identifier" text NOT NULL,
	"quantity" numeric NOT NULL,
	"cumulative" numeric NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "meter_reports_status_valid" CHECK ("meter_reports"."status" in ('pending', 'sent')),
	CONSTRAINT "meter_reports_quantity_positive" CHECK ("meter_reports"."quantity" > 0)
);
--> statement-breakpoint
ALTER TABLE "meter_reports" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "platform_unit_costs" (
	"resource" text PRIMARY KEY NOT NULL,
	"amount" numeric NOT NULL,
	"currency" text DEFAULT 'usd' NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "platform_unit_costs_amount_non_negative" CHECK ("platform_unit_costs"."amount" >= 0),
	CONSTRAINT "platform_unit_costs_resource_valid" CHECK ("platform_unit_costs"."resource" in ('storage_gb_month', 'requests_million', 'compute_hour', 'egress_gb'))
);
--> statement-breakpoint
ALTER TABLE "platform_unit_costs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"outcome" text NOT NULL,
	"payload" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stripe_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD CONSTRAINT "billing_accounts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_budgets" ADD CONSTRAINT "billing_budgets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_budgets" ADD CONSTRAINT "billing_budgets_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_settled_by_users_id_fk" FOREIGN KEY ("settled_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meter_reconciliations" ADD CONSTRAINT "meter_reconciliations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meter_reports" ADD CONSTRAINT "meter_reports_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "platform_unit_costs" ADD CONSTRAINT "platform_unit_costs_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "billing_accounts_stripe_customer_idx" ON "billing_accounts" USING btree ("stripe_customer_id");--> statement-breakpoint
CREATE INDEX "billing_accounts_stripe_subscription_idx" ON "billing_accounts" USING btree ("stripe_subscription_id");--> statement-breakpoint
CREATE INDEX "invoices_tenant_period_idx" ON "invoices" USING btree ("tenant_id","period_start" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_stripe_invoice_key" ON "invoices" USING btree ("tenant_id","stripe_invoice_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_number_key" ON "invoices" USING btree ("tenant_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_internal_period_key" ON "invoices" USING btree ("tenant_id","period_start") WHERE "invoices"."source" = 'internal';--> statement-breakpoint
CREATE UNIQUE INDEX "meter_reports_identifier_key" ON "meter_reports" USING btree ("tenant_id","identifier");--> statement-breakpoint
CREATE INDEX "meter_reports_tenant_period_idx" ON "meter_reports" USING btree ("tenant_id","metric","period_start");--> statement-breakpoint
CREATE INDEX "stripe_events_received_idx" ON "stripe_events" USING btree ("received_at" DESC NULLS LAST);--> statement-breakpoint
CREATE POLICY "billing_accounts_tenant_isolation" ON "billing_accounts" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("billing_accounts"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("billing_accounts"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "billing_accounts_platform_access" ON "billing_accounts" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "billing_budgets_tenant_isolation" ON "billing_budgets" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("billing_budgets"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("billing_budgets"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "billing_budgets_platform_access" ON "billing_budgets" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "budget_alerts_tenant_isolation" ON "budget_alerts" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("budget_alerts"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("budget_alerts"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "budget_alerts_platform_access" ON "budget_alerts" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "invoice_lines_tenant_isolation" ON "invoice_lines" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("invoice_lines"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("invoice_lines"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "invoice_lines_platform_access" ON "invoice_lines" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "invoices_tenant_isolation" ON "invoices" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("invoices"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("invoices"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "invoices_platform_access" ON "invoices" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "meter_reconciliations_tenant_isolation" ON "meter_reconciliations" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("meter_reconciliations"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("meter_reconciliations"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "meter_reconciliations_platform_access" ON "meter_reconciliations" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "meter_reports_tenant_isolation" ON "meter_reports" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("meter_reports"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("meter_reports"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "meter_reports_platform_access" ON "meter_reports" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "platform_unit_costs_platform_access" ON "platform_unit_costs" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "stripe_events_platform_access" ON "stripe_events" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "billing_accounts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing_budgets" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "budget_alerts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invoices" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invoice_lines" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "meter_reports" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "meter_reconciliations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "stripe_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "platform_unit_costs" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Tenants read their billing; a billing manager's action may choose a plan and cancel in
-- internal mode. What only the platform decides (the mode, past due, suspension for non-payment,
-- the Stripe customer and subscription and their event order) has no grant to the app.
GRANT SELECT ON "billing_accounts", "budget_alerts", "invoices", "invoice_lines" TO tenantry_app;--> statement-breakpoint
GRANT INSERT ("tenant_id", "plan", "status", "current_period_start", "current_period_end", "cancel_at_period_end", "scheduled_plan", "trial_ends_at", "trial_used", "updated_at"),
  UPDATE ("plan", "status", "current_period_start", "current_period_end", "cancel_at_period_end", "scheduled_plan", "trial_ends_at", "trial_used", "updated_at")
  ON "billing_accounts" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "billing_budgets" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "billing_accounts", "billing_budgets", "budget_alerts", "invoices", "invoice_lines", "meter_reports", "meter_reconciliations", "stripe_events", "platform_unit_costs" TO tenantry_platform;
--> statement-breakpoint
-- tenants.plan stays out of the app's grants: in internal mode a tenant's plan follows the plan
-- its billing manager chose in billing_accounts, through this function, for the transaction's
-- tenant only; in Stripe mode only the webhook (platform role) changes it.
CREATE FUNCTION tenantry_internal.apply_internal_plan()
RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  UPDATE tenants t SET plan = a.plan, updated_at = now()
  FROM billing_accounts a
  WHERE t.id = nullif(current_setting('app.tenant_id', true), '')::uuid
    AND a.tenant_id = t.id AND a.mode = 'internal'
  RETURNING t.plan
$$;--> statement-breakpoint
ALTER FUNCTION tenantry_internal.apply_internal_plan() OWNER TO tenantry_platform;--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantry_internal.apply_internal_plan() FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantry_internal.apply_internal_plan() TO tenantry_app;
