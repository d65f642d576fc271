import {
  createDocumentOperation,
  listDocumentsOperation,
  tenantRoute,
  toDocumentSummaryWire,
  toDocumentWire,
} from '@/lib/api';
import { createDocument, getDocument, viewDocuments } from '@/lib/documents';

export const dynamic = 'force-dynamic';

export const GET = tenantRoute(
  listDocumentsOperation,
  async ({ tx, tenant, actor, request, query }) => {
    const page = await viewDocuments(tx, {
      tenantId: tenant.id,
      actor,
      request,
      channel: 'api',
      ...query,
    });
    return { body: { data: page.data.map(toDocumentSummaryWire), nextCursor: page.nextCursor } };
  },
);

export const POST = tenantRoute(
  createDocumentOperation,
  async ({ tx, tenant, actor, request, body }) => {
    const { id } = await createDocument(tx, { tenantId: tenant.id, actor, request, ...body });
    return {
      body: { document: toDocumentWire(await getDocument(tx, { tenantId: tenant.id, id })) },
    };
  },
);
