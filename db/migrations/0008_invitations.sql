CREATE TABLE "invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"invited_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	"accepted_by" uuid,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "invitations_tenant_id_id_key" UNIQUE("tenant_id","id"),
	CONSTRAINT "invitations_email_lower" CHECK ("invitations"."email" = lower("invitations"."email")),
	CONSTRAINT "invitations_role_valid" CHECK ("invitations"."role" in ('owner', 'admin', 'member', 'viewer', 'billing'))
);
--> statement-breakpoint
ALTER TABLE "invitations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "mail_outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"recipient" text NOT NULL,
	"subject" text NOT NULL,
	"text" text NOT NULL,
	"html" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mail_outbox" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_accepted_by_users_id_fk" FOREIGN KEY ("accepted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_tenant_token_key" ON "invitations" USING btree ("tenant_id","token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_tenant_email_open_key" ON "invitations" USING btree ("tenant_id","email") WHERE "invitations"."accepted_at" is null and "invitations"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "invitations_tenant_created_idx" ON "invitations" USING btree ("tenant_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "mail_outbox_created_idx" ON "mail_outbox" USING btree ("created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE POLICY "invitations_tenant_isolation" ON "invitations" AS PERMISSIVE FOR ALL TO "tenantry_app" USING ("invitations"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK ("invitations"."tenant_id" = (select nullif(current_setting('app.tenant_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "invitations_platform_access" ON "invitations" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "mail_outbox_platform_access" ON "mail_outbox" AS PERMISSIVE FOR ALL TO "tenantry_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "invitations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mail_outbox" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Tenant requests create, list, accept and revoke their invitations; nobody rewrites an
-- invitation's e-mail, role or token, and none is deleted (the tenant's deletion cascades).
GRANT SELECT, INSERT, UPDATE ("accepted_at", "accepted_by", "revoked_at") ON "invitations" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "invitations" TO tenantry_platform;--> statement-breakpoint
-- The development outbox is platform data: the application role gets no grant at all.
GRANT SELECT, INSERT, DELETE ON "mail_outbox" TO tenantry_platform;--> statement-breakpoint
-- Acceptance needs two things a tenant transaction cannot do (users are global, and a tenant
-- sees only its members): find the account of the invited e-mail, and create it. Each definer
-- function answers for one invitation of the transaction's own tenant (app.tenant_id) only: the
-- first while it is open, the second while it is being accepted in the calling transaction
-- (accepted_at set, accepted_by not yet), and never for an e-mail that has an account already.
CREATE FUNCTION tenantry_internal.invitation_account(p_invitation_id uuid)
RETURNS TABLE (id uuid, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT u.id, u.password_hash
  FROM invitations i JOIN users u ON u.email = i.email
  WHERE i.id = p_invitation_id
    AND i.tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
    AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
$$;--> statement-breakpoint
CREATE FUNCTION tenantry_internal.create_invited_user(p_invitation_id uuid, p_name text, p_password_hash text)
RETURNS uuid
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  INSERT INTO users (email, name, password_hash)
  SELECT i.email, p_name, p_password_hash
  FROM invitations i
  WHERE i.id = p_invitation_id
    AND i.tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
    AND i.accepted_at IS NOT NULL AND i.accepted_by IS NULL AND i.revoked_at IS NULL
  ON CONFLICT (email) DO NOTHING
  RETURNING id
$$;--> statement-breakpoint
-- Granted while the migrating role still owns them (a non-inheriting owner could not afterwards).
REVOKE ALL ON FUNCTION tenantry_internal.invitation_account(uuid) FROM PUBLIC;--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantry_internal.create_invited_user(uuid, text, text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantry_internal.invitation_account(uuid) TO tenantry_app;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantry_internal.create_invited_user(uuid, text, text) TO tenantry_app;--> statement-breakpoint
-- Owned by the platform role (whose policies see users and invitations), which needs CREATE on
-- the schema only for the change of owner.
GRANT CREATE ON SCHEMA tenantry_internal TO tenantry_platform;--> statement-breakpoint
ALTER FUNCTION tenantry_internal.invitation_account(uuid) OWNER TO tenantry_platform;--> statement-breakpoint
ALTER FUNCTION tenantry_internal.create_invited_user(uuid, text, text) OWNER TO tenantry_platform;--> statement-breakpoint
REVOKE CREATE ON SCHEMA tenantry_internal FROM tenantry_platform;
