-- Roles are cluster-wide: a second database in the same cluster must not fail here.
DO $$ BEGIN
  CREATE ROLE tenantry_app NOLOGIN NOINHERIT NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
--> statement-breakpoint
DO $$ BEGIN
  CREATE ROLE tenantry_platform NOLOGIN NOINHERIT NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
--> statement-breakpoint
-- The migrating (login) role must be able to SET ROLE to both.
DO $$ BEGIN
  EXECUTE format('GRANT tenantry_app, tenantry_platform TO %I', current_user);
EXCEPTION WHEN others THEN NULL;
END $$;
