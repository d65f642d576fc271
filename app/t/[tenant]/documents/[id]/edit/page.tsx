import { loadDocumentOr404 } from '@/lib/documents';
import { getRequestContext, requireMember } from '@/lib/actions';
import { Forbidden } from '../../../_components/forbidden';
import { updateDocumentAction } from '../../actions';
import { DocumentForm } from '../../_components/document-form';

export const metadata = { title: 'Edit document' };

export default async function EditDocumentPage({ params }: { params: Promise<{ id: string }> }) {
  const { tenant, viewer, allowed } = await requireMember('documents:write');
  if (!allowed) return <Forbidden />;
  const { requestId, ip, userAgent } = await getRequestContext();
  const document = await loadDocumentOr404({
    tenantId: tenant.id,
    id: (await params).id,
    actor: { type: 'user', id: viewer.userId },
    request: { requestId, ip, userAgent },
  });
  return (
    <section aria-labelledby="edit-heading" className="space-y-6">
      <h1 id="edit-heading" className="text-2xl font-semibold">
        Edit “{document.title}”
      </h1>
      <DocumentForm
        action={updateDocumentAction}
        document={document}
        cancelHref={`/documents/${document.id}`}
      />
    </section>
  );
}
