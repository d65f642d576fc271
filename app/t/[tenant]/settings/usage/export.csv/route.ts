// GET /settings/usage/export.csv — one metric's usage series (?metric=&granularity=) as CSV (usage:read)
import { fileResponse, queryOf, tenantDownload } from '@/lib/actions';
import { recordAccess } from '@/lib/activity';
import { AppError } from '@/lib/errors';
import {
  loadUsageSeries,
  parseUsageSearch,
  usageCsvFilename,
  usageSeriesCsv,
} from '@/lib/metering';
import { withTenant } from '@/lib/tenancy';

export const dynamic = 'force-dynamic';

/**
 * The usage page's chart as a download: bucket_start (ISO 8601, UTC), value and events for every
 * bucket of the chosen metric and granularity's range (the same 48 hours, 31 days or 12 months
 * the chart shows), read from the rollups and recorded in the access log (`usage.exported`) in
 * one tenant transaction.
 */
export const GET = tenantDownload(
  {
    permission: 'usage:read',
    operation: 'usage.export',
    startFrom: 'the usage page',
    what: 'usage',
  },
  async ({ tenant, actor, request, url }) => {
    const { metric, granularity, fieldErrors } = parseUsageSearch(queryOf(url));
    if (Object.keys(fieldErrors).length > 0)
      throw new AppError('invalid_input', 'Choose a metric and a granularity.', { fieldErrors });
    const now = new Date();
    const points = await withTenant(tenant.id, async (tx) => {
      const series = await loadUsageSeries(tx, { tenantId: tenant.id, metric, granularity, now });
      await recordAccess(tx, {
        tenantId: tenant.id,
        actor,
        action: 'usage.exported',
        channel: 'export',
        target: { type: 'usage', id: metric },
        metadata: { granularity, rows: series.length },
        request,
      });
      return series;
    });
    return fileResponse(usageSeriesCsv(points), {
      contentType: 'text/csv; charset=utf-8',
      filename: usageCsvFilename({ slug: tenant.slug, metric, granularity, now }),
      headers: { 'x-export-rows': String(points.length) },
    });
  },
);
