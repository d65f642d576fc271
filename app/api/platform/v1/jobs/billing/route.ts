// POST /api/platform/v1/jobs/billing — run the billing jobs once (for a scheduler; each process also runs them every minute)
import { platformRoute, runBillingJobsOperation } from '@/lib/api';
import { runBillingJobs } from '@/lib/billing';

export const dynamic = 'force-dynamic';

export const POST = platformRoute(runBillingJobsOperation, async () => ({
  body: await runBillingJobs(),
}));
