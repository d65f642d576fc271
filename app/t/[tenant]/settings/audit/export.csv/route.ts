// GET /settings/audit/export.csv — the audit log for the URL's filters, as CSV (audit:read)
import { exportAuditLog } from '../_lib/export';

export const dynamic = 'force-dynamic';

export function GET(request: Request): Promise<Response> {
  return exportAuditLog(request, 'csv');
}
