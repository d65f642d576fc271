import { z } from 'zod';

/**
 * The billable-metric catalogue. Built-ins live here; a deployment adds its own in the
 * BILLABLE_METRICS environment variable (a JSON array of definitions, validated at start-up
 * like every other setting). A custom metric may not redefine a built-in.
 *
 * Aggregations say how a period's events become one figure (rollups, a later step):
 * - `count`: the number of occurrences — the sum of `value`, a positive integer (usually 1);
 * - `sum`: the sum of `value` (bytes sent, milliseconds computed);
 * - `max`: the largest `value` seen (a gauge sampled now and then: storage, seats);
 * - `unique_count`: the number of distinct values of the property named by `uniqueBy`.
 */
export const aggregations = ['count', 'sum', 'max', 'unique_count'] as const;
export type Aggregation = (typeof aggregations)[number];

export const METRIC_KEY_PATTERN = /^[a-z][a-z0-9_]{1,62}$/;
export const PROPERTY_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export const billableMetricSchema = z
  .object({
    key: z
      .string()
      .regex(METRIC_KEY_PATTERN, 'Use 2–63 characters: lowercase letters, digits, underscores.'),
    unit: z.string().trim().min(1).max(40),
    aggregation: z.enum(aggregations),
    description: z.string().trim().max(200).default(''),
    /** Values must be whole numbers (always so for `count`). */
    integer: z.boolean().default(false),
    /** Properties every event of the metric must carry (string values). */
    requiredProperties: z.array(z.string().regex(PROPERTY_KEY_PATTERN)).max(10).default([]),
    /** `unique_count` only: the property whose distinct values are counted. */
    uniqueBy: z.string().regex(PROPERTY_KEY_PATTERN).optional(),
    /**
     * `count` and `sum` only: a property whose values the rollups keep apart (the API route of
     * api_calls), so a period's figure can be broken down by it. Events without it roll up
     * under ''.
     */
    dimension: z.string().regex(PROPERTY_KEY_PATTERN).optional(),
  })
  .strict()
  .superRefine((metric, ctx) => {
    if (metric.aggregation === 'unique_count' && !metric.uniqueBy)
      ctx.addIssue({ code: 'custom', path: ['uniqueBy'], message: 'unique_count needs uniqueBy.' });
    if (metric.aggregation !== 'unique_count' && metric.uniqueBy)
      ctx.addIssue({
        code: 'custom',
        path: ['uniqueBy'],
        message: 'uniqueBy is for unique_count only.',
      });
  })
  .superRefine((metric, ctx) => {
    if (metric.dimension && metric.aggregation !== 'count' && metric.aggregation !== 'sum')
      ctx.addIssue({
        code: 'custom',
        path: ['dimension'],
        message: 'A dimension is for count and sum metrics only.',
      });
  })
  .transform((metric) => ({
    ...metric,
    integer: metric.integer || metric.aggregation === 'count',
    requiredProperties: [
      ...new Set([...metric.requiredProperties, ...(metric.uniqueBy ? [metric.uniqueBy] : [])]),
    ],
  }));
export type BillableMetric = z.output<typeof billableMetricSchema>;

const builtInDefinitions: z.input<typeof billableMetricSchema>[] = [
  {
    key: 'api_calls',
    unit: 'calls',
    aggregation: 'count',
    dimension: 'route',
    description: 'Requests to the tenant API, by route.',
  },
  {
    key: 'compute_ms',
    unit: 'milliseconds',
    aggregation: 'sum',
    dimension: 'route',
    description: 'Server time spent on the tenant’s requests, by route or action.',
  },
  {
    key: 'egress_bytes',
    unit: 'bytes',
    aggregation: 'sum',
    integer: true,
    dimension: 'route',
    description: 'Bytes sent to the tenant’s clients, by route.',
  },
  {
    key: 'storage_bytes',
    unit: 'bytes',
    aggregation: 'max',
    integer: true,
    description: 'Bytes stored for the tenant, measured now and then.',
  },
  {
    key: 'active_members',
    unit: 'members',
    aggregation: 'max',
    integer: true,
    description: 'Members (seats), measured now and then.',
  },
  {
    key: 'feature_usage',
    unit: 'uses',
    aggregation: 'count',
    requiredProperties: ['feature'],
    dimension: 'feature',
    description: 'Each use of a metered feature, named by the `feature` property.',
  },
];

export const builtInMetrics: readonly BillableMetric[] = builtInDefinitions.map((definition) =>
  billableMetricSchema.parse(definition),
);

const customMetricsSchema = z.array(billableMetricSchema).max(100);

export type MetricCatalogue = ReadonlyMap<string, BillableMetric>;

/**
 * The catalogue: built-ins plus the custom definitions in `json` (BILLABLE_METRICS). Throws with
 * a readable message when the JSON or a definition is invalid, or a key is defined twice.
 */
export function buildMetricCatalogue(json?: string): MetricCatalogue {
  const catalogue = new Map(builtInMetrics.map((metric) => [metric.key, metric]));
  if (!json?.trim()) return catalogue;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('BILLABLE_METRICS is not valid JSON.');
  }
  const parsed = customMetricsSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`BILLABLE_METRICS is invalid: ${z.prettifyError(parsed.error)}`);
  for (const metric of parsed.data) {
    if (catalogue.has(metric.key))
      throw new Error(`BILLABLE_METRICS defines the metric ${metric.key} twice.`);
    catalogue.set(metric.key, metric);
  }
  return catalogue;
}
