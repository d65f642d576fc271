import 'server-only';
import { fileResponse, queryOf, tenantDownload } from '@/lib/actions';
import { exportLog, isLogKind, parseActivitySearch } from '@/lib/activity';
import { parseAuditSearch, type AuditExportFormat } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { withMeteredFeature } from '@/lib/metering';
import { withTenant } from '@/lib/tenancy';

const contentTypes: Record<AuditExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/**
 * GET /settings/audit/export.{csv,json}?log=audit|access|security on a tenant host: one of the
 * tenant's three logs (the audit log when `log` is absent) for the URL's filters, as a download.
 * tenantDownload checks the host's tenant, the request's origin, the session and `audit:read`;
 * then the log and filters are validated, and the read and its records (`log.exported` in the
 * access log; an audit-log export also `audit.exported` in the trail) happen in one tenant
 * transaction, as a use of the metered feature `log_export`.
 */
export function exportLogDownload(format: AuditExportFormat) {
  return tenantDownload(
    {
      permission: 'audit:read',
      operation: 'log.export',
      startFrom: 'the audit log page',
      what: 'the audit log',
    },
    async ({ tenant, actor, request, url }) => {
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
          exportLog(tx, { tenantId: tenant.id, ...filters, log, format, actor, request }),
        ),
      );
      const day = new Date().toISOString().slice(0, 10);
      return fileResponse(result.body, {
        contentType: contentTypes[format],
        filename: `${log}-log-${tenant.slug}-${day}.${format}`,
        headers: {
          'x-export-rows': String(result.rows),
          'x-export-truncated': String(result.truncated),
        },
      });
    },
  );
}
