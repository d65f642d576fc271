import { pgPolicy, pgRole, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/**
 * Database roles. Both are created by migration 0000 (roles are cluster-wide, so the
 * migration tolerates their existence) and are never login roles themselves: the
 * connection's login role switches to one of them per transaction.
 *
 * - tenantry_app: every tenant request. Not superuser, not owner, not BYPASSRLS.
 * - tenantry_platform: operator console, sign-up, jobs, webhooks (withPlatform only).
 */
export const appRole = pgRole('tenantry_app').existing();
export const platformRole = pgRole('tenantry_platform').existing();

/** The tenant of the current transaction; NULL outside withTenant (fail closed). */
export const currentTenantId = sql`(select nullif(current_setting('app.tenant_id', true), '')::uuid)`;

/** Every role-policy pair a table needs from the platform path: the platform role sees all rows. */
export function platformAccess(table: string) {
  return pgPolicy(`${table}_platform_access`, {
    to: platformRole,
    for: 'all',
    using: sql`true`,
    withCheck: sql`true`,
  });
}

/**
 * The isolation contract of a tenant-owned table (DESIGN.md): the application role sees and
 * writes only rows of the transaction's tenant; the platform role sees all.
 */
export function tenantPolicies(table: string, tenantId: AnyPgColumn) {
  return [
    pgPolicy(`${table}_tenant_isolation`, {
      to: appRole,
      for: 'all',
      using: sql`${tenantId} = ${currentTenantId}`,
      withCheck: sql`${tenantId} = ${currentTenantId}`,
    }),
    platformAccess(table),
  ];
}
