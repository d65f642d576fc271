CREATE TABLE "key_rotations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"target_version" integer NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"total_rows" integer DEFAULT 0 NOT NULL,
	"done_rows" integer DEFAULT 0 NOT NULL,
	"cursor" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"requested_by" uuid,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "key_rotations_reason_valid" CHECK ("key_rotations"."reason" in ('manual', 'scheduled', 'initial')),
	CONSTRAINT "key_rotations_status_valid" CHECK ("key_rotations"."status" in ('running', 'done'))
);
--> statement-breakpoint
ALTER TABLE "key_rotations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenant_encryption_policies" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"rotation_interval_days" integer,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_encryption_policies_interval" CHECK ("tenant_encryption_policies"."rotation_interval_days" is null or "tenant_encryption_policies"."rotation_interval_days" between 7 and 730)
);
--> statement-breakpoint
ALTER TABLE "tenant_encryption_policies" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenant_keys" (
	"tenant_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"wrapped_key" text,
	"kek_id" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	CONSTRAINT "tenant_keys_pkey" PRIMARY KEY("tenant_id","version"),
	CONSTRAINT "tenant_keys_version_positive" CHECK ("tenant_keys"."version" > 0),
	CONSTRAINT "tenant_keys_status_valid" CHECK ("tenant_keys"."status" in ('active', 'retiring', 'retired', 'destroyed')),
	CONSTRAINT "tenant_keys_material" CHECK (("tenant_keys"."status" = 'destroyed') = ("tenant_keys"."wrapped_key" is null))
);
--> statement-breakpoint
ALTER TABLE "tenant_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents" DROP CONSTRAINT "documents_title_length";--> statement-breakpoint
ALTER TABLE "documents" DROP CONSTRAINT "documents_body_length";--> statement-breakpoint
ALTER TABLE "key_rotations" ADD CONSTRAINT "key_rotations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_encryption_policies" ADD CONSTRAINT "tenant_encryption_policies_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_keys" ADD CONSTRAINT "tenant_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "key_rotations_one_running" ON "key_rotations" USING btree ("tenant_id") WHERE "key_rotations"."status" = 'running';--> statement-breakpoint
CREATE INDEX "key_rotations_tenant_started_idx" ON "key_rotations" USING btree ("tenant_id","started_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE UNIQUE INDEX "tenant_keys_one_active" ON "tenant_keys" USING btree ("tenant_id") WHERE "tenant_keys"."status" = 'active';--> statement-breakpoint
CREATE POLICY "key_rotations_tenant_isolation" ON "key_rotations" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("key_rotations"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("key_rotations"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "key_rotations_platform_access" ON "key_rotations" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_encryption_policies_tenant_isolation" ON "tenant_encryption_policies" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("tenant_encryption_policies"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("tenant_encryption_policies"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_encryption_policies_platform_access" ON "tenant_encryption_policies" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_keys_tenant_isolation" ON "tenant_keys" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("tenant_keys"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("tenant_keys"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_keys_platform_access" ON "tenant_keys" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "tenant_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenant_encryption_policies" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "key_rotations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- A tenant's own requests create its first key, rotate (a new active version, the old one
-- retiring) and start the re-encryption; finishing it, retiring and destroying keys belong to
-- the platform's key job. Wrapped keys are useless without the key-encryption key.
GRANT SELECT, INSERT ON "tenant_keys", "key_rotations" TO tenantry_app;--> statement-breakpoint
GRANT UPDATE ("status") ON "tenant_keys" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "tenant_encryption_policies" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "tenant_keys", "tenant_encryption_policies", "key_rotations" TO tenantry_platform;--> statement-breakpoint
-- Rows written before encryption are sealed by the key job: one initial re-encryption per
-- tenant that has any (SQL cannot seal, it has no key-encryption key).
INSERT INTO "key_rotations" ("tenant_id", "target_version", "reason")
SELECT t.id, 1, 'initial' FROM "tenants" t
WHERE EXISTS (SELECT 1 FROM "documents" d WHERE d.tenant_id = t.id)
   OR EXISTS (SELECT 1 FROM "sso_connections" s WHERE s.tenant_id = t.id)
   OR EXISTS (SELECT 1 FROM "mfa_factors" m WHERE m.tenant_id = t.id);
