// POST /api/platform/v1/jobs/metering — run the metering jobs once (for a scheduler; each process also runs them every minute)
import { platformRoute, runMeteringJobsOperation } from '@/lib/api';
import { runMeteringJobs } from '@/lib/metering';

export const dynamic = 'force-dynamic';

export const POST = platformRoute(runMeteringJobsOperation, async () => {
  const report = await runMeteringJobs();
  return {
    body: {
      ...report,
      rollups: report.rollups.ran
        ? { ...report.rollups, watermark: report.rollups.watermark.toISOString() }
        : report.rollups,
    },
  };
});
