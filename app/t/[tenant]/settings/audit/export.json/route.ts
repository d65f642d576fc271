// GET /settings/audit/export.json — the audit log for the URL's filters, as a JSON array (audit:read)
import { exportAuditLog } from '../_lib/export';

export const dynamic = 'force-dynamic';

export function GET(request: Request): Promise<Response> {
  return exportAuditLog(request, 'json');
}
