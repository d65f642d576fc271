import 'server-only';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, type Transaction } from '@/db/scope';
import { writingKeyring } from '@/lib/crypto';
import { AppError } from '@/lib/errors';
import { mapSealedColumns, type BackupPayload } from './payload';
import { backedUpTables, type BackedUpTable } from './tables';

/**
 * A step that brings a payload from an older schema version up to `to` (renamed columns, moved
 * data). Columns a later migration added need no step: a restore fills them with their
 * defaults, and columns a later migration dropped are left out.
 */
export type PayloadUpgrade = { to: number; upgrade: (payload: BackupPayload) => BackupPayload };

/** Upgrades for payloads of older schema versions, in order (none needed yet: format 1 is 16). */
export const payloadUpgrades: readonly PayloadUpgrade[] = [];

export type RestoreTarget =
  /** The backup's own tenant: its current data is replaced (merge tables are only added to). */
  | { mode: 'replace'; tenantId: string }
  /** A new tenant, already created (registry row) by the caller: gets new ids throughout. */
  | { mode: 'clone'; tenantId: string };

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function remap(json: string, ids: ReadonlyMap<string, string>): string {
  return ids.size === 0 ? json : json.replace(UUID, (id) => ids.get(id) ?? id);
}

/** Brings an older payload up to this code's schema version; refuses a newer one. */
export function upgradePayload(
  payload: BackupPayload,
  schemaVersion: number,
  upgrades: readonly PayloadUpgrade[] = payloadUpgrades,
): BackupPayload {
  if (payload.schemaVersion > schemaVersion) {
    throw new AppError(
      'invalid_input',
      `This backup was made by a newer Tenantry (schema ${payload.schemaVersion}; this one is at ${schemaVersion}). Upgrade first. Nothing was changed.`,
    );
  }
  return upgrades
    .filter((step) => step.to > payload.schemaVersion && step.to <= schemaVersion)
    .reduce((current, step) => ({ ...step.upgrade(current), schemaVersion: step.to }), payload);
}

/**
 * The backup's accounts on this instance: the same e-mail is the same person (their existing id);
 * anyone missing is created with the backup's password hash and never a platform role.
 */
async function mapUsers(tx: Transaction, usersJson: string): Promise<Map<string, string>> {
  const mapped = await queryRows<{ backup_id: string; id: string }>(
    tx,
    sql`with wanted as (
          select * from jsonb_to_recordset(${usersJson}::jsonb)
            as u(id uuid, email text, name text, password_hash text, created_at timestamptz, updated_at timestamptz)
        ),
        created as (
          insert into users (id, email, name, password_hash, created_at, updated_at)
          select case when exists (select 1 from users x where x.id = w.id) then gen_random_uuid() else w.id end,
                 w.email, w.name, w.password_hash, w.created_at, w.updated_at
          from wanted w where not exists (select 1 from users x where x.email = w.email)
          returning id, email
        )
        select w.id::text as backup_id, coalesce(x.id, c.id)::text as id
        from wanted w
        left join users x on x.email = w.email
        left join created c on c.email = w.email`,
  );
  return new Map(
    mapped.filter((row) => row.backup_id !== row.id).map((row) => [row.backup_id, row.id]),
  );
}

async function columnsOf(tx: Transaction, table: string): Promise<Set<string>> {
  const rows = await queryRows<{ column_name: string }>(
    tx,
    sql`select column_name from information_schema.columns where table_schema = 'public' and table_name = ${table}`,
  );
  return new Set(rows.map((row) => row.column_name));
}

async function insertRows(
  tx: Transaction,
  table: BackedUpTable,
  rowsJson: string,
  onConflict: 'fail' | 'skip',
): Promise<number> {
  const rows = JSON.parse(rowsJson) as Array<Record<string, unknown>>;
  if (rows.length === 0) return 0;
  const current = await columnsOf(tx, table);
  // The backup's columns this schema still has; any it added since take their defaults.
  const columns = Object.keys(rows[0]!).filter((column) => current.has(column));
  const list = sql.join(
    columns.map((column) => sql.identifier(column)),
    sql`, `,
  );
  const picked = sql.join(
    columns.map((column) => sql`r.${sql.identifier(column)}`),
    sql`, `,
  );
  const inserted = await queryRows<{ n: number }>(
    tx,
    sql`with added as (
          insert into ${sql.identifier(table)} (${list})
          select ${picked}
          from jsonb_array_elements(${rowsJson}::jsonb) with ordinality as e(value, n)
          cross join lateral jsonb_populate_record(null::${sql.identifier(table)}, e.value) as r
          order by e.n
          ${onConflict === 'skip' ? sql`on conflict do nothing` : sql``}
          returning 1
        )
        select count(*)::int as n from added`,
  );
  return inserted[0]?.n ?? 0;
}

/**
 * Restores a payload in the caller's transaction (the platform path): all of it or, on any
 * error, nothing. Replace deletes the tenant's current rows of the `replace` tables and adds the
 * backup's rows everywhere (`merge` tables keep what they have); clone fills a new tenant with
 * new ids. Sealed columns are sealed under the target's keys. Returns the rows written.
 */
export async function restorePayload(
  tx: Transaction,
  payload: BackupPayload,
  target: RestoreTarget,
): Promise<number> {
  const ids = await mapUsers(tx, payload.users);
  if (target.mode === 'clone') {
    ids.set(payload.tenant.id, target.tenantId);
    for (const rowsJson of Object.values(payload.tables)) {
      for (const row of JSON.parse(rowsJson ?? '[]') as Array<{ id?: unknown }>) {
        if (typeof row.id === 'string') ids.set(row.id, randomUUID());
      }
    }
  } else if (payload.tenant.id !== target.tenantId) {
    throw new AppError(
      'invalid_input',
      'This backup belongs to another workspace. Nothing was changed.',
    );
  }

  const tables = backedUpTables.filter((entry) => target.mode === 'replace' || entry.clone);
  if (target.mode === 'replace') {
    for (const { table } of [...tables].reverse()) {
      if (backedUpTables.find((entry) => entry.table === table)!.restore === 'replace')
        await tx.execute(
          sql`delete from ${sql.identifier(table)} where tenant_id = ${target.tenantId}`,
        );
    }
  }
  const keyring = await writingKeyring(tx, target.tenantId);
  let written = 0;
  for (const { table, restore } of tables) {
    const rowsJson = remap(payload.tables[table] ?? '[]', ids);
    const sealed = mapSealedColumns(table, rowsJson, (value, at) => keyring.seal(value, at));
    written += await insertRows(tx, table, sealed, restore === 'merge' ? 'skip' : 'fail');
  }
  const { name, settings, metadata } = payload.tenant;
  await tx.execute(
    sql`update tenants set name = ${name}, settings = ${JSON.stringify(settings)}::jsonb,
          metadata = ${JSON.stringify(metadata)}::jsonb, updated_at = now()
        where id = ${target.tenantId}`,
  );
  return written;
}
