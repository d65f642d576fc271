CREATE TABLE "usage_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"value" double precision NOT NULL,
	"idempotency_key" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" text NOT NULL,
	CONSTRAINT "usage_events_tenant_idempotency_key" UNIQUE("tenant_id","idempotency_key"),
	CONSTRAINT "usage_events_source_valid" CHECK ("usage_events"."source" in ('api', 'system')),
	CONSTRAINT "usage_events_value_non_negative" CHECK ("usage_events"."value" >= 0),
	CONSTRAINT "usage_events_idempotency_key_length" CHECK (char_length("usage_events"."idempotency_key") between 1 and 200)
);
--> statement-breakpoint
ALTER TABLE "usage_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_events_tenant_metric_occurred_idx" ON "usage_events" USING btree ("tenant_id","metric","occurred_at");--> statement-breakpoint
CREATE POLICY "usage_events_tenant_isolation" ON "usage_events" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("usage_events"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("usage_events"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "usage_events_platform_access" ON "usage_events" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "usage_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Usage events are immutable: the application records and reads them, never rewrites them;
-- the platform also deletes them (retention).
GRANT SELECT, INSERT ON "usage_events" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON "usage_events" TO tenantry_platform;
