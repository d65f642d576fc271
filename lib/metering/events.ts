import { z } from 'zod';
import { PROPERTY_KEY_PATTERN, type MetricCatalogue } from './metrics';

/** Limits of the ingestion API (docs/api.md, "Usage events"). */
export const MAX_EVENTS_PER_BATCH = 1000;
export const MAX_FUTURE_MS = 5 * 60 * 1000;
export const MAX_AGE_MS = 35 * 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
export const MAX_PROPERTIES = 20;
export const MAX_PROPERTY_STRING_LENGTH = 256;
export const MAX_PROPERTIES_JSON_BYTES = 2048;

export type PropertyValue = string | number | boolean | null;
export type UsageEventInput = {
  metric: string;
  value: number;
  occurredAt: Date;
  idempotencyKey: string;
  properties: Record<string, PropertyValue>;
};
export type EventProblem = { field: string; message: string };
export type EventValidation =
  { ok: true; event: UsageEventInput } | { ok: false; errors: EventProblem[] };

const propertyValue = z.union([
  z
    .string()
    .max(
      MAX_PROPERTY_STRING_LENGTH,
      `Keep strings under ${MAX_PROPERTY_STRING_LENGTH} characters.`,
    ),
  z.number().refine(Number.isFinite, 'Use a finite number.'),
  z.boolean(),
  z.null(),
]);

/** One event's shape, before the catalogue and the clock are consulted. */
export const usageEventShape = z
  .object({
    metric: z.string().min(1, 'Name the metric.').max(63),
    value: z.number({ message: 'Send a number.' }),
    timestamp: z.iso.datetime({ offset: true, message: 'Use an ISO 8601 date-time with a zone.' }),
    idempotencyKey: z
      .string({ message: 'Send an idempotency key.' })
      .min(1, 'Send an idempotency key.')
      .max(
        MAX_IDEMPOTENCY_KEY_LENGTH,
        `Keep the idempotency key under ${MAX_IDEMPOTENCY_KEY_LENGTH + 1} characters.`,
      ),
    properties: z
      .record(
        z
          .string()
          .regex(PROPERTY_KEY_PATTERN, 'Name properties with up to 64 letters, digits, _ . -.'),
        propertyValue,
      )
      .refine(
        (value) => Object.keys(value).length <= MAX_PROPERTIES,
        `Send at most ${MAX_PROPERTIES} properties.`,
      )
      .refine(
        (value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_PROPERTIES_JSON_BYTES,
        `Keep properties under ${MAX_PROPERTIES_JSON_BYTES} bytes of JSON.`,
      )
      .optional(),
  })
  .strict();

function problemsOf(error: z.ZodError): EventProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : 'event',
    message:
      issue.code === 'unrecognized_keys'
        ? `Unknown field: ${issue.keys.join(', ')}.`
        : issue.message,
  }));
}

/**
 * Validates one event against the catalogue and the clock: a known metric, a finite
 * non-negative value (whole where the metric says so), a timestamp at most 5 minutes ahead and
 * 35 days old, the metric's required properties. Every problem is reported, not just the first.
 */
export function validateUsageEvent(
  raw: unknown,
  options: { catalogue: MetricCatalogue; now: Date },
): EventValidation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return {
      ok: false,
      errors: [{ field: 'event', message: 'Send each event as a JSON object.' }],
    };
  const parsed = usageEventShape.safeParse(raw);
  const errors: EventProblem[] = parsed.success ? [] : problemsOf(parsed.error);
  const failed = new Set(errors.map((problem) => problem.field));
  const input = raw as Record<string, unknown>;

  const metric = typeof input.metric === 'string' ? options.catalogue.get(input.metric) : undefined;
  if (!failed.has('metric') && !metric)
    errors.push({ field: 'metric', message: `Unknown metric: ${String(input.metric)}.` });

  if (!failed.has('value') && typeof input.value === 'number') {
    const value = input.value;
    if (!Number.isFinite(value)) errors.push({ field: 'value', message: 'Use a finite number.' });
    else if (value < 0) errors.push({ field: 'value', message: 'Use a number of 0 or more.' });
    else if (metric?.integer && !Number.isInteger(value))
      errors.push({ field: 'value', message: `${metric.key} takes whole numbers.` });
    else if (metric?.aggregation === 'count' && value < 1)
      errors.push({ field: 'value', message: `${metric.key} counts occurrences: use 1 or more.` });
  }

  let occurredAt: Date | undefined;
  if (!failed.has('timestamp') && typeof input.timestamp === 'string') {
    occurredAt = new Date(input.timestamp);
    const now = options.now.getTime();
    if (occurredAt.getTime() > now + MAX_FUTURE_MS)
      errors.push({ field: 'timestamp', message: 'The timestamp is more than 5 minutes ahead.' });
    else if (occurredAt.getTime() < now - MAX_AGE_MS)
      errors.push({ field: 'timestamp', message: 'The timestamp is more than 35 days old.' });
  }

  const properties = parsed.success ? (parsed.data.properties ?? {}) : undefined;
  if (metric && properties) {
    for (const name of metric.requiredProperties) {
      const value = properties[name];
      if (typeof value !== 'string' || value === '')
        errors.push({
          field: `properties.${name}`,
          message: `${metric.key} events need a non-empty string property ${name}.`,
        });
    }
  }

  if (errors.length || !parsed.success || !occurredAt || !properties) return { ok: false, errors };
  return {
    ok: true,
    event: {
      metric: parsed.data.metric,
      value: parsed.data.value,
      occurredAt,
      idempotencyKey: parsed.data.idempotencyKey,
      properties,
    },
  };
}

export type EventOutcome =
  | { index: number; status: 'accepted' | 'duplicate'; idempotencyKey: string }
  | { index: number; status: 'rejected'; idempotencyKey?: string; errors: EventProblem[] };

/**
 * Validates a batch and marks repeats inside it: of the valid events sharing an idempotency key,
 * the first is the candidate for insertion and the others are duplicates. Returns the outcome of
 * every rejected or duplicate event and the candidates (still to be inserted) with their index.
 */
export function planBatch(
  events: readonly unknown[],
  options: { catalogue: MetricCatalogue; now: Date },
): { outcomes: EventOutcome[]; candidates: { index: number; event: UsageEventInput }[] } {
  const outcomes: EventOutcome[] = [];
  const candidates: { index: number; event: UsageEventInput }[] = [];
  const seen = new Set<string>();
  events.forEach((raw, index) => {
    const result = validateUsageEvent(raw, options);
    if (!result.ok) {
      const key = (raw as { idempotencyKey?: unknown } | null)?.idempotencyKey;
      outcomes.push({
        index,
        status: 'rejected',
        ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
        errors: result.errors,
      });
    } else if (seen.has(result.event.idempotencyKey)) {
      outcomes.push({ index, status: 'duplicate', idempotencyKey: result.event.idempotencyKey });
    } else {
      seen.add(result.event.idempotencyKey);
      candidates.push({ index, event: result.event });
    }
  });
  return { outcomes, candidates };
}
