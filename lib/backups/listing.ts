import 'server-only';
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { tenantBackups, tenantRestores, type BackupStatus, type RestoreStatus } from '@/db/schema';
import { withTenant, type Transaction } from '@/db/scope';
import { recordAccess, type ActivityRequest } from '@/lib/activity';
import type { Actor } from '@/lib/audit';
import { AppError } from '@/lib/errors';

export type BackupDTO = {
  id: string;
  kind: 'manual' | 'scheduled';
  status: BackupStatus;
  tablesDone: number;
  tablesTotal: number;
  rowCount: number | null;
  sizeBytes: number | null;
  sha256: string | null;
  schemaVersion: number | null;
  keyVersion: number | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
};

export type RestoreDTO = {
  id: string;
  backupId: string;
  status: RestoreStatus;
  rowsRestored: number | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
};

const LISTED = 50;

/** The tenant's backups and restores, newest first (settings → Backups and the console). */
export async function listBackups(
  tx: Transaction,
  tenantId: string,
): Promise<{ backups: BackupDTO[]; restores: RestoreDTO[] }> {
  const backups = await tx
    .select({
      id: tenantBackups.id,
      kind: tenantBackups.kind,
      status: tenantBackups.status,
      tablesDone: tenantBackups.tablesDone,
      tablesTotal: tenantBackups.tablesTotal,
      rowCount: tenantBackups.rowCount,
      sizeBytes: tenantBackups.sizeBytes,
      sha256: tenantBackups.sha256,
      schemaVersion: tenantBackups.schemaVersion,
      keyVersion: tenantBackups.keyVersion,
      error: tenantBackups.error,
      createdAt: tenantBackups.createdAt,
      finishedAt: tenantBackups.finishedAt,
    })
    .from(tenantBackups)
    .where(eq(tenantBackups.tenantId, tenantId))
    .orderBy(desc(tenantBackups.createdAt))
    .limit(LISTED);
  const restores = await tx
    .select({
      id: tenantRestores.id,
      backupId: tenantRestores.backupId,
      status: tenantRestores.status,
      rowsRestored: tenantRestores.rowsRestored,
      error: tenantRestores.error,
      createdAt: tenantRestores.createdAt,
      finishedAt: tenantRestores.finishedAt,
    })
    .from(tenantRestores)
    .where(eq(tenantRestores.tenantId, tenantId))
    .orderBy(desc(tenantRestores.createdAt))
    .limit(10);
  return { backups, restores };
}

/** `acme-2026-11-30T1015Z.tenantry-backup` */
export function backupFilename(slug: string, createdAt: Date): string {
  const stamp = createdAt.toISOString().slice(0, 16).replace(':', '');
  return `${slug}-${stamp}Z.tenantry-backup`;
}

/**
 * A ready backup's file, for a download: recorded in the access log (`backup.downloaded`). The
 * file stays sealed under the workspace's key; it restores on this instance (or through
 * `npm run tenant:import` here) for as long as the workspace's keys exist.
 */
export async function downloadBackup(params: {
  tenantId: string;
  tenantSlug: string;
  id: string;
  actor: Actor;
  request?: ActivityRequest;
}): Promise<{ filename: string; file: Buffer; sha256: string }> {
  if (!z.uuid().safeParse(params.id).success)
    throw new AppError('not_found', 'This backup does not exist.');
  return withTenant(params.tenantId, async (tx) => {
    const [backup] = await tx
      .select({
        archive: tenantBackups.archive,
        sha256: tenantBackups.sha256,
        createdAt: tenantBackups.createdAt,
      })
      .from(tenantBackups)
      .where(
        and(
          eq(tenantBackups.tenantId, params.tenantId),
          eq(tenantBackups.id, params.id),
          eq(tenantBackups.status, 'ready'),
        ),
      );
    if (!backup?.archive) throw new AppError('not_found', 'This backup does not exist.');
    await recordAccess(tx, {
      tenantId: params.tenantId,
      actor: params.actor,
      action: 'backup.downloaded',
      channel: 'export',
      target: { type: 'backup', id: params.id },
      metadata: { bytes: backup.archive.length, sha256: backup.sha256 },
      request: params.request,
    });
    return {
      filename: backupFilename(params.tenantSlug, backup.createdAt),
      file: backup.archive,
      sha256: backup.sha256!,
    };
  });
}
