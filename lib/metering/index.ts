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
export { ROLLUP_OVERLAP_MS, refreshUsageRollups, type RollupRun } from './rollup';
export { FLUSH_INTERVAL_MS, UsageRecorder, recordUsage, usageRecorder } from './recorder';
export {
  allowancesOf,
  assertWithinAllowances,
  entitledOf,
  figuresByTenant,
  figuresQuery,
  withMeteredFeature,
  forgetCachedFigures,
  meteredFigures,
  periodOf,
  quotaError,
  type AllowanceUsage,
  type MeteredFigures,
} from './allowances';
export { forecastPeriodEnd, topDimensions, usageSeries, type UsagePoint } from './query';
export { formatQuantity, formatResetTime } from './format';
export { addBuckets, bucketStartOf } from './buckets';
export { usageOverview, type TenantUsageOverview } from './overview';
export { notifyAllowanceThresholds, usageNotices } from './notifications';
export {
  METERING_JOB_INTERVAL_MS,
  flushUsageOnShutdown,
  runMeteringJobs,
  sampleGauges,
  startMetering,
  startMeteringSchedule,
  type MeteringJobReport,
} from './jobs';
export {
  API_CALLS_METRIC,
  loadUsageDashboard,
  loadUsageSeries,
  parseUsageSearch,
  usageCsvFilename,
  usageGranularities,
  usageGranularityLabels,
  usageSeriesCsv,
  type UsageAllowanceDTO,
  type UsageDashboardDTO,
  type UsageGranularity,
  type UsageNoticeDTO,
  type UsageRouteDTO,
  type UsageSeriesPointDTO,
} from './dashboard';
