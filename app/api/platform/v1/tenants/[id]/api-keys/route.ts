// POST /api/platform/v1/tenants/{id}/api-keys — issue an API key that belongs to the tenant (shown once)
import { createApiKey } from '@/lib/api-keys';
import { createTenantApiKeyOperation, platformRoute, tenantIdOrNotFound } from '@/lib/api';
import { AppError } from '@/lib/errors';
import { findTenant, withPlatform, withTenant } from '@/lib/tenancy';

export const dynamic = 'force-dynamic';

export const POST = platformRoute(
  createTenantApiKeyOperation,
  async ({ params, body, actor, request }) => {
    const id = tenantIdOrNotFound(params.id);
    const tenant = await withPlatform((tx) => findTenant(tx, id));
    if (tenant.status === 'archived')
      throw new AppError('conflict', 'The tenant is archived: restore it before issuing keys.');
    // The key is the tenant's: it is written in the tenant's own transaction, like one its admins create.
    const created = await withTenant(id, (tx) =>
      createApiKey(tx, { tenantId: id, ...body, actor, request }),
    );
    return {
      body: {
        ...created,
        name: body.name,
        scopes: body.scopes,
        expiresAt: body.expiresAt?.toISOString() ?? null,
      },
    };
  },
);
