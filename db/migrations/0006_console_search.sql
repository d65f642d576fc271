CREATE INDEX "tenants_name_sort_idx" ON "tenants" USING btree (lower("name"),"id");--> statement-breakpoint
-- The console searches slug and name with ILIKE '%q%'; trigram indexes keep that off a full
-- scan at 10,000+ tenants. The extension lives in its own schema so that its functions
-- (some volatile) are not mixed with ours in public.
CREATE SCHEMA IF NOT EXISTS extensions;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;--> statement-breakpoint
CREATE INDEX "tenants_slug_trgm_idx" ON "tenants" USING gin ("slug" extensions.gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "tenants_name_trgm_idx" ON "tenants" USING gin ("name" extensions.gin_trgm_ops);
