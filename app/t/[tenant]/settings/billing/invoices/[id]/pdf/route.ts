// GET /settings/billing/invoices/{id}/pdf — one invoice as a PDF download (billing:manage)
import { tenantDownload } from '@/lib/actions';
import { downloadInvoicePdf } from '@/lib/billing';

export const dynamic = 'force-dynamic';

/**
 * The invoice pages' download: the invoice rendered to PDF, named after its number, and recorded
 * in the access log (`invoice.downloaded`). Another tenant's or an unknown id is a 404.
 */
export const GET = tenantDownload(
  {
    permission: 'billing:manage',
    operation: 'invoice.download',
    startFrom: 'the invoices page',
    what: 'invoices',
  },
  async ({ tenant, actor, request, url }) => {
    // The id is the path segment before /pdf (route handlers of a wrapper get no params).
    const id = decodeURIComponent(url.pathname.split('/').at(-2) ?? '');
    const { filename, pdf } = await downloadInvoicePdf({
      tenantId: tenant.id,
      id,
      actor,
      request,
      workspaceName: tenant.name,
    });
    return new Response(new Uint8Array(pdf), {
      headers: {
        'content-type': 'application/pdf',
        'content-disposition': `attachment; filename="${filename}"`,
        'content-length': String(pdf.length),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    });
  },
);
