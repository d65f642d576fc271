import { z } from 'zod';
import { createDocumentInput, documentIdSchema, listDocumentsInput } from '@/lib/documents/schemas';
import { MAX_EVENTS_PER_BATCH, usageEventShape } from '@/lib/metering/events';
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

/** An event's documented shape; the route validates each event on its own (lib/metering). */
const usageEventJsonSchema: Record<string, unknown> = {
  ...z.toJSONSchema(usageEventShape, { io: 'input' }),
  title: 'UsageEvent',
};
delete usageEventJsonSchema.$schema;

export const ingestUsageEventsInput = z
  .object({
    events: z
      .array(
        z.unknown().meta({
          description:
            'A usage event. Each is validated on its own: a bad one is refused in `results` with its reasons, the others are kept.',
          override: ({ jsonSchema }) => Object.assign(jsonSchema, usageEventJsonSchema),
        }),
      )
      .min(1, 'Send at least one event.')
      .max(
        MAX_EVENTS_PER_BATCH,
        `Send at most ${MAX_EVENTS_PER_BATCH.toLocaleString('en')} events per call.`,
      ),
  })
  .strict();

const eventProblemSchema = z.object({
  field: z.string().describe('The event’s field, e.g. `value` or `properties.feature`.'),
  message: z.string(),
});

export const usageEventOutcomeSchema = z
  .object({
    index: z.int().min(0).describe('The event’s position in `events`, from 0.'),
    status: z
      .enum(['accepted', 'duplicate', 'rejected'])
      .describe(
        '`accepted`: recorded now. `duplicate`: its idempotency key was recorded before (or earlier in this batch); not counted again. `rejected`: not recorded, see `errors`.',
      ),
    idempotencyKey: z.string().optional(),
    errors: z.array(eventProblemSchema).optional().describe('Why a rejected event was refused.'),
  })
  .meta({ id: 'UsageEventOutcome' });

export const ingestUsageEventsResultSchema = z
  .object({
    accepted: z.int().min(0),
    duplicates: z.int().min(0),
    rejected: z.int().min(0),
    results: z.array(usageEventOutcomeSchema).describe('One entry per event, in request order.'),
  })
  .meta({ id: 'UsageIngestResult' });

export const ingestUsageEventsOperation = defineOperation({
  method: 'post',
  path: '/usage/events',
  operationId: 'ingestUsageEvents',
  summary: 'Report usage events',
  description: [
    `Records up to ${MAX_EVENTS_PER_BATCH.toLocaleString('en')} metered events of your product for this workspace. ` +
      'Each event names a billable metric (built-ins: `api_calls`, `compute_ms`, `egress_bytes`, `storage_bytes`, ' +
      '`active_members`, `feature_usage` with a `feature` property; operators may define more), a non-negative ' +
      'finite `value` (whole for counts, bytes and members), an ISO 8601 `timestamp` at most 5 minutes ahead and ' +
      '35 days old, an `idempotencyKey` (1–200 characters) and optional flat `properties` (at most 20; strings, ' +
      'numbers, booleans or null; 2 KiB of JSON).',
    'An idempotency key counts once per workspace, however often it is sent: resend a batch after a timeout ' +
      'without fear. Events are judged one by one: the answer is 200 with an outcome per event, even when some ' +
      'or all were refused; only a malformed body (not `{events: [...]}`, or more than 1,000 events) is a 400.',
  ].join('\n\n'),
  tag: 'Usage',
  scope: 'usage:write',
  body: ingestUsageEventsInput,
  bodyExample: {
    events: [
      {
        metric: 'api_calls',
        value: 1,
        timestamp: '2026-11-30T09:15:00Z',
        idempotencyKey: 'req_01HZX4Q8',
      },
      {
        metric: 'feature_usage',
        value: 1,
        timestamp: '2026-11-30T09:15:02Z',
        idempotencyKey: 'export_7f3a',
        properties: { feature: 'document_export' },
      },
    ],
  },
  success: {
    status: 200,
    description: 'The outcome of every event.',
    schema: ingestUsageEventsResultSchema,
    example: {
      accepted: 1,
      duplicates: 1,
      rejected: 1,
      results: [
        { index: 0, status: 'accepted', idempotencyKey: 'req_01HZX4Q8' },
        { index: 1, status: 'duplicate', idempotencyKey: 'export_7f3a' },
        {
          index: 2,
          status: 'rejected',
          idempotencyKey: 'req_01HZX4Q9',
          errors: [{ field: 'metric', message: 'Unknown metric: api_cals.' }],
        },
      ],
    },
  },
  errors: ['invalid_input', 'forbidden', 'feature_disabled', 'tenant_suspended'],
});

export const tenantV1Operations = [
  listDocumentsOperation,
  createDocumentOperation,
  getDocumentOperation,
  updateDocumentOperation,
  deleteDocumentOperation,
  ingestUsageEventsOperation,
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
