import 'server-only';

export { passphraseKey, passphraseSeal } from './archive';
export {
  buildBackupFile,
  openBackupFile,
  requestBackup,
  requestRestore,
  runBackupJobs,
  runBackupJobsFor,
  type BackupJobReport,
} from './jobs';
export { restorePayload, type RestoreTarget } from './restore';
export {
  cloneBackup,
  exportTenant,
  importTenant,
  IMPORTED_TENANT_PLAN,
  type ExportResult,
  type ImportResult,
} from './transfer';
export {
  backupFilename,
  downloadBackup,
  listBackups,
  type BackupDTO,
  type RestoreDTO,
} from './listing';
