// GET /settings/backups/{id}/download — a ready backup's file (security:manage)
import { tenantDownload } from '@/lib/actions';
import { downloadBackup } from '@/lib/backups';

export const dynamic = 'force-dynamic';

/**
 * The backups page's download: the sealed backup file, recorded in the access log
 * (`backup.downloaded`). Another tenant's, an unfinished or an unknown id is a 404.
 */
export const GET = tenantDownload(
  {
    permission: 'security:manage',
    operation: 'backup.download',
    startFrom: 'the backups page',
    what: 'backups',
  },
  async ({ tenant, actor, request, url }) => {
    // The id is the path segment before /download (route handlers of a wrapper get no params).
    const id = decodeURIComponent(url.pathname.split('/').at(-2) ?? '');
    const { filename, file, sha256 } = await downloadBackup({
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      id,
      actor,
      request,
    });
    return new Response(new Uint8Array(file), {
      headers: {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${filename}"`,
        'content-length': String(file.length),
        'x-content-sha256': sha256,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    });
  },
);
