// GET /settings/audit/export.json — the audit, access or security log (?log=) for the URL's filters, as a JSON array (audit:read)
import { exportLogDownload } from '../_lib/export';

export const dynamic = 'force-dynamic';

export const GET = exportLogDownload('json');
