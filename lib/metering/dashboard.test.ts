import { describe, expect, it } from 'vitest';
import type { AllowanceUsage } from './allowances';
import {
  allowanceLevel,
  allowanceRow,
  axisScale,
  bucketLabel,
  fillSeries,
  metricLabel,
  parseUsageSearch,
  policyText,
  seriesRange,
  usageCsvFilename,
  usageSeriesCsv,
} from './dashboard';
import { buildMetricCatalogue } from './metrics';

const catalogue = buildMetricCatalogue(
  JSON.stringify([{ key: 'gpu_seconds', unit: 'seconds', aggregation: 'sum' }]),
);
const iso = (dates: readonly Date[]) => dates.map((date) => date.toISOString());

describe('parseUsageSearch', () => {
  it('defaults to daily API calls', () => {
    expect(parseUsageSearch({}, catalogue)).toEqual({
      metric: 'api_calls',
      granularity: 'day',
      fieldErrors: {},
    });
    expect(parseUsageSearch({ metric: '', granularity: '' }, catalogue)).toMatchObject({
      metric: 'api_calls',
      granularity: 'day',
      fieldErrors: {},
    });
  });

  it('takes any catalogue metric, custom ones included, and the first of repeated values', () => {
    expect(
      parseUsageSearch({ metric: ['gpu_seconds', 'api_calls'], granularity: 'hour' }, catalogue),
    ).toEqual({ metric: 'gpu_seconds', granularity: 'hour', fieldErrors: {} });
    expect(parseUsageSearch({ metric: 'storage_bytes', granularity: 'month' }, catalogue)).toEqual({
      metric: 'storage_bytes',
      granularity: 'month',
      fieldErrors: {},
    });
  });

  it('reports an unknown metric or granularity and falls back to the default', () => {
    const parsed = parseUsageSearch({ metric: 'bitcoins', granularity: 'week' }, catalogue);
    expect(parsed.metric).toBe('api_calls');
    expect(parsed.granularity).toBe('day');
    expect(Object.keys(parsed.fieldErrors).sort()).toEqual(['granularity', 'metric']);
  });
});

describe('seriesRange', () => {
  const now = new Date('2026-11-15T12:34:56Z');

  it('covers the last 48 hours, ending with the current one', () => {
    const range = seriesRange('hour', now);
    expect(range.buckets).toHaveLength(48);
    expect(range.from.toISOString()).toBe('2026-11-13T13:00:00.000Z');
    expect(range.buckets.at(-1)!.toISOString()).toBe('2026-11-15T12:00:00.000Z');
    expect(range.to.toISOString()).toBe('2026-11-15T13:00:00.000Z');
  });

  it('covers the last 31 days, ending with today', () => {
    const range = seriesRange('day', now);
    expect(range.buckets).toHaveLength(31);
    expect(range.from.toISOString()).toBe('2026-10-16T00:00:00.000Z');
    expect(range.to.toISOString()).toBe('2026-11-16T00:00:00.000Z');
  });

  it('covers the last 12 calendar months, across a year boundary', () => {
    const range = seriesRange('month', new Date('2026-02-28T23:59:59Z'));
    expect(iso(range.buckets).slice(0, 2)).toEqual([
      '2025-03-01T00:00:00.000Z',
      '2025-04-01T00:00:00.000Z',
    ]);
    expect(range.buckets).toHaveLength(12);
    expect(range.buckets.at(-1)!.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(range.to.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});

describe('fillSeries', () => {
  it('keeps the figures it has and puts zeros in the other buckets', () => {
    const buckets = seriesRange('day', new Date('2026-11-15T00:00:00Z')).buckets.slice(-3);
    const point = { bucketStart: new Date('2026-11-14T00:00:00Z'), value: 7, events: 3 };
    expect(fillSeries([point], buckets)).toEqual([
      { bucketStart: buckets[0], value: 0, events: 0 },
      point,
      { bucketStart: buckets[2], value: 0, events: 0 },
    ]);
  });
});

describe('labels and scales', () => {
  it('names buckets by granularity, in UTC', () => {
    const at = new Date('2026-11-30T23:00:00Z');
    expect(bucketLabel('hour', at)).toBe('30 Nov, 23:00');
    expect(bucketLabel('day', at)).toBe('30 Nov 2026');
    expect(bucketLabel('month', new Date('2026-11-01T00:00:00Z'))).toBe('Nov 2026');
  });

  it('names metrics for people', () => {
    expect(metricLabel('api_calls')).toBe('API calls');
    expect(metricLabel('gpu_seconds')).toBe('Gpu seconds');
  });

  it('scales the value axis to the largest figure', () => {
    expect(axisScale('bytes', 0)).toEqual({ divisor: 1, unit: 'bytes' });
    expect(axisScale('bytes', 1023)).toEqual({ divisor: 1, unit: 'bytes' });
    expect(axisScale('bytes', 5 * 1024 ** 3)).toEqual({ divisor: 1024 ** 3, unit: 'GB' });
    expect(axisScale('bytes', 1024 ** 6)).toEqual({ divisor: 1024 ** 4, unit: 'TB' });
    expect(axisScale('milliseconds', 500)).toEqual({ divisor: 1, unit: 'ms' });
    expect(axisScale('milliseconds', 90_000)).toEqual({ divisor: 1000, unit: 'seconds' });
    expect(axisScale('milliseconds', 7_200_000)).toEqual({ divisor: 3_600_000, unit: 'hours' });
    expect(axisScale('calls', 1e9)).toEqual({ divisor: 1, unit: 'calls' });
  });
});

describe('CSV', () => {
  it('writes one line per bucket with a header, CRLF-terminated', () => {
    const csv = usageSeriesCsv([
      { bucketStart: new Date('2026-11-14T00:00:00Z'), value: 1.5, events: 2 },
      { bucketStart: new Date('2026-11-15T00:00:00Z'), value: 0, events: 0 },
    ]);
    expect(csv).toBe(
      'bucket_start,value,events\r\n2026-11-14T00:00:00.000Z,1.5,2\r\n2026-11-15T00:00:00.000Z,0,0\r\n',
    );
    expect(usageSeriesCsv([])).toBe('bucket_start,value,events\r\n');
  });

  it('names the file after the tenant, metric, granularity and day', () => {
    expect(
      usageCsvFilename({
        slug: 'acme',
        metric: 'api_calls',
        granularity: 'hour',
        now: new Date('2026-11-15T12:00:00Z'),
      }),
    ).toBe('usage-acme-api_calls-hour-2026-11-15.csv');
  });
});

describe('allowances', () => {
  it('changes level at 80 % and 100 %', () => {
    expect(allowanceLevel(null)).toBe('unlimited');
    expect(allowanceLevel(0)).toBe('ok');
    expect(allowanceLevel(79.99)).toBe('ok');
    expect(allowanceLevel(80)).toBe('warning');
    expect(allowanceLevel(99.9)).toBe('warning');
    expect(allowanceLevel(100)).toBe('exceeded');
    expect(allowanceLevel(250)).toBe('exceeded');
  });

  it('explains every policy in words', () => {
    expect(policyText('block', true)).toMatch(/refused until the allowance resets/);
    expect(policyText('block', false)).toMatch(/refused until usage goes down/);
    expect(policyText('allow', true)).toMatch(/billed as overage/);
    expect(policyText('notify', true)).toMatch(/admins are told/);
  });

  const period = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-12-01T00:00:00Z') };
  const now = new Date('2026-11-16T00:00:00Z'); // half the period gone
  const usage = (overrides: Partial<AllowanceUsage>): AllowanceUsage => ({
    limit: 'api_calls_per_month',
    metric: 'api_calls',
    unit: 'calls',
    used: 4000,
    allowance: 10_000,
    percent: 40,
    policy: 'block',
    overage: 0,
    resetsAt: period.end,
    ...overrides,
  });

  it('forecasts a monthly allowance and warns when the forecast passes it', () => {
    expect(allowanceRow(usage({}), period, now)).toMatchObject({
      forecast: 8000,
      forecastText: '8,000 calls',
      forecastExceeds: false,
      level: 'ok',
      resetText: '1 December 2026, 00:00 UTC',
    });
    expect(allowanceRow(usage({ used: 6000, percent: 60 }), period, now)).toMatchObject({
      forecast: 12_000,
      forecastExceeds: true,
    });
  });

  it('shows unlimited and gauge allowances without a forecast warning or reset', () => {
    expect(
      allowanceRow(usage({ allowance: null, percent: null, policy: 'notify' }), period, now),
    ).toMatchObject({ allowanceText: null, level: 'unlimited', forecastExceeds: false });
    expect(
      allowanceRow(
        usage({
          limit: 'storage_bytes',
          metric: 'storage_bytes',
          unit: 'bytes',
          used: 2048,
          allowance: 1024,
          percent: 200,
          overage: 1024,
          resetsAt: null,
        }),
        period,
        now,
      ),
    ).toMatchObject({
      label: 'Storage (bytes)',
      usedText: '2 KB',
      overageText: '1 KB',
      level: 'exceeded',
      monthly: false,
      forecast: null,
      resetText: null,
    });
  });
});
