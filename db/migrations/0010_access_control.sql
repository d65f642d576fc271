CREATE TABLE "tenant_roles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"permissions" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_roles_tenant_id_id_key" UNIQUE("tenant_id","id"),
	CONSTRAINT "tenant_roles_name_length" CHECK (char_length("tenant_roles"."name") between 1 and 60),
	CONSTRAINT "tenant_roles_description_length" CHECK (char_length("tenant_roles"."description") <= 200)
);
--> statement-breakpoint
ALTER TABLE "tenant_roles" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "mfa_factors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"membership_id" uuid NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmed_at" timestamp with time zone,
	"last_used_step" bigint
);
--> statement-breakpoint
ALTER TABLE "mfa_factors" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "mfa_recovery_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"membership_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "mfa_recovery_codes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sso_connections" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"issuer" text NOT NULL,
	"client_id" text NOT NULL,
	"client_secret" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"enforced" boolean DEFAULT false NOT NULL,
	"auto_provision_role" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sso_connections_auto_provision_role_valid" CHECK ("sso_connections"."auto_provision_role" is null or "sso_connections"."auto_provision_role" in ('admin', 'member', 'viewer', 'billing'))
);
--> statement-breakpoint
ALTER TABLE "sso_connections" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sso_identities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"membership_id" uuid NOT NULL,
	"issuer" text NOT NULL,
	"subject" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_sign_in_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "sso_identities" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "activity_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"stream" text NOT NULL,
	"action" text NOT NULL,
	"channel" text,
	"actor_type" text NOT NULL,
	"actor_id" uuid,
	"target_type" text,
	"target_id" text,
	"request_id" text,
	"ip" text,
	"user_agent" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "activity_events_stream_valid" CHECK ("activity_events"."stream" in ('access', 'security')),
	CONSTRAINT "activity_events_channel_valid" CHECK ("activity_events"."channel" is null or "activity_events"."channel" in ('web', 'api', 'export'))
);
--> statement-breakpoint
ALTER TABLE "activity_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invitations" DROP CONSTRAINT "invitations_role_valid";--> statement-breakpoint
ALTER TABLE "memberships" ADD COLUMN "custom_role_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "pending_step" text;--> statement-breakpoint
ALTER TABLE "invitations" ADD COLUMN "custom_role_id" uuid;--> statement-breakpoint
ALTER TABLE "tenant_roles" ADD CONSTRAINT "tenant_roles_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mfa_factors" ADD CONSTRAINT "mfa_factors_membership_fk" FOREIGN KEY ("tenant_id","membership_id") REFERENCES "public"."memberships"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mfa_recovery_codes" ADD CONSTRAINT "mfa_recovery_codes_membership_fk" FOREIGN KEY ("tenant_id","membership_id") REFERENCES "public"."memberships"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sso_connections" ADD CONSTRAINT "sso_connections_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sso_identities" ADD CONSTRAINT "sso_identities_membership_fk" FOREIGN KEY ("tenant_id","membership_id") REFERENCES "public"."memberships"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activity_events" ADD CONSTRAINT "activity_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tenant_roles_tenant_name_key" ON "tenant_roles" USING btree ("tenant_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "mfa_factors_membership_key" ON "mfa_factors" USING btree ("tenant_id","membership_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mfa_recovery_codes_code_key" ON "mfa_recovery_codes" USING btree ("tenant_id","membership_id","code_hash");--> statement-breakpoint
CREATE INDEX "mfa_recovery_codes_unused_idx" ON "mfa_recovery_codes" USING btree ("tenant_id","membership_id") WHERE "mfa_recovery_codes"."used_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "sso_identities_subject_key" ON "sso_identities" USING btree ("tenant_id","issuer","subject");--> statement-breakpoint
CREATE UNIQUE INDEX "sso_identities_membership_key" ON "sso_identities" USING btree ("tenant_id","membership_id","issuer");--> statement-breakpoint
CREATE INDEX "activity_events_tenant_stream_created_idx" ON "activity_events" USING btree ("tenant_id","stream","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_custom_role_fk" FOREIGN KEY ("tenant_id","custom_role_id") REFERENCES "public"."tenant_roles"("tenant_id","id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "memberships_custom_role_idx" ON "memberships" USING btree ("tenant_id","custom_role_id");--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_role_valid" CHECK (("memberships"."role" in ('owner', 'admin', 'member', 'viewer', 'billing') and "memberships"."custom_role_id" is null) or ("memberships"."role" = 'custom' and "memberships"."custom_role_id" is not null));--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_pending_step_valid" CHECK ("sessions"."pending_step" is null or "sessions"."pending_step" in ('mfa', 'mfa_enrolment'));--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_role_valid" CHECK (("invitations"."role" in ('owner', 'admin', 'member', 'viewer', 'billing') and "invitations"."custom_role_id" is null) or ("invitations"."role" = 'custom' and "invitations"."custom_role_id" is not null));--> statement-breakpoint
CREATE POLICY "tenant_roles_tenant_isolation" ON "tenant_roles" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("tenant_roles"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("tenant_roles"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "tenant_roles_platform_access" ON "tenant_roles" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "mfa_factors_tenant_isolation" ON "mfa_factors" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("mfa_factors"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("mfa_factors"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "mfa_factors_platform_access" ON "mfa_factors" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "mfa_recovery_codes_tenant_isolation" ON "mfa_recovery_codes" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("mfa_recovery_codes"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("mfa_recovery_codes"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "mfa_recovery_codes_platform_access" ON "mfa_recovery_codes" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "sso_connections_tenant_isolation" ON "sso_connections" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("sso_connections"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("sso_connections"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "sso_connections_platform_access" ON "sso_connections" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "sso_identities_tenant_isolation" ON "sso_identities" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("sso_identities"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("sso_identities"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "sso_identities_platform_access" ON "sso_identities" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "activity_events_tenant_isolation" ON "activity_events" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("activity_events"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("activity_events"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "activity_events_platform_access" ON "activity_events" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "tenant_roles" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mfa_factors" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mfa_recovery_codes" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sso_connections" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sso_identities" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "activity_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Custom roles are edited in settings; a role's id and tenant never change.
GRANT SELECT, INSERT, UPDATE ("name", "description", "permissions", "updated_at"), DELETE ON "tenant_roles" TO tenantry_app;--> statement-breakpoint
-- A factor is created, confirmed, advanced past each used code, and deleted on reset; its
-- secret is never rewritten in place (a new enrolment is a new row).
GRANT SELECT, INSERT, UPDATE ("confirmed_at", "last_used_step"), DELETE ON "mfa_factors" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ("used_at"), DELETE ON "mfa_recovery_codes" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "sso_connections" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ("last_sign_in_at"), DELETE ON "sso_identities" TO tenantry_app;--> statement-breakpoint
-- The access and security logs are append-only, like the audit trail.
GRANT SELECT, INSERT ON "activity_events" TO tenantry_app, tenantry_platform;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "tenant_roles", "mfa_factors", "mfa_recovery_codes", "sso_connections", "sso_identities" TO tenantry_platform;
