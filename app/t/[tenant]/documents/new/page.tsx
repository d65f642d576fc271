import { requireMember } from '@/lib/actions';
import { Forbidden } from '../../_components/forbidden';
import { createDocumentAction } from '../actions';
import { DocumentForm } from '../_components/document-form';

export const metadata = { title: 'New document' };

export default async function NewDocumentPage() {
  const { allowed } = await requireMember('documents:write');
  if (!allowed) return <Forbidden />;
  return (
    <section aria-labelledby="new-heading" className="space-y-6">
      <h1 id="new-heading" className="text-2xl font-semibold">
        New document
      </h1>
      <DocumentForm action={createDocumentAction} cancelHref="/documents" />
    </section>
  );
}
