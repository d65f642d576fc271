// POST /api/platform/v1/jobs/backups — run the backup jobs once (for a scheduler; each process also runs them every minute)
import { platformRoute, runBackupJobsOperation } from '@/lib/api';
import { runBackupJobs } from '@/lib/backups';

export const dynamic = 'force-dynamic';

export const POST = platformRoute(runBackupJobsOperation, async () => ({
  body: await runBackupJobs(),
}));
