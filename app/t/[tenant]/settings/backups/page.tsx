import { formatKeyDate } from '@/components/encryption/key-versions-table';
import { ConfirmAction } from '@/components/forms/confirm-action';
import { AutoRefresh } from '@/components/ui/auto-refresh';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Table, TableHead, Td, Th, Tr } from '@/components/ui/table';
import { requireMember } from '@/lib/actions';
import { listBackups, type BackupDTO, type RestoreDTO } from '@/lib/backups';
import { formatQuantity } from '@/lib/metering';
import { backupsKeptFor } from '@/lib/plans';
import { withTenant } from '@/lib/tenancy';
import { Forbidden } from '../../_components/forbidden';
import { requestBackupAction, requestRestoreAction } from './actions';
import { BackUpNowForm } from './_components/back-up-now-form';

export const metadata = { title: 'Backups' };

const backupStatus: Record<BackupDTO['status'], { label: string; tone: BadgeTone }> = {
  pending: { label: 'Waiting', tone: 'info' },
  running: { label: 'In progress', tone: 'info' },
  ready: { label: 'Ready', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
};

const restoreStatus: Record<RestoreDTO['status'], { label: string; tone: BadgeTone }> = {
  pending: { label: 'Waiting', tone: 'info' },
  running: { label: 'Restoring', tone: 'info' },
  done: { label: 'Restored', tone: 'success' },
  failed: { label: 'Failed, nothing changed', tone: 'danger' },
};

function Progress({ backup }: { backup: BackupDTO }) {
  if (backup.status === 'failed') return <span className="text-red-800">{backup.error}</span>;
  if (backup.status !== 'running') return null;
  const label = `Backup of ${formatKeyDate(backup.createdAt)}: ${backup.tablesDone} of ${backup.tablesTotal || '…'} tables`;
  return (
    <progress
      aria-label={label}
      className="h-2 w-32 accent-[var(--brand)]"
      value={backup.tablesDone}
      max={Math.max(backup.tablesTotal, 1)}
    />
  );
}

export default async function BackupsSettingsPage() {
  const { tenant, allowed } = await requireMember('security:manage');
  if (!allowed) return <Forbidden />;
  const { backups, restores } = await withTenant(tenant.id, (tx) => listBackups(tx, tenant.id));
  const busy =
    backups.some((backup) => backup.status === 'pending' || backup.status === 'running') ||
    restores.some((restore) => restore.status === 'pending' || restore.status === 'running');
  const restoring = restores.some((r) => r.status === 'pending' || r.status === 'running');

  return (
    <section aria-labelledby="backups-heading" className="space-y-8">
      {busy ? <AutoRefresh /> : null}
      <div>
        <h1 id="backups-heading" className="text-2xl font-semibold">
          Backups
        </h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          A backup holds all of {tenant.name}’s data as it was at one moment, encrypted under this
          workspace’s key, with a checksum. One is made every day; the {backupsKeptFor(tenant)}{' '}
          newest daily backups (and as many made by hand) are kept. If this workspace’s keys are
          destroyed, every backup becomes unreadable too.
        </p>
      </div>

      <BackUpNowForm action={requestBackupAction} disabled={busy} />

      {backups.length === 0 ? (
        <p className="text-sm text-slate-600">
          No backups yet. The first daily backup is made within a day, or back up now.
        </p>
      ) : (
        <Table caption="Backups, newest first">
          <TableHead>
            <tr>
              <Th>Made</Th>
              <Th>Kind</Th>
              <Th>Status</Th>
              <Th>Records</Th>
              <Th>Size</Th>
              <Th>SHA-256</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </TableHead>
          <tbody>
            {backups.map((backup) => (
              <Tr key={backup.id}>
                <Td>{formatKeyDate(backup.createdAt)}</Td>
                <Td>{backup.kind === 'scheduled' ? 'Daily' : 'By hand'}</Td>
                <Td>
                  <div className="space-y-1">
                    <Badge tone={backupStatus[backup.status].tone}>
                      {backupStatus[backup.status].label}
                    </Badge>
                    <Progress backup={backup} />
                  </div>
                </Td>
                <Td>{backup.rowCount?.toLocaleString('en') ?? '—'}</Td>
                <Td>
                  {backup.sizeBytes === null ? '—' : formatQuantity('bytes', backup.sizeBytes)}
                </Td>
                <Td>
                  {backup.sha256 ? (
                    <code title={backup.sha256} className="text-xs">
                      {backup.sha256.slice(0, 12)}…
                    </code>
                  ) : (
                    '—'
                  )}
                </Td>
                <Td>
                  {backup.status === 'ready' ? (
                    <div className="flex flex-wrap gap-2">
                      <a
                        className="text-brand underline"
                        href={`/settings/backups/${backup.id}/download`}
                        download
                      >
                        Download
                        <span className="sr-only">
                          {' '}
                          backup of {formatKeyDate(backup.createdAt)}
                        </span>
                      </a>
                      {restoring ? null : (
                        <ConfirmAction
                          action={requestRestoreAction}
                          fields={{ backupId: backup.id }}
                          label="Restore"
                          title={`Restore the backup of ${formatKeyDate(backup.createdAt)}?`}
                          body="Documents, members, roles, invitations, API keys, two-factor and single sign-on settings go back to how they were in this backup; anything since is lost. Audit and access logs, usage and invoices keep their later entries. Everyone is signed out. It runs in one step: if anything fails, nothing changes."
                          confirmLabel="Restore this backup"
                          pendingLabel="Asking…"
                          variant="danger"
                        />
                      )}
                    </div>
                  ) : null}
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}

      {restores.length > 0 ? (
        <div className="space-y-3">
          <h2 className="text-lg font-semibold">Restores</h2>
          <Table caption="Restores, newest first">
            <TableHead>
              <tr>
                <Th>Asked</Th>
                <Th>Status</Th>
                <Th>Records restored</Th>
                <Th>Finished</Th>
              </tr>
            </TableHead>
            <tbody>
              {restores.map((restore) => (
                <Tr key={restore.id}>
                  <Td>{formatKeyDate(restore.createdAt)}</Td>
                  <Td>
                    <Badge tone={restoreStatus[restore.status].tone}>
                      {restoreStatus[restore.status].label}
                    </Badge>
                    {restore.error ? (
                      <p className="mt-1 text-sm text-red-800">{restore.error}</p>
                    ) : null}
                  </Td>
                  <Td>{restore.rowsRestored?.toLocaleString('en') ?? '—'}</Td>
                  <Td>{restore.finishedAt ? formatKeyDate(restore.finishedAt) : '—'}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        </div>
      ) : null}
    </section>
  );
}
