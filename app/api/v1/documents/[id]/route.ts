import {
  deleteDocumentOperation,
  getDocumentOperation,
  tenantRoute,
  toDocumentWire,
  updateDocumentOperation,
} from '@/lib/api';
import { deleteDocument, getDocument, updateDocument, viewDocument } from '@/lib/documents';

export const dynamic = 'force-dynamic';

export const GET = tenantRoute(
  getDocumentOperation,
  async ({ tx, tenant, actor, request, params }) => ({
    body: {
      document: toDocumentWire(
        await viewDocument(tx, {
          tenantId: tenant.id,
          actor,
          request,
          channel: 'api',
          id: params.id,
        }),
      ),
    },
  }),
);

export const PATCH = tenantRoute(
  updateDocumentOperation,
  async ({ tx, tenant, actor, request, params, body }) => {
    const current = await getDocument(tx, { tenantId: tenant.id, id: params.id });
    await updateDocument(tx, {
      tenantId: tenant.id,
      actor,
      request,
      id: params.id,
      title: body.title ?? current.title,
      body: body.body ?? current.body,
    });
    return {
      body: {
        document: toDocumentWire(await getDocument(tx, { tenantId: tenant.id, id: params.id })),
      },
    };
  },
);

export const DELETE = tenantRoute(
  deleteDocumentOperation,
  async ({ tx, tenant, actor, request, params }) => {
    await deleteDocument(tx, { tenantId: tenant.id, actor, request, id: params.id });
    return {};
  },
);
