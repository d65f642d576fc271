import 'server-only';
import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { codeSchemaVersion } from '@/db/migrate';
import { queryRows, withPlatform, type Transaction } from '@/db/scope';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { readingKeyring, writingKeyring } from '@/lib/crypto';
import { AppError } from '@/lib/errors';
import { log } from '@/lib/log';
import { startSchedule } from '@/lib/schedule';
import { backupsKeptFor } from '@/lib/plans';
import { openArchive, readArchive, sha256Hex, writeArchive, type BackupSeal } from './archive';
import { readTenantPayload, type BackupPayload } from './payload';
import { restorePayload, upgradePayload } from './restore';

type Audited = { tenantId: string; actor: Actor; request?: RequestMeta };

const DAY_MS = 86_400_000;

/** Asks for a backup now (a tenant admin or an operator); the backup job makes it. */
export async function requestBackup(tx: Transaction, params: Audited): Promise<{ id: string }> {
  const [open] = await queryRows<{ id: string }>(
    tx,
    sql`select id from tenant_backups where tenant_id = ${params.tenantId} and status in ('pending', 'running')`,
  );
  if (open)
    throw new AppError('conflict', 'A backup is already being made. Wait for it to finish.');
  // Raw SQL: the app role may insert these columns only (the job writes the rest).
  const [row] = await queryRows<{ id: string }>(
    tx,
    sql`insert into tenant_backups (tenant_id, kind, requested_by)
        values (${params.tenantId}, 'manual', ${params.actor.id}) returning id`,
  );
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'backup.requested',
    target: { type: 'backup', id: row!.id },
    request: params.request,
  });
  return row!;
}

/** Asks for a restore of one of the tenant's ready backups over its current data. */
export async function requestRestore(
  tx: Transaction,
  params: Audited & { backupId: string },
): Promise<{ id: string }> {
  const [backup] = await queryRows<{ status: string }>(
    tx,
    sql`select status from tenant_backups where tenant_id = ${params.tenantId} and id = ${params.backupId}`,
  );
  if (!backup) throw new AppError('not_found', 'Backup not found.');
  if (backup.status !== 'ready')
    throw new AppError('conflict', 'Only a finished backup can be restored.');
  const [open] = await queryRows<{ id: string }>(
    tx,
    sql`select id from tenant_restores where tenant_id = ${params.tenantId} and status in ('pending', 'running')`,
  );
  if (open) throw new AppError('conflict', 'A restore is already under way.');
  const [row] = await queryRows<{ id: string }>(
    tx,
    sql`insert into tenant_restores (tenant_id, backup_id, requested_by)
        values (${params.tenantId}, ${params.backupId}, ${params.actor.id}) returning id`,
  );
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'backup.restore_requested',
    target: { type: 'backup', id: params.backupId },
    request: params.request,
  });
  return row!;
}

/**
 * Makes the file of a tenant's backup: every backed-up table read in one REPEATABLE READ
 * snapshot, sealed under the tenant's active data key (or `passphraseSeal`'s key for moving to
 * another instance). `onTable` reports progress.
 */
export async function buildBackupFile(
  tenantId: string,
  options: {
    backupId: string;
    createdAt: Date;
    /** Sealed with a passphrase (`passphraseSeal`) instead of the tenant's key: to move it. */
    seal?: { seal: BackupSeal; key: Buffer };
    onTable?: (done: number, total: number) => void;
    database?: Database;
  },
): Promise<{ file: Buffer; rows: number; schemaVersion: number; keyVersion: number | null }> {
  const schemaVersion = codeSchemaVersion();
  return withPlatform(
    async (tx) => {
      const { payload, rows } = await readTenantPayload(
        tx,
        tenantId,
        schemaVersion,
        options.onTable,
      );
      let seal = options.seal;
      let keyVersion: number | null = null;
      if (!seal) {
        const keyring = await writingKeyring(tx, tenantId);
        keyVersion = keyring.activeVersion!;
        seal = { seal: { kind: 'tenant-key', keyVersion }, key: keyring.key(keyVersion) };
      }
      const file = writeArchive(
        {
          format: 'tenantry-backup',
          backupId: options.backupId,
          tenantId,
          tenantSlug: payload.tenant.slug,
          createdAt: options.createdAt.toISOString(),
          schemaVersion,
          seal: seal.seal,
        },
        Buffer.from(JSON.stringify(payload)),
        seal.key,
      );
      return { file, rows, schemaVersion, keyVersion };
    },
    options.database,
    { isolationLevel: 'repeatable read' },
  );
}

/** Runs one pending backup to the end; false when there was none to claim. */
export async function produceBackup(backupId: string, database?: Database): Promise<boolean> {
  const [claimed] = await withPlatform(
    (tx) =>
      queryRows<{ tenant_id: string; kind: string; created_at: string }>(
        tx,
        sql`update tenant_backups set status = 'running'
            where id = ${backupId} and status = 'pending'
            returning tenant_id, kind, created_at::text`,
      ),
    database,
  );
  if (!claimed) return false;
  try {
    const built = await buildBackupFile(claimed.tenant_id, {
      backupId,
      createdAt: new Date(claimed.created_at),
      database,
      // Progress commits on its own connection while the snapshot is read (on the embedded
      // database, which has one, it lands when the snapshot ends).
      onTable: (done, total) =>
        void withPlatform(
          (tx) =>
            tx.execute(
              sql`update tenant_backups set tables_done = ${done}, tables_total = ${total}
                  where id = ${backupId} and status = 'running'`,
            ),
          database,
        ).catch(() => undefined),
    });
    await withPlatform(async (tx) => {
      await tx.execute(
        sql`update tenant_backups
            set status = 'ready', archive = ${built.file}, sha256 = ${sha256Hex(built.file)},
                size_bytes = ${built.file.length}, schema_version = ${built.schemaVersion},
                key_version = ${built.keyVersion}, row_count = ${built.rows},
                tables_done = tables_total, finished_at = now()
            where id = ${backupId}`,
      );
      await pruneBackups(tx, claimed.tenant_id, claimed.kind);
    }, database);
  } catch (error) {
    log.error({ err: error, backupId }, 'backup.failed');
    await withPlatform(
      (tx) =>
        tx.execute(
          sql`update tenant_backups set status = 'failed', finished_at = now(),
                error = ${error instanceof AppError ? error.message : 'The backup could not be made; the operators have the details.'}
              where id = ${backupId}`,
        ),
      database,
    );
  }
  return true;
}

/** Keeps the newest `backupsKept` ready backups of a kind (the tenant's plan says how many). */
async function pruneBackups(tx: Transaction, tenantId: string, kind: string): Promise<void> {
  const [tenant] = await queryRows<{ plan: string }>(
    tx,
    sql`select plan from tenants where id = ${tenantId}`,
  );
  const kept = backupsKeptFor({ plan: tenant?.plan ?? 'free' });
  await tx.execute(
    sql`delete from tenant_backups where id in (
          select id from tenant_backups
          where tenant_id = ${tenantId} and kind = ${kind} and status = 'ready'
          order by created_at desc offset ${kept})`,
  );
}

/** Reads a backup file for this instance: checks it, and opens it with the key its seal names. */
export async function openBackupFile(
  tx: Transaction,
  file: Uint8Array,
  /** For a passphrase-sealed file: `passphraseKey(passphrase, header.seal)`. */
  passphraseKey?: Buffer,
): Promise<{ payload: BackupPayload; tenantId: string; backupId: string }> {
  const { header, body } = readArchive(file);
  let key: Buffer;
  if (header.seal.kind === 'tenant-key') {
    const keyring = await readingKeyring(tx, header.tenantId);
    try {
      key = keyring.key(header.seal.keyVersion);
    } catch {
      throw new AppError(
        'invalid_input',
        'This backup cannot be restored: the workspace key that sealed it is not on this instance (or was destroyed). Nothing was changed.',
      );
    }
  } else {
    if (!passphraseKey)
      throw new AppError(
        'invalid_input',
        'This backup is sealed with a passphrase: give it to restore.',
      );
    key = passphraseKey;
  }
  const payload = JSON.parse(openArchive(header, body, key).toString('utf8')) as BackupPayload;
  return {
    payload: upgradePayload(payload, codeSchemaVersion()),
    tenantId: header.tenantId,
    backupId: header.backupId,
  };
}

/** Runs one pending restore: the whole restore in one transaction, then its outcome recorded. */
export async function performRestore(restoreId: string, database?: Database): Promise<boolean> {
  const [claimed] = await withPlatform(
    (tx) =>
      queryRows<{ tenant_id: string; backup_id: string; requested_by: string | null }>(
        tx,
        sql`update tenant_restores set status = 'running'
            where id = ${restoreId} and status = 'pending'
            returning tenant_id, backup_id, requested_by`,
      ),
    database,
  );
  if (!claimed) return false;
  try {
    await withPlatform(async (tx) => {
      const [backup] = await queryRows<{ archive: Uint8Array }>(
        tx,
        sql`select archive from tenant_backups where id = ${claimed.backup_id} and tenant_id = ${claimed.tenant_id} and status = 'ready'`,
      );
      if (!backup) throw new AppError('not_found', 'The backup no longer exists.');
      const { payload } = await openBackupFile(tx, backup.archive);
      const rows = await restorePayload(tx, payload, {
        mode: 'replace',
        tenantId: claimed.tenant_id,
      });
      // Done by the backup job; who asked is in the request's own event (backup.restore_requested).
      await recordAudit(tx, {
        tenantId: claimed.tenant_id,
        actor: { type: 'system', id: null },
        action: 'backup.restored',
        target: { type: 'backup', id: claimed.backup_id },
        metadata: { rows, schemaVersion: payload.schemaVersion, requestedBy: claimed.requested_by },
      });
      await tx.execute(
        sql`update tenant_restores set status = 'done', rows_restored = ${rows}, finished_at = now()
            where id = ${restoreId}`,
      );
    }, database);
  } catch (error) {
    log.error({ err: error, restoreId }, 'backup.restore_failed');
    await withPlatform(
      (tx) =>
        tx.execute(
          sql`update tenant_restores set status = 'failed', finished_at = now(),
                error = ${error instanceof AppError ? error.message : 'The restore failed and changed nothing; the operators have the details.'}
              where id = ${restoreId}`,
        ),
      database,
    );
  }
  return true;
}

/** Queues the day's scheduled backup of every live tenant that has none from the last 24 hours. */
export async function queueScheduledBackups(
  now: Date,
  options: { tenantIds?: string[]; limit?: number; database?: Database } = {},
): Promise<number> {
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  const rows = await withPlatform(
    (tx) =>
      queryRows<{ id: string }>(
        tx,
        sql`insert into tenant_backups (tenant_id, kind)
            select t.id, 'scheduled' from tenants t
            where t.status in ('trial', 'active', 'past_due')
              ${
                options.tenantIds
                  ? sql`and t.id in (${sql.join(
                      options.tenantIds.map((id) => sql`${id}::uuid`),
                      sql`, `,
                    )})`
                  : sql``
              }
              and not exists (
                select 1 from tenant_backups b where b.tenant_id = t.id
                  and (b.status in ('pending', 'running')
                       or (b.kind = 'scheduled' and b.created_at > ${since}::timestamptz)))
            order by t.created_at limit ${options.limit ?? 20}
            returning id`,
      ),
    options.database,
  );
  return rows.length;
}

export type BackupJobReport = { queued: number; backups: number; restores: number };

/**
 * The backup job: queues scheduled backups, then makes pending backups and runs pending
 * restores, oldest first, until `budgetMs` is spent. `tenantIds` limits it (tests, one tenant).
 */
export async function runBackupJobs(
  options: {
    now?: Date;
    budgetMs?: number;
    tenantIds?: string[];
    /** false: only the work already asked for (an action's follow-up), no daily backups. */
    schedule?: boolean;
    database?: Database;
  } = {},
): Promise<BackupJobReport> {
  const deadline = Date.now() + (options.budgetMs ?? 30_000);
  const { database, tenantIds } = options;
  const queued =
    options.schedule === false
      ? 0
      : await queueScheduledBackups(options.now ?? new Date(), { tenantIds, database });
  const only = tenantIds
    ? sql`and tenant_id in (${sql.join(
        tenantIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`
    : sql``;
  const pending = await withPlatform(
    async (tx) => ({
      backups: await queryRows<{ id: string }>(
        tx,
        sql`select id from tenant_backups where status = 'pending' ${only} order by created_at limit 50`,
      ),
      restores: await queryRows<{ id: string }>(
        tx,
        sql`select id from tenant_restores where status = 'pending' ${only} order by created_at limit 50`,
      ),
    }),
    database,
  );
  let backups = 0;
  let restores = 0;
  for (const { id } of pending.restores) {
    if (Date.now() >= deadline) break;
    if (await performRestore(id, database)) restores += 1;
  }
  for (const { id } of pending.backups) {
    if (Date.now() >= deadline) break;
    if (await produceBackup(id, database)) backups += 1;
  }
  return { queued, backups, restores };
}

/** What an action runs after answering: the work just asked for one tenant, no daily backups. */
export function runBackupJobsFor(tenantId: string): () => Promise<void> {
  return () => runBackupJobs({ tenantIds: [tenantId], schedule: false }).then(() => undefined);
}

const BACKUP_JOB_INTERVAL_MS = 60_000;
/** Runs the backup job every minute in this process (BACKUP_JOBS=on); returns a stop function. */
export function startBackupSchedule(intervalMs = BACKUP_JOB_INTERVAL_MS): () => void {
  return startSchedule('backup', () => runBackupJobs(), { intervalMs, firstAfterMs: 10_000 });
}
