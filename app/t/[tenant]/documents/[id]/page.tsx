import Link from 'next/link';
import { buttonClasses } from '@/components/ui/button';
import { loadDocumentOr404 } from '@/lib/documents';
import { hasPermission } from '@/lib/rbac';
import { getRequestContext, requireMember } from '@/lib/actions';
import { Forbidden } from '../../_components/forbidden';
import { deleteDocumentAction } from '../actions';
import { DeleteDocumentButton } from '../_components/delete-document-button';

const dateFormat = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

export default async function DocumentPage({ params }: { params: Promise<{ id: string }> }) {
  const { tenant, viewer, allowed } = await requireMember('documents:read');
  if (!allowed) return <Forbidden />;
  const { requestId, ip, userAgent } = await getRequestContext();
  const document = await loadDocumentOr404({
    tenantId: tenant.id,
    id: (await params).id,
    actor: { type: 'user', id: viewer.userId },
    request: { requestId, ip, userAgent },
  });
  return (
    <article className="space-y-6">
      <p className="text-sm">
        <Link href="/documents" className="underline">
          ← All documents
        </Link>
      </p>
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">{document.title}</h1>
          <p className="mt-1 text-sm text-slate-500">
            By {document.authorName ?? 'a former member'} · created{' '}
            <time dateTime={document.createdAt.toISOString()}>
              {dateFormat.format(document.createdAt)}
            </time>{' '}
            · updated{' '}
            <time dateTime={document.updatedAt.toISOString()}>
              {dateFormat.format(document.updatedAt)}
            </time>{' '}
            (UTC)
          </p>
        </div>
        <div className="flex gap-3">
          {hasPermission(viewer, 'documents:write') ? (
            <Link href={`/documents/${document.id}/edit`} className={buttonClasses('secondary')}>
              Edit
            </Link>
          ) : null}
          {hasPermission(viewer, 'documents:delete') ? (
            <DeleteDocumentButton
              action={deleteDocumentAction}
              id={document.id}
              title={document.title}
            />
          ) : null}
        </div>
      </header>
      <div
        className="rounded-lg bg-white p-6 whitespace-pre-wrap shadow-sm ring-1 ring-slate-200"
        data-testid="document-body"
      >
        {document.body || <span className="text-slate-400">This document is empty.</span>}
      </div>
    </article>
  );
}
