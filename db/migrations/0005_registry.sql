CREATE TABLE "platform_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"user_agent" text
);
--> statement-breakpoint
ALTER TABLE "platform_sessions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_tenant_id_id_key" UNIQUE("tenant_id","id"),
	CONSTRAINT "api_keys_name_length" CHECK (char_length("api_keys"."name") between 1 and 100)
);
--> statement-breakpoint
ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "feature_overrides" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "limit_overrides" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "platform_role" text;--> statement-breakpoint
ALTER TABLE "platform_sessions" ADD CONSTRAINT "platform_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "platform_sessions_user_idx" ON "platform_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_tenant_hash_key" ON "api_keys" USING btree ("tenant_id","key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_tenant_created_idx" ON "api_keys" USING btree ("tenant_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "tenants_created_idx" ON "tenants" USING btree ("created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "tenants_status_created_idx" ON "tenants" USING btree ("status","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "tenants_plan_created_idx" ON "tenants" USING btree ("plan","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_platform_role_valid" CHECK ("users"."platform_role" is null or "users"."platform_role" in ('operator'));--> statement-breakpoint
CREATE POLICY "platform_sessions_platform_access" ON "platform_sessions" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "api_keys_tenant_isolation" ON "api_keys" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("api_keys"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("api_keys"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "api_keys_platform_access" ON "api_keys" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "platform_sessions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "api_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Operator sessions are platform data: the application role gets no grant at all.
GRANT SELECT, INSERT, UPDATE, DELETE ON "platform_sessions" TO tenantry_platform;--> statement-breakpoint
-- A tenant's admins create and revoke keys and requests stamp last use; nobody rewrites a key.
GRANT SELECT, INSERT, UPDATE ("last_used_at", "revoked_at") ON "api_keys" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "api_keys" TO tenantry_platform;--> statement-breakpoint
-- The host's tenant now carries its plan and overrides, which features and limits depend on.
DROP FUNCTION tenantry_resolve_tenant(text);--> statement-breakpoint
CREATE FUNCTION tenantry_resolve_tenant(p_slug text)
RETURNS TABLE (id uuid, slug text, name text, status text, plan text, settings jsonb, feature_overrides jsonb, limit_overrides jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$ SELECT t.id, t.slug, t.name, t.status, t.plan, t.settings, t.feature_overrides, t.limit_overrides FROM tenants t WHERE t.slug = p_slug $$;--> statement-breakpoint
ALTER FUNCTION tenantry_resolve_tenant(text) OWNER TO tenantry_platform;--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantry_resolve_tenant(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantry_resolve_tenant(text) TO tenantry_app, tenantry_platform;
