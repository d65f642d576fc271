import 'server-only';
import { notFound } from 'next/navigation';
import { withTenant } from '@/db/scope';
import { reportSecurityEvent, type ActivityRequest } from '@/lib/activity';
import type { Actor } from '@/lib/audit';
import { isAppError } from '@/lib/errors';
import {
  documentIdSchema,
  listDocumentsInput,
  viewDocument,
  viewDocuments,
  type DocumentDTO,
  type DocumentPage,
} from './documents';

/** Who is reading in the web portal: each page's read goes to the access log (channel `web`). */
type PageReader = { tenantId: string; actor: Actor; request?: ActivityRequest };

/**
 * For pages: the document, or the 404 page — also for another tenant's id and for malformed ids.
 * The view is recorded in the access log. A well-formed id that this tenant does not have is
 * recorded in its security log (`request.unknown_id`): it may be a stale link, or someone trying
 * another workspace's ids — the same 404 either way, and nothing is looked up outside the tenant.
 */
export async function loadDocumentOr404(params: PageReader & { id: string }): Promise<DocumentDTO> {
  if (!documentIdSchema.safeParse(params.id).success) notFound();
  try {
    return await withTenant(params.tenantId, (tx) =>
      viewDocument(tx, { ...params, channel: 'web' }),
    );
  } catch (error) {
    if (isAppError(error) && error.code === 'not_found') {
      await reportSecurityEvent({
        tenantId: params.tenantId,
        actor: params.actor,
        action: 'request.unknown_id',
        channel: 'web',
        target: { type: 'document', id: params.id },
        request: params.request,
      });
      notFound();
    }
    throw error;
  }
}

/**
 * For the list page: one page of documents from the URL's query (its read recorded in the access
 * log), or null for a bad cursor.
 */
export async function loadDocumentPage(
  params: PageReader & { query: Record<string, string | string[] | undefined> },
): Promise<{ page: DocumentPage | null; cursor?: string }> {
  const parsed = listDocumentsInput.safeParse(params.query);
  const paging = parsed.success ? parsed.data : { limit: 20 };
  try {
    return {
      page: await withTenant(params.tenantId, (tx) =>
        viewDocuments(tx, {
          tenantId: params.tenantId,
          actor: params.actor,
          request: params.request,
          channel: 'web',
          ...paging,
        }),
      ),
      cursor: paging.cursor,
    };
  } catch (error) {
    if (isAppError(error) && error.code === 'invalid_input')
      return { page: null, cursor: paging.cursor };
    throw error;
  }
}
