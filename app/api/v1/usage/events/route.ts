// POST /api/v1/usage/events — report a batch of the product's usage events (metering)
import { ingestUsageEventsOperation, tenantRoute } from '@/lib/api';
import { ingestUsageEvents } from '@/lib/metering';

export const dynamic = 'force-dynamic';

export const POST = tenantRoute(ingestUsageEventsOperation, async ({ tx, tenant, body }) => ({
  body: await ingestUsageEvents(tx, { tenantId: tenant.id, events: body.events, source: 'api' }),
}));
