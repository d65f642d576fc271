// GET /settings/audit/export.csv — the audit, access or security log (?log=) for the URL's filters, as CSV (audit:read)
import { exportLogDownload } from '../_lib/export';

export const dynamic = 'force-dynamic';

export const GET = exportLogDownload('csv');
