import { z } from 'zod';
import { rollupGranularities, type RollupGranularity } from '@/db/schema';
import { createDocumentInput, documentIdSchema, listDocumentsInput } from '@/lib/documents/schemas';
import { AppError } from '@/lib/errors';
import {
  addBuckets,
  bucketStartOf,
  metricCatalogue,
  type BillableMetric,
  type UsagePoint,
} from '@/lib/metering';
import { MAX_EVENTS_PER_BATCH, usageEventShape } from '@/lib/metering/events';
import { aggregations, builtInMetrics, type Aggregation } from '@/lib/metering/metrics';
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

/** How long a usage series may be, per granularity, and how long it is when `from` is left out. */
export const usageWindowLimits = {
  hour: { defaultBuckets: 24, maxBuckets: 31 * 24, maxSpan: '31 days' },
  day: { defaultBuckets: 30, maxBuckets: 400, maxSpan: '400 days' },
  month: { defaultBuckets: 12, maxBuckets: 120, maxSpan: '10 years' },
} as const satisfies Record<
  RollupGranularity,
  { defaultBuckets: number; maxBuckets: number; maxSpan: string }
>;

const DAY_MS = 24 * 3_600_000;

/**
 * A usage query's window with its defaults filled in: `to` is the end of the bucket `now` falls
 * in (so the current, still growing bucket is included), `from` is `to` minus the granularity's
 * default number of buckets.
 */
export function resolveUsageWindow(
  query: { granularity: RollupGranularity; from?: string; to?: string },
  now: Date,
): { from: Date; to: Date } {
  const { granularity } = query;
  const to = query.to
    ? new Date(query.to)
    : addBuckets(bucketStartOf(now, granularity), granularity, 1);
  const from = query.from
    ? new Date(query.from)
    : addBuckets(to, granularity, -usageWindowLimits[granularity].defaultBuckets);
  return { from, to };
}

const builtInMetricKeys = builtInMetrics.map((metric) => `\`${metric.key}\``).join(', ');

export const getUsageInput = z
  .object({
    metric: z
      .string({ error: 'Name a metric.' })
      .superRefine((key, ctx) => {
        const catalogue = metricCatalogue();
        if (!catalogue.has(key))
          ctx.addIssue({
            code: 'custom',
            message: `Unknown metric: ${key}. Known metrics: ${[...catalogue.keys()].join(', ')}.`,
          });
      })
      .meta({
        description: `A billable metric of the catalogue: the built-ins ${builtInMetricKeys}, or one the operator added.`,
        example: 'feature_usage',
      }),
    granularity: z
      .enum(rollupGranularities, { error: 'Use hour, day or month.' })
      .default('day')
      .meta({ description: 'The bucket size (UTC hours, days or calendar months).' }),
    from: isoDate.optional().meta({
      description:
        'ISO 8601 date-time with a zone. Buckets whose start is at or after it are included. ' +
        'Default: `to` minus 24 hours (hour), 30 days (day) or 12 months (month).',
      example: '2026-11-01T00:00:00Z',
    }),
    to: isoDate.optional().meta({
      description:
        'ISO 8601 date-time with a zone. Buckets whose start is before it are included. ' +
        'Default: the end of the current bucket, so the bucket in progress is included.',
      example: '2026-12-01T00:00:00Z',
    }),
  })
  // One check resolves the defaults once, validates the window, and hands the route the
  // resolved bounds, so the answer's window is exactly the one that was checked.
  .check((ctx) => {
    if (ctx.issues.length) return;
    const { granularity } = ctx.value;
    const { from, to } = resolveUsageWindow(ctx.value, new Date());
    const limit = usageWindowLimits[granularity];
    const problem =
      from >= to
        ? `from (${from.toISOString()}) must be before to (${to.toISOString()}).`
        : from < addBuckets(to, granularity, -limit.maxBuckets)
          ? `A granularity=${granularity} series spans at most ${limit.maxSpan}; this one spans ` +
            `${Math.ceil((to.getTime() - from.getTime()) / DAY_MS)} days. Narrow from/to` +
            (granularity === 'month' ? '.' : ', or ask for a coarser granularity.')
          : null;
    if (problem) {
      ctx.issues.push({ code: 'custom', path: ['from'], message: problem, input: ctx.value.from });
      return;
    }
    ctx.value = { ...ctx.value, from: from.toISOString(), to: to.toISOString() };
  });

export const usagePointSchema = z
  .object({
    bucketStart: isoDate.describe(
      'The bucket’s start, UTC: the hour, the day at 00:00, or the 1st of the month at 00:00.',
    ),
    value: z
      .number()
      .describe(
        'The metric’s aggregate over the bucket: the sum (count, sum), the largest sample (max), or the number of distinct values (unique_count).',
      ),
    events: z.int().min(0).describe('How many events the bucket’s figure covers.'),
  })
  .meta({
    id: 'UsagePoint',
    example: { bucketStart: '2026-11-02T00:00:00.000Z', value: 42, events: 40 },
  });

export const usageSeriesSchema = z
  .object({
    metric: z.string(),
    unit: z.string().describe('The metric’s unit, e.g. `calls`, `bytes`.'),
    aggregation: z.enum(aggregations),
    granularity: z.enum(rollupGranularities),
    from: isoDate.describe('The window’s start as applied (defaults filled in), UTC.'),
    to: isoDate.describe('The window’s end as applied (defaults filled in), UTC.'),
    total: z
      .number()
      .nullable()
      .describe(
        'The window’s figure, by the metric’s aggregation: the sum of the buckets for count and sum ' +
          '(0 without events); the largest bucket for max (null without samples). Always null for ' +
          'unique_count: distinct counts of buckets do not add up (a value seen in two buckets would ' +
          'count twice); for one period’s distinct count, ask for the granularity whose single bucket ' +
          'is that period (e.g. `granularity=month` for a calendar month).',
      ),
    data: z
      .array(usagePointSchema)
      .describe(
        'Buckets whose start is in [from, to), oldest first. Buckets without events are left out.',
      ),
  })
  .meta({ id: 'UsageSeries' });

export const getUsageOperation = defineOperation({
  method: 'get',
  path: '/usage',
  operationId: 'getUsage',
  summary: 'Read a metric’s usage over time',
  description: [
    'This workspace’s usage of one billable metric, per hour, day or calendar month (UTC), read from ' +
      'the usage rollups: an event counts once the rollup job has run after it (each minute by default).',
    'A bucket is included when its start is in [`from`, `to`): an unaligned `from` leaves out the ' +
      'bucket it falls in. Without `from` and `to` the answer covers the last 24 hours, 30 days or 12 ' +
      'months, the current bucket included. A series spans at most 31 days (hour), 400 days (day) ' +
      'or 10 years (month); `from` must be before `to`.',
    '`total` follows the metric’s aggregation: a sum for count and sum metrics, the largest bucket for ' +
      'max metrics, and null for unique_count metrics, whose bucket figures do not add up.',
  ].join('\n\n'),
  tag: 'Usage',
  scope: 'usage:read',
  query: getUsageInput,
  success: {
    status: 200,
    description: 'The series and its total.',
    schema: usageSeriesSchema,
    example: {
      metric: 'feature_usage',
      unit: 'uses',
      aggregation: 'count',
      granularity: 'day',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-04T00:00:00.000Z',
      total: 57,
      data: [
        { bucketStart: '2026-11-01T00:00:00.000Z', value: 15, events: 15 },
        { bucketStart: '2026-11-03T00:00:00.000Z', value: 42, events: 40 },
      ],
    },
  },
  errors: ['invalid_input', 'forbidden', 'feature_disabled', 'tenant_suspended'],
});

/** The window's figure by aggregation; null where the buckets cannot give it (see usageSeriesSchema). */
export function usageTotal(aggregation: Aggregation, points: readonly UsagePoint[]): number | null {
  switch (aggregation) {
    case 'count':
    case 'sum':
      return points.reduce((total, point) => total + point.value, 0);
    case 'max':
      return points.length ? Math.max(...points.map((point) => point.value)) : null;
    case 'unique_count':
      return null;
  }
}

/** The catalogue's definition of a metric the query schema accepted. */
export function usageMetric(key: string): BillableMetric {
  const metric = metricCatalogue().get(key);
  if (!metric) throw new AppError('invalid_input', `Unknown metric: ${key}.`);
  return metric;
}

export function toUsageSeriesWire(params: {
  metric: BillableMetric;
  granularity: RollupGranularity;
  from: Date;
  to: Date;
  points: readonly UsagePoint[];
}): z.output<typeof usageSeriesSchema> {
  const { metric, points } = params;
  return {
    metric: metric.key,
    unit: metric.unit,
    aggregation: metric.aggregation,
    granularity: params.granularity,
    from: params.from.toISOString(),
    to: params.to.toISOString(),
    total: usageTotal(metric.aggregation, points),
    data: points.map((point) => ({
      bucketStart: point.bucketStart.toISOString(),
      value: point.value,
      events: point.events,
    })),
  };
}

export const tenantV1Operations = [
  listDocumentsOperation,
  createDocumentOperation,
  getDocumentOperation,
  updateDocumentOperation,
  deleteDocumentOperation,
  ingestUsageEventsOperation,
  getUsageOperation,
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
