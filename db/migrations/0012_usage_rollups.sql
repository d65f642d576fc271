CREATE TABLE "usage_notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"threshold" integer NOT NULL,
	"used" numeric NOT NULL,
	"allowance" numeric NOT NULL,
	"policy" text NOT NULL,
	"recipients" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_notifications_once" UNIQUE("tenant_id","metric","period_start","threshold"),
	CONSTRAINT "usage_notifications_threshold_valid" CHECK ("usage_notifications"."threshold" in (80, 100))
);
--> statement-breakpoint
ALTER TABLE "usage_notifications" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "usage_rollup_state" (
	"name" text PRIMARY KEY NOT NULL,
	"watermark" timestamp with time zone NOT NULL,
	"last_run_at" timestamp with time zone,
	"last_run_ms" integer,
	"last_buckets" integer
);
--> statement-breakpoint
ALTER TABLE "usage_rollup_state" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "usage_rollups" (
	"tenant_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"granularity" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"dimension" text DEFAULT '' NOT NULL,
	"value" numeric NOT NULL,
	"events" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_rollups_pk" PRIMARY KEY("tenant_id","metric","granularity","bucket_start","dimension"),
	CONSTRAINT "usage_rollups_granularity_valid" CHECK ("usage_rollups"."granularity" in ('hour', 'day', 'month'))
);
--> statement-breakpoint
ALTER TABLE "usage_rollups" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "overage_overrides" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_notifications" ADD CONSTRAINT "usage_notifications_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_events_received_brin" ON "usage_events" USING brin ("received_at");--> statement-breakpoint
CREATE POLICY "usage_notifications_tenant_isolation" ON "usage_notifications" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("usage_notifications"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("usage_notifications"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "usage_notifications_platform_access" ON "usage_notifications" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "usage_rollup_state_platform_access" ON "usage_rollup_state" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "usage_rollups_tenant_isolation" ON "usage_rollups" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("usage_rollups"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("usage_rollups"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "usage_rollups_platform_access" ON "usage_rollups" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "usage_rollups" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "usage_notifications" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "usage_rollup_state" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Rollups and notices are written by the platform's rollup job; tenants read theirs.
GRANT SELECT ON "usage_rollups", "usage_notifications" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "usage_rollups", "usage_notifications", "usage_rollup_state" TO tenantry_platform;
