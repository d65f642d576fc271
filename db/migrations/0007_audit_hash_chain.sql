-- Tamper evidence: each tenant's audit events form a hash chain (seq 1, 2, 3 …; hash =
-- SHA-256 over the previous hash and the row's content). Generated as NOT NULL columns; added
-- nullable here and tightened after the backfill, so a database that already has events migrates.
ALTER TABLE "audit_events" ADD COLUMN "seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "hash" text;--> statement-breakpoint
-- Chain functions live outside public: the trigger function is volatile plpgsql by nature, and
-- public holds only what policies may call (db/rls.int.test.ts checks what policies reference).
CREATE SCHEMA IF NOT EXISTS tenantry_internal;--> statement-breakpoint
REVOKE ALL ON SCHEMA tenantry_internal FROM PUBLIC;--> statement-breakpoint
GRANT USAGE ON SCHEMA tenantry_internal TO tenantry_app, tenantry_platform;--> statement-breakpoint
-- The one definition of a link, used by the trigger, the backfill below and verifyAuditChain.
-- The serialization is a JSON array (strings escaped, NULL distinct from 'null', jsonb's
-- canonical text for metadata), versioned by its first element, the time in UTC to the microsecond.
CREATE FUNCTION tenantry_internal.audit_event_hash(e public.audit_events)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = public, pg_temp
AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    'tenantry.audit.v1',
    e.prev_hash,
    e.tenant_id::text,
    e.seq,
    e.actor_type,
    e.actor_id::text,
    e.action,
    e.target_type,
    e.target_id,
    e.request_id,
    e.ip,
    e.metadata,
    to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  )::text, 'UTF8')), 'hex')
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantry_internal.audit_event_hash(public.audit_events) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantry_internal.audit_event_hash(public.audit_events) TO tenantry_app, tenantry_platform;--> statement-breakpoint
-- Every insert path is chained, whatever seq/prev_hash/hash it supplies. The per-tenant
-- transaction lock serializes a tenant's appends until commit (READ COMMITTED: the next
-- holder's lookup sees the last committed link), so the chain has no gap and no fork. It runs
-- as tenantry_platform, whose policy sees the whole tenant; a tenant-scoped transaction may
-- only append to its own tenant (RLS's WITH CHECK would refuse it anyway, but only after the
-- lock and the lookup had touched the other tenant's chain).
CREATE FUNCTION tenantry_internal.audit_events_chain()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  v_scope uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
  v_last record;
BEGIN
  IF v_scope IS NOT NULL AND v_scope IS DISTINCT FROM NEW.tenant_id THEN
    RAISE EXCEPTION 'new row violates row-level security policy for table "audit_events"'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(NEW.tenant_id::text || ':audit', 0));
  SELECT e.seq, e.hash INTO v_last
    FROM audit_events e WHERE e.tenant_id = NEW.tenant_id ORDER BY e.seq DESC LIMIT 1;
  NEW.seq := coalesce(v_last.seq, 0) + 1;
  NEW.prev_hash := v_last.hash;
  NEW.hash := tenantry_internal.audit_event_hash(NEW);
  RETURN NEW;
END
$$;--> statement-breakpoint
-- Revoked while the migrating role still owns it (a non-inheriting owner could not afterwards).
REVOKE ALL ON FUNCTION tenantry_internal.audit_events_chain() FROM PUBLIC;--> statement-breakpoint
-- Owned by the platform role, which needs CREATE on the schema only for the change of owner.
GRANT CREATE ON SCHEMA tenantry_internal TO tenantry_platform;--> statement-breakpoint
ALTER FUNCTION tenantry_internal.audit_events_chain() OWNER TO tenantry_platform;--> statement-breakpoint
REVOKE CREATE ON SCHEMA tenantry_internal FROM tenantry_platform;--> statement-breakpoint
CREATE TRIGGER audit_events_chain BEFORE INSERT ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION tenantry_internal.audit_events_chain();--> statement-breakpoint
-- Backfill existing events per tenant in (created_at, id) order. RLS is forced and the owner
-- has no policy, so a non-superuser owner would update nothing: lift FORCE for the backfill
-- (the migration is one transaction; the table is locked by the ALTERs above until commit).
ALTER TABLE "audit_events" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
DO $$
DECLARE
  v_row public.audit_events;
  v_tenant uuid;
  v_seq bigint := 0;
  v_prev text;
BEGIN
  FOR v_row IN SELECT * FROM public.audit_events ORDER BY tenant_id, created_at, id LOOP
    IF v_tenant IS DISTINCT FROM v_row.tenant_id THEN
      v_tenant := v_row.tenant_id;
      v_seq := 0;
      v_prev := NULL;
    END IF;
    v_seq := v_seq + 1;
    v_row.seq := v_seq;
    v_row.prev_hash := v_prev;
    v_row.hash := tenantry_internal.audit_event_hash(v_row);
    UPDATE public.audit_events
      SET seq = v_row.seq, prev_hash = v_row.prev_hash, hash = v_row.hash
      WHERE id = v_row.id;
    v_prev := v_row.hash;
  END LOOP;
END
$$;--> statement-breakpoint
ALTER TABLE "audit_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "seq" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "hash" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_tenant_seq_key" ON "audit_events" USING btree ("tenant_id","seq");
