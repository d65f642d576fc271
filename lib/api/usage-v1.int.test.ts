import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { activityEvents, usageEvents, type RollupGranularity } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { createApiKey, type ApiScope } from '@/lib/api-keys';
import { refreshUsageRollups } from '@/lib/metering';
import * as usage from '@/app/api/v1/usage/route';

vi.hoisted(() => {
  // Two custom metrics, so every aggregation is served (the built-ins have no unique_count).
  // lib/env is read once per test file, before the imports above run.
  vi.stubEnv(
    'BILLABLE_METRICS',
    JSON.stringify([
      { key: 'reports_generated', unit: 'reports', aggregation: 'sum' },
      { key: 'active_devices', unit: 'devices', aggregation: 'unique_count', uniqueBy: 'device' },
    ]),
  );
});

type Tenant = { id: string; slug: string };
type RawEvent = {
  tenantId: string;
  metric: string;
  value: number;
  occurredAt: Date;
  properties: Record<string, string>;
};
type Series = {
  metric: string;
  unit: string;
  aggregation: string;
  granularity: RollupGranularity;
  from: string;
  to: string;
  total: number | null;
  data: { bucketStart: string; value: number; events: number }[];
};
type ErrorBody = { error: { code: string; message: string; details?: Record<string, string[]> } };

let handle: DatabaseHandle;
let acme: Tenant;
let globex: Tenant;
let acmeKey: string;
let globexKey: string;
const inserted: RawEvent[] = [];

async function keyFor(tenant: Tenant, scopes: ApiScope[] = ['usage:read']) {
  const { key } = await withTenant(tenant.id, (tx) =>
    createApiKey(tx, {
      tenantId: tenant.id,
      name: 'usage test',
      scopes,
      actor: { type: 'system', id: null },
    }),
  );
  return key;
}

async function insertEvents(events: RawEvent[]) {
  await withPlatform((tx) =>
    tx.insert(usageEvents).values(
      events.map((event) => ({
        ...event,
        idempotencyKey: randomUUID(),
        source: 'system' as const,
      })),
    ),
  );
  inserted.push(...events);
}

/** Runs the rollup job to completion; on a shared server another suite's run may hold the lock. */
async function rollUp() {
  await refreshUsageRollups({ wait: true });
}

async function get(
  params: Record<string, string>,
  call: { tenant?: Tenant; key?: string } = {},
): Promise<Response> {
  const tenant = call.tenant ?? acme;
  const headers: Record<string, string> = {
    'x-request-id': randomUUID(),
    host: `${tenant.slug}.localhost:3000`,
    'x-tenantry-tenant': tenant.slug,
    authorization: `Bearer ${call.key ?? acmeKey}`,
  };
  const url = `http://${tenant.slug}.localhost:3000/api/v1/usage?${new URLSearchParams(params)}`;
  return usage.GET(new Request(url, { headers }), { params: Promise.resolve({}) });
}

async function series(
  params: Record<string, string>,
  call?: { tenant?: Tenant; key?: string },
): Promise<Series> {
  const response = await get(params, call);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Series;
}

async function refused(params: Record<string, string>): Promise<ErrorBody['error']> {
  const response = await get(params);
  expect(response.status, JSON.stringify(params)).toBe(400);
  const { error } = (await response.json()) as ErrorBody;
  expect(error.code).toBe('invalid_input');
  return error;
}

function bucketStartOf(at: Date, granularity: RollupGranularity): Date {
  if (granularity === 'hour')
    return new Date(
      Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), at.getUTCHours()),
    );
  if (granularity === 'day')
    return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

const unitOf: Record<string, string> = {
  feature_usage: 'uses',
  reports_generated: 'reports',
  storage_bytes: 'bytes',
  active_devices: 'devices',
};

const aggregationOf: Record<string, 'count' | 'sum' | 'max' | 'unique_count'> = {
  feature_usage: 'count',
  reports_generated: 'sum',
  storage_bytes: 'max',
  active_devices: 'unique_count',
};

/** What the API should answer, computed straight from the raw events this suite inserted. */
function expectedFrom(
  tenant: Tenant,
  metric: string,
  granularity: RollupGranularity,
  from: Date,
  to: Date,
) {
  const buckets = new Map<number, RawEvent[]>();
  for (const event of inserted) {
    if (event.tenantId !== tenant.id || event.metric !== metric) continue;
    const start = bucketStartOf(event.occurredAt, granularity).getTime();
    if (start < from.getTime() || start >= to.getTime()) continue;
    buckets.set(start, [...(buckets.get(start) ?? []), event]);
  }
  const aggregation = aggregationOf[metric]!;
  const data = [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, events]) => {
      const values = events.map((event) => event.value);
      const value =
        aggregation === 'max'
          ? Math.max(...values)
          : aggregation === 'unique_count'
            ? new Set(events.map((event) => event.properties.device)).size
            : values.reduce((sum, v) => sum + v, 0);
      return { bucketStart: new Date(start).toISOString(), value, events: events.length };
    });
  const total =
    aggregation === 'unique_count'
      ? null
      : aggregation === 'max'
        ? data.length
          ? Math.max(...data.map((point) => point.value))
          : null
        : data.reduce((sum, point) => sum + point.value, 0);
  return { data, total };
}

const at = (iso: string) => new Date(iso);

/** Events across hour, day and month boundaries (end of March into April 2025), every aggregation. */
function historyOf(tenant: Tenant, scale: number): RawEvent[] {
  const event = (
    metric: string,
    iso: string,
    value: number,
    properties: Record<string, string> = {},
  ): RawEvent => ({ tenantId: tenant.id, metric, value, occurredAt: at(iso), properties });
  return [
    event('feature_usage', '2025-03-30T22:10:00Z', 1 * scale, { feature: 'export' }),
    event('feature_usage', '2025-03-30T22:50:00Z', 1 * scale, { feature: 'import' }),
    event('feature_usage', '2025-03-30T23:05:00Z', 2 * scale, { feature: 'export' }),
    event('feature_usage', '2025-03-31T09:00:00Z', 1 * scale, { feature: 'export' }),
    event('feature_usage', '2025-04-01T00:00:00Z', 3 * scale, { feature: 'export' }),
    event('feature_usage', '2025-04-15T12:30:00Z', 1 * scale, { feature: 'import' }),
    event('storage_bytes', '2025-03-30T22:10:00Z', 100 * scale),
    event('storage_bytes', '2025-03-30T22:40:00Z', 500 * scale),
    event('storage_bytes', '2025-03-30T23:30:00Z', 300 * scale),
    event('storage_bytes', '2025-04-01T01:00:00Z', 50 * scale),
    event('storage_bytes', '2025-04-20T08:00:00Z', 900 * scale),
    event('reports_generated', '2025-03-30T22:15:00Z', 1.5 * scale),
    event('reports_generated', '2025-03-30T22:45:00Z', 2.25 * scale),
    event('reports_generated', '2025-03-31T23:59:59Z', 0.5 * scale),
    event('reports_generated', '2025-04-02T10:00:00Z', 4 * scale),
    event('active_devices', '2025-03-30T22:01:00Z', 1, { device: `${tenant.slug}-a` }),
    event('active_devices', '2025-03-30T22:31:00Z', 1, { device: `${tenant.slug}-b` }),
    event('active_devices', '2025-03-30T22:59:00Z', 1, { device: `${tenant.slug}-a` }),
    event('active_devices', '2025-03-30T23:10:00Z', 1, { device: `${tenant.slug}-a` }),
    event('active_devices', '2025-03-31T12:00:00Z', 1, { device: `${tenant.slug}-c` }),
    event('active_devices', '2025-04-03T12:00:00Z', 1, { device: `${tenant.slug}-a` }),
  ];
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  acme = await createTenant({ plan: 'pro' });
  globex = await createTenant({ plan: 'pro' });
  acmeKey = await keyFor(acme);
  globexKey = await keyFor(globex);
  await insertEvents([...historyOf(acme, 1), ...historyOf(globex, 1000)]);
  await rollUp();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await teardownTestDatabase(handle);
});

const windows: Record<RollupGranularity, { from: string; to: string }> = {
  hour: { from: '2025-03-30T00:00:00Z', to: '2025-04-29T00:00:00Z' },
  day: { from: '2025-03-01T00:00:00Z', to: '2025-05-01T00:00:00Z' },
  month: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
};

describe('GET /api/v1/usage: the series', () => {
  const cases = Object.keys(aggregationOf).flatMap((metric) =>
    (['hour', 'day', 'month'] as const).map((granularity) => [metric, granularity] as const),
  );

  it.each(cases)(
    '%s per %s: each bucket equals the raw events’ aggregate, the total follows the aggregation',
    async (metric, granularity) => {
      const window = windows[granularity];
      const answer = await series({ metric, granularity, ...window });
      const expected = expectedFrom(acme, metric, granularity, at(window.from), at(window.to));
      expect(expected.data.length).toBeGreaterThan(1);
      expect(answer).toEqual({
        metric,
        unit: unitOf[metric],
        aggregation: aggregationOf[metric],
        granularity,
        from: at(window.from).toISOString(),
        to: at(window.to).toISOString(),
        total: expected.total,
        data: expected.data,
      });
    },
  );

  it('gives distinct counts per bucket for unique_count, and a null total rather than their sum', async () => {
    const day = await series({ metric: 'active_devices', granularity: 'day', ...windows.day });
    expect(day.data.map((point) => [point.bucketStart.slice(0, 10), point.value])).toEqual([
      ['2025-03-30', 2],
      ['2025-03-31', 1],
      ['2025-04-03', 1],
    ]);
    expect(day.total).toBeNull();
    // One month's bucket is that month's distinct count (a, b, c), not 2 + 1 of its days.
    const month = await series({
      metric: 'active_devices',
      granularity: 'month',
      from: '2025-03-01T00:00:00Z',
      to: '2025-04-01T00:00:00Z',
    });
    expect(month.data).toEqual([{ bucketStart: '2025-03-01T00:00:00.000Z', value: 3, events: 5 }]);
  });

  it('includes a bucket when its start is in [from, to), and answers the window in UTC', async () => {
    const answer = await series({
      metric: 'feature_usage',
      granularity: 'hour',
      from: '2025-03-31T00:30:00+02:00', // 22:30 UTC: the 22:00 bucket starts before it
      to: '2025-04-01T00:00:00Z', // the 00:00 bucket starts at it: left out
    });
    expect(answer.from).toBe('2025-03-30T22:30:00.000Z');
    expect(answer.to).toBe('2025-04-01T00:00:00.000Z');
    expect(answer.data).toEqual([
      { bucketStart: '2025-03-30T23:00:00.000Z', value: 2, events: 1 },
      { bucketStart: '2025-03-31T09:00:00.000Z', value: 1, events: 1 },
    ]);
    expect(answer.total).toBe(3);

    const empty = await series({
      metric: 'storage_bytes',
      from: '2024-01-01T00:00:00Z',
      to: '2024-02-01T00:00:00Z',
    });
    expect(empty).toMatchObject({ granularity: 'day', data: [], total: null });
    const none = await series({
      metric: 'feature_usage',
      from: '2024-01-01T00:00:00Z',
      to: '2024-02-01T00:00:00Z',
    });
    expect(none).toMatchObject({ data: [], total: 0 });
  });

  it('reads the rollups only: a new event shows once the rollup job has run', async () => {
    const window = { metric: 'reports_generated', granularity: 'day', ...windows.day };
    const before = await series(window);
    await insertEvents([
      {
        tenantId: acme.id,
        metric: 'reports_generated',
        value: 8,
        occurredAt: at('2025-04-02T11:00:00Z'),
        properties: {},
      },
    ]);
    expect(await series(window)).toEqual(before);
    await rollUp();
    const after = await series(window);
    expect(after.total).toBe(before.total! + 8);
    expect(after.data).toEqual(
      expectedFrom(acme, 'reports_generated', 'day', at(windows.day.from), at(windows.day.to)).data,
    );
  });
});

describe('GET /api/v1/usage: defaults', () => {
  /** The default window computed around the call: a boundary may pass in between, so either. */
  async function expectDefaultWindow(granularity: RollupGranularity | undefined) {
    const g = granularity ?? 'day';
    const windowAt = (now: Date) => {
      const start = bucketStartOf(now, g);
      const to =
        g === 'hour'
          ? new Date(start.getTime() + 3_600_000)
          : g === 'day'
            ? new Date(start.getTime() + 86_400_000)
            : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
      const from =
        g === 'hour'
          ? new Date(to.getTime() - 24 * 3_600_000)
          : g === 'day'
            ? new Date(to.getTime() - 30 * 86_400_000)
            : new Date(Date.UTC(to.getUTCFullYear() - 1, to.getUTCMonth(), 1));
      return { from: from.toISOString(), to: to.toISOString() };
    };
    const before = windowAt(new Date());
    const answer = await series({
      metric: 'feature_usage',
      ...(granularity ? { granularity } : {}),
    });
    const after = windowAt(new Date());
    expect(answer.granularity).toBe(g);
    expect({ from: answer.from, to: answer.to }).toEqual(expect.toBeOneOf([before, after]));
    return answer;
  }

  it('answers the last 30 days by day, current day included, when only the metric is given', async () => {
    const now = new Date();
    const recent = {
      tenantId: acme.id,
      metric: 'feature_usage',
      value: 7,
      properties: { feature: 'export' },
    };
    await insertEvents([
      { ...recent, occurredAt: now },
      { ...recent, value: 11, occurredAt: new Date(now.getTime() - 45 * 86_400_000) },
    ]);
    await rollUp();
    const answer = await expectDefaultWindow(undefined);
    expect(answer.data).toEqual([
      { bucketStart: bucketStartOf(now, 'day').toISOString(), value: 7, events: 1 },
    ]);
    expect(answer.total).toBe(7);
  });

  it('answers the last 24 hours by hour and the last 12 months by month', async () => {
    const hourly = await expectDefaultWindow('hour');
    expect(hourly.data.every((point) => point.bucketStart >= hourly.from)).toBe(true);
    const monthly = await expectDefaultWindow('month');
    expect(monthly.data.map((point) => point.bucketStart)).toContain(
      bucketStartOf(new Date(), 'month').toISOString(),
    );
  });

  it('counts back from a given `to`, and up to the current bucket from a given `from`', async () => {
    const back = await series({ metric: 'feature_usage', to: '2025-04-16T00:00:00Z' });
    expect(back.from).toBe('2025-03-17T00:00:00.000Z');
    expect(back.total).toBe(
      expectedFrom(acme, 'feature_usage', 'day', at(back.from), at(back.to)).total,
    );
    const month = await series({
      metric: 'storage_bytes',
      granularity: 'month',
      to: '2025-05-01T00:00:00Z',
    });
    expect(month.from).toBe('2024-05-01T00:00:00.000Z');
    expect(month.total).toBe(900);
    const forward = await series({
      metric: 'feature_usage',
      granularity: 'hour',
      from: new Date(Date.now() - 3 * 3_600_000).toISOString(),
    });
    expect(new Date(forward.to).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(forward.to).getUTCMinutes()).toBe(0);
  });
});

describe('GET /api/v1/usage: refusals', () => {
  it('refuses an unknown or missing metric, listing the known ones', async () => {
    const unknown = await refused({ metric: 'api_cals' });
    expect(unknown.details?.metric?.[0]).toMatch(/^Unknown metric: api_cals\. Known metrics: /);
    for (const known of ['api_calls', 'feature_usage', 'storage_bytes', 'active_devices'])
      expect(unknown.details?.metric?.[0]).toContain(known);
    const missing = await refused({ granularity: 'day' });
    expect(missing.details).toEqual({ metric: ['Name a metric.'] });
  });

  it('refuses a granularity other than hour, day or month', async () => {
    for (const granularity of ['week', 'HOUR', '']) {
      const error = await refused({ metric: 'feature_usage', granularity });
      expect(error.details).toEqual({ granularity: ['Use hour, day or month.'] });
    }
  });

  it('refuses dates without a zone or not ISO 8601', async () => {
    for (const value of ['2025-03-01T00:00:00', '2025-03-01', 'yesterday', '1743465600']) {
      const error = await refused({ metric: 'feature_usage', from: value });
      expect(Object.keys(error.details ?? {}), value).toEqual(['from']);
      const late = await refused({ metric: 'feature_usage', to: value });
      expect(Object.keys(late.details ?? {}), value).toEqual(['to']);
    }
  });

  it('refuses from ≥ to, given or defaulted', async () => {
    const windows: Record<string, string>[] = [
      { from: '2025-04-01T00:00:00Z', to: '2025-04-01T00:00:00Z' },
      { from: '2025-04-02T00:00:00Z', to: '2025-04-01T00:00:00Z' },
      { from: '2025-04-01T02:00:00+02:00', to: '2025-04-01T00:00:00Z' },
      { from: new Date(Date.now() + 3 * 86_400_000).toISOString() },
    ];
    for (const window of windows) {
      const error = await refused({ metric: 'feature_usage', ...window });
      expect(error.details?.from?.[0], JSON.stringify(window)).toMatch(/must be before to/);
    }
  });

  it('refuses a window longer than the granularity allows, and takes the longest allowed', async () => {
    const cases = [
      ['hour', '2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z', '2025-04-01T00:00:01Z', '31 days'],
      ['day', '2024-01-01T00:00:00Z', '2025-02-04T00:00:00Z', '2025-02-05T00:00:00Z', '400 days'],
      ['month', '2015-04-01T00:00:00Z', '2025-04-01T00:00:00Z', '2025-04-02T00:00:00Z', '10 years'],
    ] as const;
    for (const [granularity, from, longestTo, tooFarTo, limit] of cases) {
      const longest = await series({ metric: 'feature_usage', granularity, from, to: longestTo });
      expect(longest.granularity).toBe(granularity);
      const error = await refused({ metric: 'feature_usage', granularity, from, to: tooFarTo });
      expect(error.details?.from?.[0]).toContain(
        `A granularity=${granularity} series spans at most ${limit}`,
      );
    }
  });

  it('answers 403 without the usage:read scope, and counts the request (RateLimit headers)', async () => {
    for (const scopes of [['usage:write'], ['documents:read']] as ApiScope[][]) {
      const key = await keyFor(acme, scopes);
      const response = await get({ metric: 'feature_usage' }, { key });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({
        error: { code: 'forbidden', message: expect.stringContaining('usage:read') },
      });
      expect(response.headers.get('ratelimit-limit')).toMatch(/^\d+$/);
    }
  });
});

describe('GET /api/v1/usage: access log', () => {
  it('records each read in the tenant’s access log, with the key, metric and window', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    const key = await keyFor(tenant);
    const response = await get({ metric: 'api_calls', granularity: 'month' }, { tenant, key });
    expect(response.status).toBe(200);
    const { from, to } = (await response.json()) as Series;
    const rows = await withPlatform((tx) =>
      tx
        .select({
          action: activityEvents.action,
          channel: activityEvents.channel,
          actorType: activityEvents.actorType,
          targetId: activityEvents.targetId,
          metadata: activityEvents.metadata,
        })
        .from(activityEvents)
        .where(and(eq(activityEvents.tenantId, tenant.id), eq(activityEvents.stream, 'access'))),
    );
    expect(rows).toEqual([
      {
        action: 'usage.viewed',
        channel: 'api',
        actorType: 'api_key',
        targetId: 'api_calls',
        metadata: { granularity: 'month', from, to },
      },
    ]);
  });
});

describe('GET /api/v1/usage: isolation and headers', () => {
  it('never shows another tenant’s usage', async () => {
    for (const metric of Object.keys(aggregationOf)) {
      const ours = await series({ metric, granularity: 'day', ...windows.day });
      const theirs = await series(
        { metric, granularity: 'day', ...windows.day },
        { tenant: globex, key: globexKey },
      );
      expect(ours.data).toEqual(
        expectedFrom(acme, metric, 'day', at(windows.day.from), at(windows.day.to)).data,
      );
      expect(theirs.data).toEqual(
        expectedFrom(globex, metric, 'day', at(windows.day.from), at(windows.day.to)).data,
      );
      if (metric !== 'active_devices') expect(theirs.data).not.toEqual(ours.data);
    }
    // Globex's key is unknown on acme's host, and a fresh tenant sees nothing at all.
    expect((await get({ metric: 'feature_usage' }, { key: globexKey })).status).toBe(401);
    const initech = await createTenant({ plan: 'pro' });
    const fresh = await series(
      { metric: 'feature_usage', granularity: 'month', ...windows.month },
      { tenant: initech, key: await keyFor(initech) },
    );
    expect(fresh).toMatchObject({ data: [], total: 0 });
  });

  it('sends RateLimit headers and no-store on answers and refusals', async () => {
    for (const response of [
      await get({ metric: 'feature_usage' }),
      await get({ metric: 'nope' }),
    ]) {
      expect([200, 400]).toContain(response.status);
      for (const header of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'])
        expect(response.headers.get(header), header).toMatch(/^\d+$/);
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });
});
