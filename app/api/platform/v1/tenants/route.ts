// POST /api/platform/v1/tenants — provision a tenant; GET — list tenants (search, filters, keyset pages)
import {
  createTenantOperation,
  listTenantsOperation,
  platformRoute,
  toTenantWire,
} from '@/lib/api';
import { listTenants, provisionTenant, withPlatform } from '@/lib/tenancy';

export const dynamic = 'force-dynamic';

export const POST = platformRoute(createTenantOperation, async ({ body, actor, request }) => {
  const { tenant, apiKey } = await provisionTenant(body, { actor, via: 'platform_api', request });
  return { body: { tenant: toTenantWire(tenant), ...(apiKey ? { apiKey } : {}) } };
});

export const GET = platformRoute(listTenantsOperation, async ({ query }) => {
  const page = await withPlatform((tx) => listTenants(tx, query));
  return { body: { data: page.data.map(toTenantWire), nextCursor: page.nextCursor } };
});
