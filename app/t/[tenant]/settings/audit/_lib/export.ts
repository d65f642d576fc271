import 'server-only';
import { errorResponse } from '@/lib/api';
import { getCurrentTenant, getCurrentViewer, getRequestContext } from '@/lib/actions';
import { exportLog, isLogKind, parseActivitySearch, reportSecurityEvent } from '@/lib/activity';
import { parseAuditSearch, type AuditExportFormat } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { withMeteredFeature } from '@/lib/metering';
import { hasPermission } from '@/lib/rbac';
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
 * GET /settings/audit/export.{csv,json}?log=audit|access|security on a tenant host: one of the
 * tenant's three logs (the audit log when `log` is absent) for the URL's filters, as a download.
 * Cookie-authenticated like the pages, so it checks what a page and an action would: the host's
 * tenant (not suspended) → not a cross-site request → a live session → `audit:read` (a refusal
 * is recorded in the security log) → valid log and filters; then reads and records the export
 * (`log.exported` in the access log; an audit-log export also `audit.exported` in the trail) in
 * one tenant transaction.
 */
export async function exportLogDownload(
  request: Request,
  format: AuditExportFormat,
): Promise<Response> {
  const context = await getRequestContext();
  const meta = { requestId: context.requestId, ip: context.ip, userAgent: context.userAgent };
  let tenantId: string | undefined;
  try {
    const tenant = await getCurrentTenant();
    if (!tenant) throw new AppError('not_found', 'Not found.');
    tenantId = tenant.id;
    if (tenant.status === 'suspended')
      throw new AppError('tenant_suspended', 'This workspace is suspended.');
    // A GET that writes (the export's log rows) and serves data: only this origin's own pages (or
    // the address bar) may start it; another site — or another tenant's subdomain — may not.
    const site = request.headers.get('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none')
      throw new AppError('forbidden', 'Start the download from the audit log page.');
    const viewer = await getCurrentViewer();
    if (!viewer) throw new AppError('unauthenticated', 'Sign in to download the audit log.');
    const actor = { type: 'user', id: viewer.userId } as const;
    if (!hasPermission(viewer, 'audit:read')) {
      await reportSecurityEvent({
        tenantId: tenant.id,
        actor,
        action: 'permission.denied',
        channel: 'export',
        metadata: { permission: 'audit:read', operation: 'log.export' },
        request: meta,
      });
      throw new AppError('forbidden', 'You do not have access to the audit log.');
    }

    const url = new URL(request.url);
    const log = url.searchParams.get('log') ?? 'audit';
    if (!isLogKind(log))
      throw new AppError('invalid_input', 'Choose a log to download.', {
        fieldErrors: { log: ['Choose audit, access or security.'] },
      });
    const { input, fieldErrors } =
      log === 'audit' ? parseAuditSearch(queryOf(url)) : parseActivitySearch(queryOf(url));
    if (Object.keys(fieldErrors).length > 0)
      throw new AppError('invalid_input', 'Some filters are not valid.', { fieldErrors });
    const { cursor: _cursor, limit: _limit, ...filters } = input;

    const result = await withTenant(tenant.id, (tx) =>
      withMeteredFeature(tx, { tenantId: tenant.id, feature: 'log_export' }, () =>
        exportLog(tx, { tenantId: tenant.id, ...filters, log, format, actor, request: meta }),
      ),
    );
    const day = new Date().toISOString().slice(0, 10);
    return new Response(result.body, {
      headers: {
        'content-type': contentTypes[format],
        'content-disposition': `attachment; filename="${log}-log-${tenant.slug}-${day}.${format}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-export-rows': String(result.rows),
        'x-export-truncated': String(result.truncated),
      },
    });
  } catch (error) {
    const response = errorResponse(error, { requestId: context.requestId, tenantId });
    // errorResponse speaks for the bearer APIs; this route's credential is the session cookie.
    response.headers.delete('www-authenticate');
    return response;
  }
}
