import 'server-only';
import { z } from 'zod';
import { rollupGranularities, type RollupGranularity } from '@/db/schema';
import type { Transaction } from '@/db/scope';
import { limits, meteredLimits, type MeteredLimit, type OveragePolicy } from '@/lib/plans';
import {
  allowancesOf,
  entitledOf,
  meteredFigures,
  periodOf,
  type AllowanceUsage,
} from './allowances';
import { addBuckets, bucketStartOf } from './buckets';
import { BYTE_UNITS, formatQuantity, formatResetTime } from './format';
import { metricCatalogue } from './ingest';
import type { MetricCatalogue } from './metrics';
import { usageNotices } from './notifications';
import { forecastPeriodEnd, topDimensions, usageSeries, type UsagePoint } from './query';

/**
 * The tenant usage page (/settings/usage) and its CSV export: one loader that combines the
 * metering module's queries into serialisable DTOs, and the pure pieces around it (search
 * parameters, chart ranges, empty buckets, axis scale, CSV), kept apart so they are unit-tested.
 */

export const usageGranularities = rollupGranularities;
export type UsageGranularity = RollupGranularity;

export const DEFAULT_USAGE_METRIC = 'api_calls';
export const DEFAULT_USAGE_GRANULARITY: UsageGranularity = 'day';
/** The metric whose dimension is the API route (the operationId); its month gives the top routes. */
export const API_CALLS_METRIC = 'api_calls';
const TOP_ROUTES = 10;
/** Progress bars change colour at these percentages. */
export const WARNING_PERCENT = 80;
export const EXCEEDED_PERCENT = 100;

/** How each granularity reads in the controls. */
export const usageGranularityLabels: Readonly<Record<UsageGranularity, string>> = {
  hour: 'Hourly, last 48 hours',
  day: 'Daily, last 31 days',
  month: 'Monthly, last 12 months',
};

const builtInLabels: Readonly<Record<string, string>> = {
  api_calls: 'API calls',
  compute_ms: 'Compute time',
  egress_bytes: 'Network egress',
  storage_bytes: 'Storage',
  active_members: 'Active members',
  feature_usage: 'Feature uses',
};

/** A metric's name for people: the built-ins' own, a custom key with its underscores as spaces. */
export function metricLabel(key: string): string {
  const known = builtInLabels[key];
  if (known) return known;
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

type Query = Record<string, string | string[] | undefined>;
const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * ?metric=&granularity= of the usage page and its export. Absent values take the defaults (API
 * calls, daily); a metric outside the catalogue or an unknown granularity is reported in
 * `fieldErrors` and replaced by the default, so the page still shows something.
 */
export function parseUsageSearch(
  query: Query,
  catalogue: MetricCatalogue = metricCatalogue(),
): {
  metric: string;
  granularity: UsageGranularity;
  fieldErrors: Record<string, string[]>;
} {
  const fieldErrors: Record<string, string[]> = {};
  const metric = first(query.metric) || DEFAULT_USAGE_METRIC;
  const granularity = z.enum(usageGranularities).safeParse(first(query.granularity) || 'day');
  if (!catalogue.has(metric)) fieldErrors.metric = ['Choose one of the metrics in the list.'];
  if (!granularity.success) fieldErrors.granularity = ['Choose hourly, daily or monthly.'];
  return {
    metric: catalogue.has(metric) ? metric : DEFAULT_USAGE_METRIC,
    granularity: granularity.success ? granularity.data : DEFAULT_USAGE_GRANULARITY,
    fieldErrors,
  };
}

const HOUR_MS = 3_600_000;
const RANGE_BUCKETS: Readonly<Record<UsageGranularity, number>> = { hour: 48, day: 31, month: 12 };

/**
 * The buckets a chart shows, oldest first, ending with the one `now` is in: the last 48 hours,
 * 31 days or 12 months (UTC). `from` is the first bucket's start, `to` the end of the last.
 */
export function seriesRange(
  granularity: UsageGranularity,
  now: Date,
): { from: Date; to: Date; buckets: Date[] } {
  const current = bucketStartOf(now, granularity);
  const count = RANGE_BUCKETS[granularity];
  const buckets = Array.from({ length: count }, (_, i) =>
    addBuckets(current, granularity, i - (count - 1)),
  );
  return { from: buckets[0]!, to: addBuckets(current, granularity, 1), buckets };
}

/** Every bucket of the range, with the series' figures where it has some and zeros elsewhere. */
export function fillSeries(points: readonly UsagePoint[], buckets: readonly Date[]): UsagePoint[] {
  const byTime = new Map(points.map((point) => [point.bucketStart.getTime(), point]));
  return buckets.map(
    (bucketStart) => byTime.get(bucketStart.getTime()) ?? { bucketStart, value: 0, events: 0 },
  );
}

/** "30 Nov, 14:00" (hour), "30 Nov 2026" (day), "Nov 2026" (month), UTC. */
export function bucketLabel(granularity: UsageGranularity, at: Date): string {
  if (granularity === 'month')
    return at.toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const day = at.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    ...(granularity === 'day' ? { year: 'numeric' } : {}),
    timeZone: 'UTC',
  });
  return granularity === 'hour' ? `${day}, ${at.toISOString().slice(11, 16)}` : day;
}

/**
 * The chart's value axis: what to divide the figures by and the unit that leaves, chosen from the
 * largest figure (bytes in KB…TB, milliseconds in s or h), so ticks read "1.5" with "GB" beside.
 */
export function axisScale(unit: string, max: number): { divisor: number; unit: string } {
  if (unit === 'bytes') {
    let index = 0;
    while (index < BYTE_UNITS.length - 1 && max >= 1024 ** (index + 1)) index++;
    return { divisor: 1024 ** index, unit: BYTE_UNITS[index]! };
  }
  if (unit === 'milliseconds') {
    if (max >= HOUR_MS) return { divisor: HOUR_MS, unit: 'hours' };
    if (max >= 1000) return { divisor: 1000, unit: 'seconds' };
    return { divisor: 1, unit: 'ms' };
  }
  return { divisor: 1, unit };
}

/** The series as CSV (RFC 4180, CRLF): bucket_start (ISO 8601, UTC), value, events. */
export function usageSeriesCsv(points: readonly UsagePoint[]): string {
  const lines = ['bucket_start,value,events'];
  for (const point of points)
    lines.push(`${point.bucketStart.toISOString()},${point.value},${point.events}`);
  return `${lines.join('\r\n')}\r\n`;
}

/** The download's name: `usage-<slug>-<metric>-<granularity>-<YYYY-MM-DD>.csv`. */
export function usageCsvFilename(params: {
  slug: string;
  metric: string;
  granularity: UsageGranularity;
  now: Date;
}): string {
  return `usage-${params.slug}-${params.metric}-${params.granularity}-${params.now.toISOString().slice(0, 10)}.csv`;
}

/** What an overage policy does, in words. */
export function policyText(policy: OveragePolicy, monthly: boolean): string {
  if (policy === 'block')
    return monthly
      ? 'Blocked when used up: work that needs more is refused until the allowance resets.'
      : 'Blocked when used up: work that needs more is refused until usage goes down.';
  if (policy === 'allow')
    return 'Overage allowed: usage past the allowance keeps working and is billed as overage.';
  return 'Notify only: usage past the allowance keeps working; admins are told by e-mail.';
}

export type AllowanceLevel = 'ok' | 'warning' | 'exceeded' | 'unlimited';

export function allowanceLevel(percent: number | null): AllowanceLevel {
  if (percent === null) return 'unlimited';
  if (percent >= EXCEEDED_PERCENT) return 'exceeded';
  if (percent >= WARNING_PERCENT) return 'warning';
  return 'ok';
}

export type UsageAllowanceDTO = {
  limit: MeteredLimit;
  label: string;
  metric: string;
  unit: string;
  used: number;
  usedText: string;
  /** null = unlimited. */
  allowance: number | null;
  allowanceText: string | null;
  percent: number | null;
  level: AllowanceLevel;
  policy: OveragePolicy;
  policyText: string;
  monthly: boolean;
  /** ISO; monthly allowances only. */
  resetsAt: string | null;
  resetText: string | null;
  /** The period's expected end figure; monthly allowances only. */
  forecast: number | null;
  forecastText: string | null;
  /** The forecast goes past a limited allowance. */
  forecastExceeds: boolean;
  overageText: string | null;
};

/** One allowance row of the page, from the metering figures. */
export function allowanceRow(
  usage: AllowanceUsage,
  period: { start: Date; end: Date },
  now: Date,
): UsageAllowanceDTO {
  const { monthly } = meteredLimits[usage.limit];
  const forecast = monthly
    ? forecastPeriodEnd({ used: usage.used, cumulative: true, period, now })
    : null;
  return {
    limit: usage.limit,
    label: limits[usage.limit],
    metric: usage.metric,
    unit: usage.unit,
    used: usage.used,
    usedText: formatQuantity(usage.unit, usage.used),
    allowance: usage.allowance,
    allowanceText: usage.allowance === null ? null : formatQuantity(usage.unit, usage.allowance),
    percent: usage.percent,
    level: allowanceLevel(usage.percent),
    policy: usage.policy,
    policyText: policyText(usage.policy, monthly),
    monthly,
    resetsAt: usage.resetsAt?.toISOString() ?? null,
    resetText: usage.resetsAt ? formatResetTime(usage.resetsAt) : null,
    forecast,
    forecastText: forecast === null ? null : formatQuantity(usage.unit, Math.round(forecast)),
    forecastExceeds: forecast !== null && usage.allowance !== null && forecast > usage.allowance,
    overageText: usage.overage > 0 ? formatQuantity(usage.unit, usage.overage) : null,
  };
}

export type UsageSeriesPointDTO = {
  /** ISO 8601, UTC. */
  bucketStart: string;
  label: string;
  value: number;
  valueText: string;
  events: number;
};

export type UsageRouteDTO = {
  /** The operationId; '' for calls recorded without one. */
  route: string;
  calls: number;
  callsText: string;
  /** Of the month's API calls, 0–1. */
  share: number;
  shareText: string;
};

export type UsageNoticeDTO = {
  id: string;
  label: string;
  threshold: number;
  text: string;
  /** ISO 8601. */
  at: string;
};

export type UsageDashboardDTO = {
  metrics: { key: string; label: string; unit: string; description: string }[];
  metric: { key: string; label: string; unit: string; description: string; gauge: boolean };
  granularity: UsageGranularity;
  series: UsageSeriesPointDTO[];
  /** The series' total (its largest figure for gauges), formatted. */
  seriesSummary: string;
  axis: { divisor: number; unit: string };
  period: { start: string; end: string; label: string };
  allowances: UsageAllowanceDTO[];
  topRoutes: UsageRouteDTO[];
  notices: UsageNoticeDTO[];
  /** False until the tenant has any usage rolled up in the period or the chart's range. */
  hasUsage: boolean;
};

/** A metric's series over the chart's range, every bucket present (the chart and the CSV). */
export async function loadUsageSeries(
  tx: Transaction,
  params: { tenantId: string; metric: string; granularity: UsageGranularity; now?: Date },
): Promise<UsagePoint[]> {
  const { from, to, buckets } = seriesRange(params.granularity, params.now ?? new Date());
  const points = await usageSeries(tx, {
    tenantId: params.tenantId,
    metric: params.metric,
    granularity: params.granularity,
    from,
    to,
  });
  return fillSeries(points, buckets);
}

const metricByLimit = new Map(
  (Object.entries(meteredLimits) as [MeteredLimit, { metric: string }][]).map(
    ([limit, { metric }]) => [metric, limit],
  ),
);

/**
 * Everything the usage page shows for the transaction's tenant: the metric's series, each metered
 * allowance this period (with its forecast), the month's top API routes and the allowance
 * notices. Plan and overrides are read from the tenant's own row, so the page agrees with what
 * the API enforces.
 */
export async function loadUsageDashboard(
  tx: Transaction,
  params: { tenantId: string; metric: string; granularity: UsageGranularity; now?: Date },
): Promise<UsageDashboardDTO> {
  const now = params.now ?? new Date();
  const catalogue = metricCatalogue();
  const definition = catalogue.get(params.metric);
  if (!definition) throw new Error(`unknown metric ${params.metric}`);
  const period = periodOf(now);

  const tenant = await entitledOf(tx, params.tenantId);

  const figures = await meteredFigures(tx, params.tenantId, now);
  const points = await loadUsageSeries(tx, { ...params, now });
  const routes = await topDimensions(tx, {
    tenantId: params.tenantId,
    metric: API_CALLS_METRIC,
    monthStart: period.start,
    limit: TOP_ROUTES,
  });
  const notices = await usageNotices(tx, { tenantId: params.tenantId, periodStart: period.start });

  const allowances = allowancesOf(tenant, figures, now).map((usage) =>
    allowanceRow(usage, period, now),
  );
  const gauge = definition.aggregation === 'max';
  const values = points.map((point) => point.value);
  const summary = gauge ? Math.max(0, ...values) : values.reduce((sum, value) => sum + value, 0);
  const apiCalls = figures[API_CALLS_METRIC] ?? routes.reduce((sum, route) => sum + route.value, 0);
  const apiCallsUnit = catalogue.get(API_CALLS_METRIC)?.unit ?? 'calls';

  return {
    metrics: [...catalogue.values()].map((metric) => ({
      key: metric.key,
      label: metricLabel(metric.key),
      unit: metric.unit,
      description: metric.description,
    })),
    metric: {
      key: definition.key,
      label: metricLabel(definition.key),
      unit: definition.unit,
      description: definition.description,
      gauge,
    },
    granularity: params.granularity,
    series: points.map((point) => ({
      bucketStart: point.bucketStart.toISOString(),
      label: bucketLabel(params.granularity, point.bucketStart),
      value: point.value,
      valueText: formatQuantity(definition.unit, point.value),
      events: point.events,
    })),
    seriesSummary: formatQuantity(definition.unit, summary),
    axis: axisScale(definition.unit, Math.max(0, ...values)),
    period: {
      start: period.start.toISOString(),
      end: period.end.toISOString(),
      label: period.start.toLocaleDateString('en-GB', {
        month: 'long',
        year: 'numeric',
        timeZone: 'UTC',
      }),
    },
    allowances,
    topRoutes: routes.map((route) => {
      const share = apiCalls > 0 ? route.value / apiCalls : 0;
      return {
        route: route.dimension,
        calls: route.value,
        callsText: formatQuantity(apiCallsUnit, route.value),
        share,
        shareText: `${(share * 100).toLocaleString('en', { maximumFractionDigits: 1 })} %`,
      };
    }),
    notices: notices.map((notice) => {
      const limit = metricByLimit.get(notice.metric);
      const label = limit ? limits[limit] : metricLabel(notice.metric);
      const unit = catalogue.get(notice.metric)?.unit ?? '';
      return {
        id: notice.id,
        label,
        threshold: notice.threshold,
        text: `${label}: ${notice.threshold} % reached — ${formatQuantity(unit, notice.used)} of ${formatQuantity(unit, notice.allowance)}.`,
        at: notice.createdAt.toISOString(),
      };
    }),
    hasUsage:
      points.some((point) => point.events > 0) ||
      Object.values(figures).some((value) => (value ?? 0) > 0) ||
      routes.length > 0,
  };
}
