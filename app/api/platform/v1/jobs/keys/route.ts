// POST /api/platform/v1/jobs/keys — run the encryption key jobs once (for a scheduler; each process also runs them every minute)
import { platformRoute, runKeyJobsOperation } from '@/lib/api';
import { runKeyJobs } from '@/lib/crypto';

export const dynamic = 'force-dynamic';

export const POST = platformRoute(runKeyJobsOperation, async () => ({
  body: await runKeyJobs(),
}));
