import 'server-only';
import { sql } from 'drizzle-orm';
import { queryRows, type Transaction } from '@/db/scope';
import { readingKeyring, sealedTables, type Keyring } from '@/lib/crypto';
import type { SealedAt } from '@/lib/crypto/keys';
import type { SealedTable } from '@/lib/crypto/sealed-columns';
import { backedUpTables, tenantColumns, type BackedUpTable } from './tables';

/**
 * The payload inside a backup file. Each table's rows are kept as the JSON text PostgreSQL made
 * (`json_agg`), passed back to PostgreSQL on restore, so numbers, timestamps and jsonb come back
 * exactly; only sealed columns are opened here (they are sealed again under the target's keys).
 */
export type BackupPayload = {
  schemaVersion: number;
  tenant: { id: string; slug: string } & Record<(typeof tenantColumns)[number], unknown>;
  /** Accounts the tenant's rows refer to (members, authors), so another instance can create them. */
  users: string;
  tables: Partial<Record<BackedUpTable, string>>;
};

// Rows in a stable order; the audit log in chain order, so a restore rebuilds the same chain.
const orderOf: Partial<Record<BackedUpTable, string>> = { audit_events: 'seq' };

function isSealedTable(table: string): table is SealedTable {
  return table in sealedTables;
}

/** Opens (export) or seals (import) the sealed columns of a table's rows. */
export function mapSealedColumns(
  table: string,
  rowsJson: string,
  transform: (value: string, at: SealedAt) => string,
): string {
  if (!isSealedTable(table)) return rowsJson;
  const { id, columns } = sealedTables[table];
  const rows = JSON.parse(rowsJson) as Array<Record<string, unknown>>;
  for (const row of rows) {
    for (const column of columns) {
      const value = row[column];
      if (typeof value === 'string')
        row[column] = transform(value, { table, column, rowId: String(row[id]) });
    }
  }
  return JSON.stringify(rows);
}

export function openSealed(keyring: Keyring) {
  return (value: string, at: SealedAt) => keyring.open(value, at);
}

/** Columns that refer to users, in the backed-up tables (found in the catalogue, not listed). */
async function userReferences(tx: Transaction): Promise<Array<{ table: string; column: string }>> {
  return queryRows(
    tx,
    sql`select c.conrelid::regclass::text as table, a.attname as column
        from pg_constraint c
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
        where c.contype = 'f' and c.confrelid = 'public.users'::regclass
          and c.conrelid::regclass::text in (${sql.join(
            backedUpTables.map(({ table }) => sql`${table}`),
            sql`, `,
          )})
        order by 1, 2`,
  );
}

/**
 * Reads every backed-up table of the tenant in the caller's transaction (make it REPEATABLE READ
 * for one consistent snapshot). `onTable` reports progress after each table.
 */
export async function readTenantPayload(
  tx: Transaction,
  tenantId: string,
  schemaVersion: number,
  onTable?: (done: number, total: number) => void,
): Promise<{ payload: BackupPayload; rows: number }> {
  const [tenant] = await queryRows<BackupPayload['tenant']>(
    tx,
    sql`select id, slug, ${sql.join(
      tenantColumns.map((column) => sql.identifier(column)),
      sql`, `,
    )} from tenants where id = ${tenantId}`,
  );
  if (!tenant) throw new Error(`Tenant ${tenantId} does not exist.`);
  const keyring = await readingKeyring(tx, tenantId);
  const tables: BackupPayload['tables'] = {};
  let rows = 0;
  for (const [index, { table }] of backedUpTables.entries()) {
    const order = orderOf[table] ? sql.identifier(orderOf[table]) : sql`t::text`;
    const [result] = await queryRows<{ rows: string; n: number }>(
      tx,
      sql`select coalesce(json_agg(t order by ${order})::text, '[]') as rows, count(*)::int as n
          from ${sql.identifier(table)} t where t.tenant_id = ${tenantId}`,
    );
    tables[table] = mapSealedColumns(table, result!.rows, openSealed(keyring));
    rows += result!.n;
    onTable?.(index + 1, backedUpTables.length);
  }
  const references = await userReferences(tx);
  const [users] = await queryRows<{ users: string }>(
    tx,
    sql`select coalesce(json_agg(u order by u.id)::text, '[]') as users from (
          select id, email, name, password_hash, created_at, updated_at from users
          where id in (${sql.join(
            references.map(
              (ref) =>
                sql`select ${sql.identifier(ref.column)} from ${sql.identifier(ref.table)} where tenant_id = ${tenantId}`,
            ),
            sql` union `,
          )})
        ) u`,
  );
  return { payload: { schemaVersion, tenant, users: users!.users, tables }, rows };
}
