// GET /api/v1/usage — one metric's usage per hour, day or month, read from the rollups
import {
  getUsageOperation,
  resolveUsageWindow,
  tenantRoute,
  toUsageSeriesWire,
  usageMetric,
} from '@/lib/api';
import { recordAccess } from '@/lib/activity';
import { usageSeries } from '@/lib/metering';

export const dynamic = 'force-dynamic';

export const GET = tenantRoute(getUsageOperation, async ({ tx, tenant, query, actor, request }) => {
  const metric = usageMetric(query.metric);
  // The query schema already filled in and checked both bounds; `now` is not used again here.
  const { from, to } = resolveUsageWindow(query, new Date());
  const points = await usageSeries(tx, {
    tenantId: tenant.id,
    metric: metric.key,
    granularity: query.granularity,
    from,
    to,
  });
  await recordAccess(tx, {
    tenantId: tenant.id,
    actor,
    action: 'usage.viewed',
    channel: 'api',
    target: { type: 'usage', id: metric.key },
    metadata: { granularity: query.granularity, from: from.toISOString(), to: to.toISOString() },
    request,
  });
  return {
    body: toUsageSeriesWire({ metric, granularity: query.granularity, from, to, points }),
  };
});
