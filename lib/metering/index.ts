import 'server-only';
export {
  aggregations,
  billableMetricSchema,
  buildMetricCatalogue,
  builtInMetrics,
  type Aggregation,
  type BillableMetric,
  type MetricCatalogue,
} from './metrics';
export {
  MAX_AGE_MS,
  MAX_EVENTS_PER_BATCH,
  MAX_FUTURE_MS,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  planBatch,
  usageEventShape,
  validateUsageEvent,
  type EventOutcome,
  type EventProblem,
  type UsageEventInput,
} from './events';
export { ingestUsageEvents, metricCatalogue, type IngestResult } from './ingest';
