CREATE TABLE "tenant_backups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"tables_done" integer DEFAULT 0 NOT NULL,
	"tables_total" integer DEFAULT 0 NOT NULL,
	"row_count" integer,
	"schema_version" integer,
	"key_version" integer,
	"size_bytes" bigint,
	"sha256" text,
	"archive" "bytea",
	"error" text,
	"requested_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "tenant_backups_tenant_id_id_key" UNIQUE("tenant_id","id"),
	CONSTRAINT "tenant_backups_kind_valid" CHECK ("tenant_backups"."kind" in ('manual', 'scheduled')),
	CONSTRAINT "tenant_backups_status_valid" CHECK ("tenant_backups"."status" in ('pending', 'running', 'ready', 'failed')),
	CONSTRAINT "tenant_backups_ready_complete" CHECK ("tenant_backups"."status" <> 'ready' or ("tenant_backups"."archive" is not null and "tenant_backups"."sha256" is not null and "tenant_backups"."schema_version" is not null))
);
--> statement-breakpoint
ALTER TABLE "tenant_backups" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenant_restores" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"backup_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"rows_restored" integer,
	"error" text,
	"requested_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "tenant_restores_status_valid" CHECK ("tenant_restores"."status" in ('pending', 'running', 'done', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "tenant_restores" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenant_backups" ADD CONSTRAINT "tenant_backups_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_restores" ADD CONSTRAINT "tenant_restores_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_restores" ADD CONSTRAINT "tenant_restores_backup_fk" FOREIGN KEY ("tenant_id","backup_id") REFERENCES "public"."tenant_backups"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tenant_backups_tenant_created_idx" ON "tenant_backups" USING btree ("tenant_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "tenant_backups_open_idx" ON "tenant_backups" USING btree ("tenant_id","created_at") WHERE "tenant_backups"."status" in ('pending', 'running');--> statement-breakpoint
CREATE INDEX "tenant_restores_tenant_created_idx" ON "tenant_restores" USING btree ("tenant_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE POLICY "tenant_backups_tenant_isolation" ON "tenant_backups" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("tenant_backups"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("tenant_backups"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_backups_platform_access" ON "tenant_backups" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_restores_tenant_isolation" ON "tenant_restores" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("tenant_restores"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("tenant_restores"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_restores_platform_access" ON "tenant_restores" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "tenant_backups" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenant_restores" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- A tenant's own requests list and download its backups and ask for a backup or a restore; the
-- backup job (platform role) makes the archives and runs the restores.
GRANT SELECT ON "tenant_backups", "tenant_restores" TO tenantry_app;--> statement-breakpoint
GRANT INSERT ("tenant_id", "kind", "requested_by") ON "tenant_backups" TO tenantry_app;--> statement-breakpoint
GRANT INSERT ("tenant_id", "backup_id", "requested_by") ON "tenant_restores" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "tenant_backups", "tenant_restores" TO tenantry_platform;
