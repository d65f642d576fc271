import 'server-only';
import { notFound } from 'next/navigation';
import { withTenant } from '@/db/scope';
import { isAppError } from '@/lib/errors';
import { documentIdSchema, getDocument, type DocumentDTO } from './index';

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
