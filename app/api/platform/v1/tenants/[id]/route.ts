// GET /api/platform/v1/tenants/{id} — one tenant with counts; PATCH — change name, status, plan, metadata, overrides
import {
  getTenantOperation,
  platformRoute,
  tenantIdOrNotFound,
  toTenantDetailWire,
  toTenantWire,
  updateTenantOperation,
} from '@/lib/api';
import { getTenant, updateTenant, withPlatform } from '@/lib/tenancy';

export const dynamic = 'force-dynamic';

export const GET = platformRoute(getTenantOperation, async ({ params }) => {
  const id = tenantIdOrNotFound(params.id);
  const tenant = await withPlatform((tx) => getTenant(tx, id));
  return { body: { tenant: toTenantDetailWire(tenant) } };
});

export const PATCH = platformRoute(
  updateTenantOperation,
  async ({ params, body, actor, request }) => {
    const id = tenantIdOrNotFound(params.id);
    const tenant = await withPlatform((tx) =>
      updateTenant(tx, { id, changes: body, actor, request }),
    );
    return { body: { tenant: toTenantWire(tenant) } };
  },
);
