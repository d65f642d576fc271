import { describe, expect, it } from 'vitest';
import { buildMetricCatalogue, builtInMetrics } from './metrics';
import { parseEnv } from '@/lib/env';

describe('the metric catalogue', () => {
  it('has the built-ins, counts in whole numbers, and feature_usage needs a feature', () => {
    const catalogue = buildMetricCatalogue();
    expect([...catalogue.keys()]).toEqual([
      'api_calls',
      'compute_ms',
      'egress_bytes',
      'storage_bytes',
      'active_members',
      'feature_usage',
    ]);
    expect(catalogue.get('api_calls')).toMatchObject({ aggregation: 'count', integer: true });
    expect(catalogue.get('compute_ms')).toMatchObject({ aggregation: 'sum', integer: false });
    expect(catalogue.get('storage_bytes')).toMatchObject({ aggregation: 'max', integer: true });
    expect(catalogue.get('feature_usage')?.requiredProperties).toEqual(['feature']);
    expect(builtInMetrics).toHaveLength(6);
  });

  it('adds valid custom metrics from JSON; unique_count requires its property', () => {
    const catalogue = buildMetricCatalogue(
      JSON.stringify([
        { key: 'reports_generated', unit: 'reports', aggregation: 'count' },
        { key: 'active_devices', unit: 'devices', aggregation: 'unique_count', uniqueBy: 'device' },
      ]),
    );
    expect(catalogue.get('reports_generated')).toMatchObject({ integer: true, description: '' });
    expect(catalogue.get('active_devices')?.requiredProperties).toEqual(['device']);
    expect(buildMetricCatalogue('  ').size).toBe(6);
  });

  it.each([
    ['not json', /not valid JSON/],
    ['{"key":"x"}', /invalid/],
    ['[{"key":"Bad Key","unit":"u","aggregation":"sum"}]', /invalid/],
    ['[{"key":"devices","unit":"u","aggregation":"unique_count"}]', /uniqueBy/],
    ['[{"key":"devices","unit":"u","aggregation":"sum","uniqueBy":"d"}]', /uniqueBy/],
    ['[{"key":"devices","unit":"u","aggregation":"median"}]', /invalid/],
    ['[{"key":"api_calls","unit":"u","aggregation":"sum"}]', /twice/],
    ['[{"key":"x_y","unit":"u","aggregation":"sum","extra":1}]', /invalid/],
  ])('refuses %s', (json, message) => {
    expect(() => buildMetricCatalogue(json)).toThrow(message);
  });

  it('is checked with the rest of the configuration at start-up', () => {
    expect(() => parseEnv({ BILLABLE_METRICS: '[{"key":"x"}]' })).toThrow(/BILLABLE_METRICS/);
    expect(
      parseEnv({ BILLABLE_METRICS: '[{"key":"seats_x","unit":"u","aggregation":"max"}]' })
        .BILLABLE_METRICS,
    ).toContain('seats_x');
  });
});
