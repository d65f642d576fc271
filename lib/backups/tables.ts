/**
 * What a tenant backup holds and how a restore puts each table back. Every table with a
 * `tenant_id` column is either here or in `notBackedUp` with the reason; backup.int.test.ts
 * enumerates the schema, so a new table cannot be forgotten.
 *
 * - `replace`: a restore into the same tenant deletes the tenant's current rows first.
 * - `merge`: records the platform keeps (audit and access logs, usage, invoices): a restore adds
 *   the rows the tenant no longer has and never deletes or rewinds one.
 * - `clone: false`: not copied into a new tenant (credentials, and the source's billing history).
 *
 * Listed parents first: restores insert in this order and delete in the reverse.
 */
export const backedUpTables = [
  { table: 'tenant_roles', restore: 'replace', clone: true },
  { table: 'memberships', restore: 'replace', clone: true },
  { table: 'invitations', restore: 'replace', clone: false },
  { table: 'api_keys', restore: 'replace', clone: false },
  { table: 'mfa_factors', restore: 'replace', clone: false },
  { table: 'mfa_recovery_codes', restore: 'replace', clone: false },
  { table: 'sso_connections', restore: 'replace', clone: true },
  { table: 'sso_identities', restore: 'replace', clone: true },
  { table: 'documents', restore: 'replace', clone: true },
  { table: 'tenant_encryption_policies', restore: 'replace', clone: true },
  { table: 'billing_budgets', restore: 'replace', clone: true },
  { table: 'billing_accounts', restore: 'merge', clone: false },
  { table: 'invoices', restore: 'merge', clone: false },
  { table: 'invoice_lines', restore: 'merge', clone: false },
  { table: 'meter_reports', restore: 'merge', clone: false },
  { table: 'meter_reconciliations', restore: 'merge', clone: false },
  { table: 'budget_alerts', restore: 'merge', clone: false },
  { table: 'usage_events', restore: 'merge', clone: true },
  { table: 'usage_rollups', restore: 'merge', clone: true },
  { table: 'usage_notifications', restore: 'merge', clone: true },
  { table: 'audit_events', restore: 'merge', clone: true },
  { table: 'activity_events', restore: 'merge', clone: true },
] as const satisfies ReadonlyArray<{
  table: string;
  restore: 'replace' | 'merge';
  clone: boolean;
}>;

export type BackedUpTable = (typeof backedUpTables)[number]['table'];

export const notBackedUp: Readonly<Record<string, string>> = {
  sessions: 'sign-in state: a restore signs everyone out rather than revive old sessions',
  tenant_keys: 'key material never leaves its tenant; a restore seals under the target’s keys',
  key_rotations: 'the key job’s own progress, not tenant data',
  tenant_backups: 'a backup does not contain backups',
  tenant_restores: 'the backup job’s own progress, not tenant data',
};

/** The registry row's columns a backup carries; plan, status and overrides are the platform's. */
export const tenantColumns = ['name', 'settings', 'metadata'] as const;
