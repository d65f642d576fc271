import { describe, expect, it } from 'vitest';
import { MAX_AGE_MS, MAX_FUTURE_MS, planBatch, validateUsageEvent } from './events';
import { buildMetricCatalogue } from './metrics';

const now = new Date('2026-11-30T12:00:00.000Z');
const catalogue = buildMetricCatalogue(
  JSON.stringify([
    { key: 'devices', unit: 'devices', aggregation: 'unique_count', uniqueBy: 'device' },
  ]),
);
const options = { catalogue, now };
const good = {
  metric: 'api_calls',
  value: 1,
  timestamp: '2026-11-30T11:59:00Z',
  idempotencyKey: 'k-1',
};

function errorsOf(event: unknown) {
  const result = validateUsageEvent(event, options);
  return result.ok ? [] : result.errors;
}

describe('validateUsageEvent', () => {
  it('accepts a good event, with empty properties by default', () => {
    expect(validateUsageEvent(good, options)).toEqual({
      ok: true,
      event: {
        metric: 'api_calls',
        value: 1,
        occurredAt: new Date('2026-11-30T11:59:00Z'),
        idempotencyKey: 'k-1',
        properties: {},
      },
    });
    expect(
      validateUsageEvent(
        { ...good, metric: 'compute_ms', value: 12.5, timestamp: '2026-11-30T13:59:00+02:00' },
        options,
      ).ok,
    ).toBe(true);
    expect(
      validateUsageEvent(
        { ...good, metric: 'devices', properties: { device: 'd1', beta: true, n: 2, x: null } },
        options,
      ).ok,
    ).toBe(true);
  });

  it.each([
    ['not an object', 42, 'event'],
    ['an array', [good], 'event'],
    ['null', null, 'event'],
    ['an unknown metric', { ...good, metric: 'api_cals' }, 'metric'],
    ['a missing metric', { ...good, metric: undefined }, 'metric'],
    ['a negative value', { ...good, metric: 'compute_ms', value: -1 }, 'value'],
    ['a string value', { ...good, value: '1' }, 'value'],
    ['a fractional count', { ...good, value: 1.5 }, 'value'],
    ['a zero count', { ...good, value: 0 }, 'value'],
    ['fractional bytes', { ...good, metric: 'egress_bytes', value: 10.5 }, 'value'],
    ['a timestamp without zone', { ...good, timestamp: '2026-11-30T11:59:00' }, 'timestamp'],
    ['a date only', { ...good, timestamp: '2026-11-30' }, 'timestamp'],
    ['an empty idempotency key', { ...good, idempotencyKey: '' }, 'idempotencyKey'],
    ['a long idempotency key', { ...good, idempotencyKey: 'k'.repeat(201) }, 'idempotencyKey'],
    ['nested properties', { ...good, properties: { a: { b: 1 } } }, 'properties.a'],
    ['properties as an array', { ...good, properties: ['a'] }, 'properties'],
    ['a bad property name', { ...good, properties: { 'a b': 1 } }, 'properties.a b'],
    [
      'too many properties',
      { ...good, properties: Object.fromEntries([...Array(21).keys()].map((i) => [`p${i}`, i])) },
      'properties',
    ],
    [
      'too large properties',
      {
        ...good,
        properties: Object.fromEntries(
          [...Array(10).keys()].map((i) => [`p${i}`, 'x'.repeat(250)]),
        ),
      },
      'properties',
    ],
    ['a long property string', { ...good, properties: { a: 'x'.repeat(257) } }, 'properties.a'],
    ['an unknown field', { ...good, extra: 1 }, 'event'],
    ['feature_usage without feature', { ...good, metric: 'feature_usage' }, 'properties.feature'],
    [
      'feature_usage with a numeric feature',
      { ...good, metric: 'feature_usage', properties: { feature: 3 } },
      'properties.feature',
    ],
    ['a unique_count without its property', { ...good, metric: 'devices' }, 'properties.device'],
  ])('refuses %s', (_name, event, field) => {
    expect(errorsOf(event).map((problem) => problem.field)).toContain(field);
  });

  it('refuses timestamps more than 5 minutes ahead or 35 days old, and accepts the edges', () => {
    const at = (ms: number) => ({ ...good, timestamp: new Date(ms).toISOString() });
    expect(errorsOf(at(now.getTime() + MAX_FUTURE_MS))).toEqual([]);
    expect(errorsOf(at(now.getTime() + MAX_FUTURE_MS + 1000))).toEqual([
      { field: 'timestamp', message: 'The timestamp is more than 5 minutes ahead.' },
    ]);
    expect(errorsOf(at(now.getTime() - MAX_AGE_MS))).toEqual([]);
    expect(errorsOf(at(now.getTime() - MAX_AGE_MS - 1000))).toEqual([
      { field: 'timestamp', message: 'The timestamp is more than 35 days old.' },
    ]);
  });

  it('reports every problem of an event at once', () => {
    const fields = errorsOf({ metric: 'nope', value: -1, timestamp: 'yesterday' }).map(
      (problem) => problem.field,
    );
    expect(fields).toEqual(
      expect.arrayContaining(['metric', 'value', 'timestamp', 'idempotencyKey']),
    );
  });
});

describe('planBatch', () => {
  it('keeps the first valid event of a key and marks later ones duplicates', () => {
    const { outcomes, candidates } = planBatch(
      [
        { ...good, idempotencyKey: 'a', value: 'bad' },
        { ...good, idempotencyKey: 'a' },
        { ...good, idempotencyKey: 'a', value: 2 },
        { ...good, idempotencyKey: 'b' },
        'junk',
      ],
      options,
    );
    expect(candidates.map((candidate) => candidate.index)).toEqual([1, 3]);
    expect(outcomes).toEqual([
      {
        index: 0,
        status: 'rejected',
        idempotencyKey: 'a',
        errors: [expect.objectContaining({ field: 'value' })],
      },
      { index: 2, status: 'duplicate', idempotencyKey: 'a' },
      { index: 4, status: 'rejected', errors: [expect.objectContaining({ field: 'event' })] },
    ]);
  });
});
