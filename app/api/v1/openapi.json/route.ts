// GET /api/v1/openapi.json — the tenant API's OpenAPI 3.1 document, for this workspace's host (no key needed)
import { errorResponse, openApiDocumentForTenant } from '@/lib/api';
import { AppError } from '@/lib/errors';
import { INTERNAL_HEADERS } from '@/lib/host';
import { resolveTenantBySlug } from '@/lib/tenancy';

export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  // Like every /api/v1 route: only a known workspace's host answers (middleware sets the header).
  const slug = request.headers.get(INTERNAL_HEADERS.tenantSlug);
  const tenant = slug ? await resolveTenantBySlug(slug) : null;
  if (!tenant) return errorResponse(new AppError('not_found', 'Not found.'));
  return Response.json(openApiDocumentForTenant(tenant.slug), {
    headers: { 'cache-control': 'public, max-age=300' },
  });
}
