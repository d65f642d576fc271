import Link from 'next/link';
import { buttonClasses } from '@/components/ui/button';
import { getRequestContext, requireMember } from '@/lib/actions';
import { hasPermission } from '@/lib/rbac';
import { loadDocumentPage } from '@/lib/documents';
import { Forbidden } from '../../_components/forbidden';

export const metadata = { title: 'Documents' };

const dateFormat = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

export default async function DocumentsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { tenant, viewer, allowed } = await requireMember('documents:read');
  if (!allowed) return <Forbidden />;
  const { requestId, ip, userAgent } = await getRequestContext();
  const { page, cursor } = await loadDocumentPage({
    tenantId: tenant.id,
    query: await searchParams,
    actor: { type: 'user', id: viewer.userId },
    request: { requestId, ip, userAgent },
  });

  return (
    <section aria-labelledby="documents-heading" className="space-y-6">
      <div className="flex items-center justify-between">
        <h1 id="documents-heading" className="text-2xl font-semibold">
          Documents
        </h1>
        {hasPermission(viewer, 'documents:write') ? (
          <Link href="/documents/new" className={buttonClasses()}>
            New document
          </Link>
        ) : null}
      </div>
      {!page ? (
        <p role="alert" className="text-red-700">
          That page link is not valid.{' '}
          <Link href="/documents" className="underline">
            Start from the first page.
          </Link>
        </p>
      ) : page.data.length === 0 && !cursor ? (
        <div className="rounded-lg border border-dashed border-slate-300 p-12 text-center text-slate-600">
          <p className="font-medium">No documents yet.</p>
          <p className="mt-1 text-sm">
            Create the first one: everyone in {tenant.name} will see it.
          </p>
        </div>
      ) : (
        <>
          <table className="w-full overflow-hidden rounded-lg bg-white text-left text-sm shadow-sm ring-1 ring-slate-200">
            <thead className="bg-slate-100 text-slate-600">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">
                  Title
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Author
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Updated (UTC)
                </th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((doc) => (
                <tr key={doc.id} className="border-t border-slate-100">
                  <td className="px-4 py-2">
                    <Link
                      href={`/documents/${doc.id}`}
                      className="text-brand font-medium hover:underline"
                    >
                      {doc.title}
                    </Link>
                  </td>
                  <td className="px-4 py-2 text-slate-600">{doc.authorName ?? 'Former member'}</td>
                  <td className="px-4 py-2 text-slate-600">
                    <time dateTime={doc.updatedAt.toISOString()}>
                      {dateFormat.format(doc.updatedAt)}
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="Pagination" className="flex justify-between text-sm">
            {cursor ? (
              <Link href="/documents" className="underline">
                ← Newest
              </Link>
            ) : (
              <span />
            )}
            {page.nextCursor ? (
              <Link href={`/documents?cursor=${page.nextCursor}`} className="underline">
                Older →
              </Link>
            ) : null}
          </nav>
        </>
      )}
    </section>
  );
}
