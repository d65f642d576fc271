import { z } from 'zod';
import { createDocumentInput, documentIdSchema, listDocumentsInput } from '@/lib/documents/schemas';
import { defineOperation } from './contract';

const isoDate = z.iso.datetime({ offset: true });

export const documentSummarySchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    authorName: z
      .string()
      .nullable()
      .describe('Null for documents written through the API or by a removed member.'),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({
    id: 'DocumentSummary',
    example: {
      id: '6f1c2a9e-3b7d-4c1e-9a52-2f0d8e4b7c11',
      title: 'Q3 roadmap',
      authorName: 'Ada Acme',
      createdAt: '2026-11-02T09:30:00.000Z',
      updatedAt: '2026-11-20T16:05:12.345Z',
    },
  });

export const documentSchema = documentSummarySchema
  .extend({ body: z.string(), authorId: z.uuid().nullable() })
  .meta({
    id: 'Document',
    example: {
      id: '6f1c2a9e-3b7d-4c1e-9a52-2f0d8e4b7c11',
      title: 'Q3 roadmap',
      body: 'Ship the rocket skates.',
      authorId: null,
      authorName: null,
      createdAt: '2026-11-02T09:30:00.000Z',
      updatedAt: '2026-11-20T16:05:12.345Z',
    },
  });

export const documentPageSchema = z
  .object({
    data: z.array(documentSummarySchema),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` for the next page; null on the last page.'),
  })
  .meta({ id: 'DocumentPage' });

export const documentEnvelopeSchema = z.object({ document: documentSchema });

export const patchDocumentInput = z
  .object({
    title: createDocumentInput.shape.title.optional(),
    body: z.string().max(100_000, 'Keep the body under 100,000 characters.').optional(),
  })
  .strict()
  .refine(
    (value) => value.title !== undefined || value.body !== undefined,
    'Send title, body or both.',
  );

const idParams = z.object({ id: documentIdSchema.meta({ description: 'Document id (uuid).' }) });

export const listDocumentsOperation = defineOperation({
  method: 'get',
  path: '/documents',
  operationId: 'listDocuments',
  summary: 'List documents',
  description:
    'Most recently updated first. Keyset pagination: follow `nextCursor` until it is null.',
  tag: 'Documents',
  scope: 'documents:read',
  query: listDocumentsInput,
  success: {
    status: 200,
    description: 'A page of documents.',
    schema: documentPageSchema,
    example: {
      data: [
        {
          id: '6f1c2a9e-3b7d-4c1e-9a52-2f0d8e4b7c11',
          title: 'Q3 roadmap',
          authorName: 'Ada Acme',
          createdAt: '2026-11-02T09:30:00.000Z',
          updatedAt: '2026-11-20T16:05:12.345Z',
        },
      ],
      nextCursor: null,
    },
  },
  errors: ['invalid_input', 'forbidden', 'feature_disabled', 'tenant_suspended'],
});

export const createDocumentOperation = defineOperation({
  method: 'post',
  path: '/documents',
  operationId: 'createDocument',
  summary: 'Create a document',
  tag: 'Documents',
  scope: 'documents:write',
  body: createDocumentInput,
  bodyExample: { title: 'Meeting notes', body: 'Agreed to ship on Friday.' },
  success: { status: 201, description: 'The created document.', schema: documentEnvelopeSchema },
  errors: ['invalid_input', 'forbidden', 'feature_disabled', 'tenant_suspended', 'limit_reached'],
});

export const getDocumentOperation = defineOperation({
  method: 'get',
  path: '/documents/{id}',
  operationId: 'getDocument',
  summary: 'Get a document',
  description:
    'Another workspace’s document id answers 404, exactly like an id that does not exist.',
  tag: 'Documents',
  scope: 'documents:read',
  params: idParams,
  success: { status: 200, description: 'The document.', schema: documentEnvelopeSchema },
  errors: ['not_found', 'forbidden', 'feature_disabled', 'tenant_suspended'],
});

export const updateDocumentOperation = defineOperation({
  method: 'patch',
  path: '/documents/{id}',
  operationId: 'updateDocument',
  summary: 'Change a document’s title or body',
  tag: 'Documents',
  scope: 'documents:write',
  params: idParams,
  body: patchDocumentInput,
  bodyExample: { title: 'Meeting notes (final)' },
  success: { status: 200, description: 'The changed document.', schema: documentEnvelopeSchema },
  errors: ['invalid_input', 'not_found', 'forbidden', 'feature_disabled', 'tenant_suspended'],
});

export const deleteDocumentOperation = defineOperation({
  method: 'delete',
  path: '/documents/{id}',
  operationId: 'deleteDocument',
  summary: 'Delete a document',
  tag: 'Documents',
  scope: 'documents:delete',
  params: idParams,
  success: { status: 204, description: 'Deleted.' },
  errors: ['not_found', 'forbidden', 'feature_disabled', 'tenant_suspended'],
});

export const tenantV1Operations = [
  listDocumentsOperation,
  createDocumentOperation,
  getDocumentOperation,
  updateDocumentOperation,
  deleteDocumentOperation,
];

type DocumentSummaryLike = {
  id: string;
  title: string;
  authorName: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export function toDocumentSummaryWire(
  document: DocumentSummaryLike,
): z.output<typeof documentSummarySchema> {
  return {
    id: document.id,
    title: document.title,
    authorName: document.authorName,
    createdAt: document.createdAt.toISOString(),
    updatedAt: document.updatedAt.toISOString(),
  };
}

export function toDocumentWire(
  document: DocumentSummaryLike & { body: string; authorId: string | null },
): z.output<typeof documentSchema> {
  return { ...toDocumentSummaryWire(document), body: document.body, authorId: document.authorId };
}
