import {
  createDocumentOperation,
  listDocumentsOperation,
  tenantRoute,
  toDocumentSummaryWire,
  toDocumentWire,
} from '@/lib/api';
import { createDocument, getDocument, listDocuments } from '@/lib/documents';

export const dynamic = 'force-dynamic';

export const GET = tenantRoute(listDocumentsOperation, async ({ tx, tenant, query }) => {
  const page = await listDocuments(tx, { tenantId: tenant.id, ...query });
  return { body: { data: page.data.map(toDocumentSummaryWire), nextCursor: page.nextCursor } };
});

export const POST = tenantRoute(
  createDocumentOperation,
  async ({ tx, tenant, actor, request, body }) => {
    const { id } = await createDocument(tx, { tenantId: tenant.id, actor, request, ...body });
    return {
      body: { document: toDocumentWire(await getDocument(tx, { tenantId: tenant.id, id })) },
    };
  },
);
