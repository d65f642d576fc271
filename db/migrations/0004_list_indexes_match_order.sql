DROP INDEX "documents_tenant_updated_idx";--> statement-breakpoint
DROP INDEX "audit_events_tenant_created_idx";--> statement-breakpoint
CREATE INDEX "documents_tenant_updated_idx" ON "documents" USING btree ("tenant_id","updated_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "audit_events_tenant_created_idx" ON "audit_events" USING btree ("tenant_id","created_at" DESC NULLS FIRST);