/**
 * Every column sealed under the tenant's data key, by table: the one list the key job walks when
 * it re-encrypts, and the list docs/security.md gives. `id` is the column that names the row in
 * the associated data (a table with one row per tenant uses tenant_id).
 */
export const sealedTables = {
  documents: { id: 'id', columns: ['title', 'body'] },
  sso_connections: { id: 'tenant_id', columns: ['client_secret'] },
  mfa_factors: { id: 'id', columns: ['secret'] },
} as const;

export type SealedTable = keyof typeof sealedTables;
export type SealedColumn<T extends SealedTable = SealedTable> =
  (typeof sealedTables)[T]['columns'][number];

export const sealedTableNames = Object.keys(sealedTables) as SealedTable[];
