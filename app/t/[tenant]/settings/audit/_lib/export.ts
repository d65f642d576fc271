import 'server-only';
import { errorResponse } from '@/lib/api';
import { getCurrentTenant, getCurrentViewer, getRequestContext } from '@/lib/actions';
import {
  exportAuditEvents,
  parseAuditSearch,
  toCsv,
  toJson,
  type AuditExportFormat,
} from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { roleHasPermission } from '@/lib/rbac';
import { withTenant } from '@/lib/tenancy';

const contentTypes: Record<AuditExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

function queryOf(url: URL): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key);
  return query;
}

/**
 * GET /settings/audit/export.{csv,json} on a tenant host: the audit log for the URL's filters, as
 * a download. Cookie-authenticated like the pages, so it checks what a page and an action would:
 * the host's tenant (not suspended) → not a cross-site request → a live session → `audit:read`
 * → valid filters; then reads and records `audit.exported` in one tenant transaction.
 */
export async function exportAuditLog(
  request: Request,
  format: AuditExportFormat,
): Promise<Response> {
  const context = await getRequestContext();
  let tenantId: string | undefined;
  try {
    const tenant = await getCurrentTenant();
    if (!tenant) throw new AppError('not_found', 'Not found.');
    tenantId = tenant.id;
    if (tenant.status === 'suspended')
      throw new AppError('tenant_suspended', 'This workspace is suspended.');
    // A GET that writes (the audit row) and serves data: only this origin's own pages (or the
    // address bar) may start it; another site — or another tenant's subdomain — may not.
    const site = request.headers.get('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none')
      throw new AppError('forbidden', 'Start the download from the audit log page.');
    const viewer = await getCurrentViewer();
    if (!viewer) throw new AppError('unauthenticated', 'Sign in to download the audit log.');
    if (!roleHasPermission(viewer.role, 'audit:read'))
      throw new AppError('forbidden', 'You do not have access to the audit log.');

    const { input, fieldErrors } = parseAuditSearch(queryOf(new URL(request.url)));
    if (Object.keys(fieldErrors).length > 0)
      throw new AppError('invalid_input', 'Some filters are not valid.', { fieldErrors });
    const { cursor: _cursor, limit: _limit, ...filters } = input;

    const result = await withTenant(tenant.id, (tx) =>
      exportAuditEvents(tx, {
        tenantId: tenant.id,
        ...filters,
        format,
        actor: { type: 'user', id: viewer.userId },
        request: { requestId: context.requestId, ip: context.ip },
      }),
    );
    const day = new Date().toISOString().slice(0, 10);
    return new Response(format === 'csv' ? toCsv(result.rows) : toJson(result.rows), {
      headers: {
        'content-type': contentTypes[format],
        'content-disposition': `attachment; filename="audit-log-${tenant.slug}-${day}.${format}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-audit-export-rows': String(result.rows.length),
        'x-audit-export-truncated': String(result.truncated),
      },
    });
  } catch (error) {
    const response = errorResponse(error, { requestId: context.requestId, tenantId });
    // errorResponse speaks for the bearer APIs; this route's credential is the session cookie.
    response.headers.delete('www-authenticate');
    return response;
  }
}
