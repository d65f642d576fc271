-- The app checks at start that the database is migrated. It connects with a login role that
-- can do nothing until it switches to tenantry_app, so that role may read the migration log.
GRANT USAGE ON SCHEMA drizzle TO tenantry_app;--> statement-breakpoint
GRANT SELECT ON drizzle.__drizzle_migrations TO tenantry_app;
