-- Isolation contract (DESIGN.md): RLS is forced, so even the tables' owner is subject to
-- the policies; only the roles below may touch the tables, each through its policy.
ALTER TABLE "tenants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "memberships" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sessions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO tenantry_app, tenantry_platform;--> statement-breakpoint
-- Tenant requests: their own tenant's name and branding only, never status or plan.
GRANT SELECT, UPDATE ("name", "settings", "updated_at") ON "tenants" TO tenantry_app;--> statement-breakpoint
GRANT SELECT ON "users" TO tenantry_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "memberships", "sessions", "documents" TO tenantry_app;--> statement-breakpoint
-- The audit trail is append-only for everyone.
GRANT SELECT, INSERT ON "audit_events" TO tenantry_app, tenantry_platform;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "tenants", "users", "memberships", "sessions", "documents" TO tenantry_platform;--> statement-breakpoint
-- A tenant request must turn its host's slug into a tenant before it can set app.tenant_id,
-- and must not be able to list tenants: this one definer function answers for one slug.
CREATE FUNCTION tenantry_resolve_tenant(p_slug text)
RETURNS TABLE (id uuid, slug text, name text, status text, settings jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$ SELECT t.id, t.slug, t.name, t.status, t.settings FROM tenants t WHERE t.slug = p_slug $$;--> statement-breakpoint
ALTER FUNCTION tenantry_resolve_tenant(text) OWNER TO tenantry_platform;--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantry_resolve_tenant(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantry_resolve_tenant(text) TO tenantry_app, tenantry_platform;
