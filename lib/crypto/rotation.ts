import 'server-only';
import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { queryRows, withPlatform, type Transaction } from '@/db/scope';
import { AppError } from '@/lib/errors';
import { isUniqueViolation } from '@/db/errors';
import { newWrappedKey, readingKeyring, writingKeyring } from './keyring';
import { sealedTableNames, sealedTables, type SealedTable } from './sealed-columns';

export type RotationReason = 'manual' | 'scheduled' | 'initial';

/** A table the re-encryption has finished, in its cursor. */
const TABLE_DONE = '*';
export const ROTATION_BATCH_SIZE = 200;

const alreadyRunning = () =>
  new AppError('conflict', 'A key rotation is already running. Wait for it to finish.');

/** Rows in the tenant's sealed tables: what a rotation has to visit. */
async function sealedRowCount(tx: Transaction, tenantId: string): Promise<number> {
  const counts = sealedTableNames.map(
    (table) => sql`(select count(*) from ${sql.identifier(table)} where tenant_id = ${tenantId})`,
  );
  const [row] = await queryRows<{ n: string | number }>(
    tx,
    sql`select ${sql.join(counts, sql` + `)} as n`,
  );
  return Number(row?.n ?? 0);
}

/**
 * Rotates the tenant's data key: a new version takes every new write at once, the previous one
 * is `retiring` (it still opens what it sealed), and a rotation row hands the existing rows to
 * the key job. Runs in the caller's transaction (tenant or platform path); one at a time.
 */
export async function startRotation(
  tx: Transaction,
  params: { tenantId: string; reason: Exclude<RotationReason, 'initial'>; requestedBy?: string },
): Promise<{ rotationId: string; version: number }> {
  const { tenantId } = params;
  const keyring = await writingKeyring(tx, tenantId);
  const [running] = await queryRows<{ id: string }>(
    tx,
    sql`select id from key_rotations where tenant_id = ${tenantId} and status = 'running'`,
  );
  if (running) throw alreadyRunning();
  const version = keyring.activeVersion! + 1;
  const { wrappedKey, kekId } = await newWrappedKey(tenantId);
  await tx.execute(
    sql`update tenant_keys set status = 'retiring' where tenant_id = ${tenantId} and status = 'active'`,
  );
  try {
    await tx.execute(
      sql`insert into tenant_keys (tenant_id, version, wrapped_key, kek_id) values (${tenantId}, ${version}, ${wrappedKey}, ${kekId})`,
    );
    const [rotation] = await queryRows<{ id: string }>(
      tx,
      sql`insert into key_rotations (tenant_id, target_version, reason, total_rows, requested_by)
          values (${tenantId}, ${version}, ${params.reason}, ${await sealedRowCount(tx, tenantId)}, ${params.requestedBy ?? null})
          returning id`,
    );
    return { rotationId: rotation!.id, version };
  } catch (error) {
    // Two rotations started at once: the second meets the first's key version or running row.
    if (isUniqueViolation(error)) throw alreadyRunning();
    throw error;
  }
}

type RotationRow = {
  id: string;
  tenant_id: string;
  target_version: number;
  cursor: Record<string, string>;
};

type RowOfTable = Record<string, string> & { row_id: string };

/** Re-seals one batch of one table under the target version; returns the rows visited. */
async function resealBatch(
  tx: Transaction,
  rotation: RotationRow,
  table: SealedTable,
  batchSize: number,
): Promise<{ visited: number; lastId: string | null }> {
  const { id: idColumn, columns } = sealedTables[table];
  const after = rotation.cursor[table] ?? null;
  const keyring = await readingKeyring(tx, rotation.tenant_id);
  const rows = await queryRows<RowOfTable>(
    tx,
    sql`select ${sql.identifier(idColumn)}::text as row_id, ${sql.join(
      columns.map((column) => sql.identifier(column)),
      sql`, `,
    )}
        from ${sql.identifier(table)}
        where tenant_id = ${rotation.tenant_id}
          and (${after}::uuid is null or ${sql.identifier(idColumn)} > ${after}::uuid)
        order by ${sql.identifier(idColumn)}
        limit ${batchSize}
        for update`,
  );
  for (const row of rows) {
    const changes = columns.flatMap((column) => {
      const value = row[column]!;
      const resealed = keyring.reseal(
        value,
        { table, column, rowId: row.row_id },
        rotation.target_version,
      );
      return resealed === value ? [] : [sql`${sql.identifier(column)} = ${resealed}`];
    });
    if (changes.length === 0) continue;
    // Only the sealed columns change: re-encryption is not an edit (updated_at stays).
    await tx.execute(
      sql`update ${sql.identifier(table)} set ${sql.join(changes, sql`, `)}
          where tenant_id = ${rotation.tenant_id} and ${sql.identifier(idColumn)} = ${row.row_id}::uuid`,
    );
  }
  return { visited: rows.length, lastId: rows.length === batchSize ? rows.at(-1)!.row_id : null };
}

/** Rows of the tenant still sealed under another version than `version` (or not sealed). */
async function rowsOffVersion(tx: Transaction, tenantId: string, version: number) {
  const prefix = `v1:${version}:%`;
  const counts = sealedTableNames.map((table) => {
    const off = sealedTables[table].columns.map(
      (column) => sql`${sql.identifier(column)} not like ${prefix}`,
    );
    return sql`(select count(*) from ${sql.identifier(table)} where tenant_id = ${tenantId} and (${sql.join(off, sql` or `)}))`;
  });
  const [row] = await queryRows<{ n: string | number }>(
    tx,
    sql`select ${sql.join(counts, sql` + `)} as n`,
  );
  return Number(row?.n ?? 0);
}

/**
 * Once every table is walked: retires the earlier versions if no row uses them any more. It
 * locks them first, so a write that took one of them before the rotation began has committed
 * (and is counted) or rolled back. A row still off the target sends the walk round again.
 */
async function finishRotation(tx: Transaction, rotation: RotationRow): Promise<boolean> {
  await tx.execute(
    sql`select version from tenant_keys
        where tenant_id = ${rotation.tenant_id} and version < ${rotation.target_version} and status in ('active', 'retiring')
        for update`,
  );
  if ((await rowsOffVersion(tx, rotation.tenant_id, rotation.target_version)) > 0) {
    await tx.execute(sql`update key_rotations set cursor = '{}' where id = ${rotation.id}`);
    return false;
  }
  await tx.execute(
    sql`update tenant_keys set status = 'retired', retired_at = now()
        where tenant_id = ${rotation.tenant_id} and version < ${rotation.target_version} and status in ('active', 'retiring')`,
  );
  await tx.execute(
    sql`update key_rotations set status = 'done', finished_at = now(), total_rows = greatest(total_rows, done_rows)
        where id = ${rotation.id}`,
  );
  return true;
}

/**
 * One step of a rotation in one transaction: a batch of one table, or the finish. The rotation
 * row is locked first, so two job runners take turns, and its cursor commits with the batch: a
 * job killed at any point resumes from the last committed batch. Returns whether it is done.
 */
export type RotationOptions = {
  batchSize?: number;
  database?: Database;
  /** Runs inside each batch's transaction before it commits (tests kill the job here). */
  beforeCommit?: (progress: { table: SealedTable; visited: number }) => Promise<void>;
};

export async function stepRotation(
  rotationId: string,
  options: RotationOptions = {},
): Promise<boolean> {
  return withPlatform(async (tx) => {
    const [rotation] = await queryRows<RotationRow>(
      tx,
      sql`select id, tenant_id, target_version, cursor from key_rotations
          where id = ${rotationId} and status = 'running' for update`,
    );
    if (!rotation) return true;
    // The initial sealing of a tenant that had data before encryption makes its first key here.
    await writingKeyring(tx, rotation.tenant_id);
    const table = sealedTableNames.find((name) => rotation.cursor[name] !== TABLE_DONE);
    if (!table) return finishRotation(tx, rotation);
    const { visited, lastId } = await resealBatch(
      tx,
      rotation,
      table,
      options.batchSize ?? ROTATION_BATCH_SIZE,
    );
    const cursor = { ...rotation.cursor, [table]: lastId ?? TABLE_DONE };
    await tx.execute(
      sql`update key_rotations
          set cursor = ${JSON.stringify(cursor)}::jsonb, done_rows = done_rows + ${visited},
              total_rows = greatest(total_rows, done_rows + ${visited})
          where id = ${rotation.id}`,
    );
    await options.beforeCommit?.({ table, visited });
    return false;
  }, options.database);
}

/** Runs a rotation to its end, or until `deadline` (ms since the epoch) passes. */
export async function runRotation(
  rotationId: string,
  options: RotationOptions & { deadline?: number } = {},
): Promise<boolean> {
  for (;;) {
    if (await stepRotation(rotationId, options)) return true;
    if (options.deadline !== undefined && Date.now() >= options.deadline) return false;
  }
}
