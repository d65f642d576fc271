import 'server-only';
import { notFound } from 'next/navigation';
import { withTenant } from '@/db/scope';
import { isAppError } from '@/lib/errors';
import {
  documentIdSchema,
  getDocument,
  listDocuments,
  listDocumentsInput,
  type DocumentDTO,
  type DocumentPage,
} from './documents';

/** For pages: the document, or the 404 page — also for another tenant's id and for malformed ids. */
export async function loadDocumentOr404(tenantId: string, id: string): Promise<DocumentDTO> {
  if (!documentIdSchema.safeParse(id).success) notFound();
  try {
    return await withTenant(tenantId, (tx) => getDocument(tx, { tenantId, id }));
  } catch (error) {
    if (isAppError(error) && error.code === 'not_found') notFound();
    throw error;
  }
}

/** For the list page: one page of documents from the URL's query, or null for a bad cursor. */
export async function loadDocumentPage(
  tenantId: string,
  query: Record<string, string | string[] | undefined>,
): Promise<{ page: DocumentPage | null; cursor?: string }> {
  const parsed = listDocumentsInput.safeParse(query);
  const params = parsed.success ? parsed.data : { limit: 20 };
  try {
    return {
      page: await withTenant(tenantId, (tx) => listDocuments(tx, { tenantId, ...params })),
      cursor: params.cursor,
    };
  } catch (error) {
    if (isAppError(error) && error.code === 'invalid_input')
      return { page: null, cursor: params.cursor };
    throw error;
  }
}
