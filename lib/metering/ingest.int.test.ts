import { randomUUID } from 'node:crypto';
import { and, eq, getTableName, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as route from '@/app/api/v1/usage/events/route';
import type { DatabaseHandle } from '@/db/client';
import { postgresErrorCode } from '@/db/errors';
import { usageEvents } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { createApiKey, type ApiScope } from '@/lib/api-keys';
import { buildMetricCatalogue, ingestUsageEvents, metricCatalogue, type IngestResult } from '.';

type Tenant = { id: string; slug: string };
let handle: DatabaseHandle;
let acme: Tenant;
let globex: Tenant;
let acmeKey: string;
let globexKey: string;

async function keyFor(tenant: Tenant, scopes: ApiScope[] = ['usage:write']) {
  const created = await withTenant(tenant.id, (tx) =>
    createApiKey(tx, {
      tenantId: tenant.id,
      name: 'metering',
      scopes,
      actor: { type: 'system', id: null },
    }),
  );
  return created.key;
}

function post(body: unknown, tenant: Tenant = acme, key = acmeKey) {
  const request = new Request(`http://${tenant.slug}.localhost:3000/api/v1/usage/events`, {
    method: 'POST',
    headers: {
      host: `${tenant.slug}.localhost:3000`,
      'x-tenantry-tenant': tenant.slug,
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return route.POST(request, { params: Promise.resolve({}) });
}

async function ingest(events: unknown[], tenant?: Tenant, key?: string) {
  const response = await post({ events }, tenant, key);
  expect(response.status).toBe(200);
  return (await response.json()) as IngestResult;
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const event = (idempotencyKey: string, overrides: Record<string, unknown> = {}) => ({
  metric: 'api_calls',
  value: 1,
  timestamp: minutesAgo(1),
  idempotencyKey,
  ...overrides,
});

async function storedKeys(tenant: Tenant, prefix: string) {
  const rows = await withTenant(tenant.id, (tx) =>
    tx
      .select({ key: usageEvents.idempotencyKey, value: usageEvents.value })
      .from(usageEvents)
      .where(
        and(
          eq(usageEvents.tenantId, tenant.id),
          sql`${usageEvents.idempotencyKey} like ${`${prefix}%`}`,
        ),
      ),
  );
  return rows.map((row) => row.key).sort();
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  acme = await createTenant({ plan: 'pro' });
  globex = await createTenant({ plan: 'pro' });
  acmeKey = await keyFor(acme);
  globexKey = await keyFor(globex);
});
afterAll(() => teardownTestDatabase(handle));

describe('POST /api/v1/usage/events', () => {
  it('records a batch of good events with their properties, as source api', async () => {
    const p = randomUUID();
    const result = await ingest([
      event(`${p}-1`),
      event(`${p}-2`, { metric: 'compute_ms', value: 12.5 }),
      event(`${p}-3`, { metric: 'feature_usage', properties: { feature: 'document_export' } }),
      event(`${p}-4`, { metric: 'storage_bytes', value: 1_048_576 }),
    ]);
    expect(result).toMatchObject({ accepted: 4, duplicates: 0, rejected: 0 });
    expect(result.results.map((r) => [r.index, r.status])).toEqual([
      [0, 'accepted'],
      [1, 'accepted'],
      [2, 'accepted'],
      [3, 'accepted'],
    ]);
    const rows = await withTenant(acme.id, (tx) =>
      tx
        .select()
        .from(usageEvents)
        .where(sql`${usageEvents.idempotencyKey} like ${`${p}%`}`)
        .orderBy(usageEvents.idempotencyKey),
    );
    expect(rows.map((row) => [row.metric, row.value, row.source])).toEqual([
      ['api_calls', 1, 'api'],
      ['compute_ms', 12.5, 'api'],
      ['feature_usage', 1, 'api'],
      ['storage_bytes', 1_048_576, 'api'],
    ]);
    expect(rows[2]!.properties).toEqual({ feature: 'document_export' });
    expect(rows[0]!.properties).toEqual({});
    expect(rows[0]!.receivedAt).toBeInstanceOf(Date);
  });

  it('counts an idempotency key once: twice in a batch, again in later batches, concurrently', async () => {
    const p = randomUUID();
    const first = await ingest([event(`${p}-a`), event(`${p}-a`, { value: 5 }), event(`${p}-b`)]);
    expect(first).toMatchObject({ accepted: 2, duplicates: 1, rejected: 0 });
    expect(first.results[1]).toEqual({ index: 1, status: 'duplicate', idempotencyKey: `${p}-a` });

    const again = await ingest([event(`${p}-b`), event(`${p}-a`), event(`${p}-c`)]);
    expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'accepted']);

    const racing = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        ingest(i % 2 ? [event(`${p}-d`), event(`${p}-c`)] : [event(`${p}-c`), event(`${p}-d`)]),
      ),
    );
    expect(racing.reduce((sum, r) => sum + r.accepted, 0)).toBe(1);
    expect(await storedKeys(acme, p)).toEqual([`${p}-a`, `${p}-b`, `${p}-c`, `${p}-d`]);
    const [stored] = await withTenant(acme.id, (tx) =>
      tx
        .select({ value: usageEvents.value })
        .from(usageEvents)
        .where(eq(usageEvents.idempotencyKey, `${p}-a`)),
    );
    expect(stored?.value).toBe(1);
  });

  it('keeps another workspace’s same key apart', async () => {
    const key = `shared-${randomUUID()}`;
    expect((await ingest([event(key)])).accepted).toBe(1);
    expect((await ingest([event(key)], globex, globexKey)).accepted).toBe(1);
    expect((await ingest([event(key)], globex, globexKey)).duplicates).toBe(1);
    expect(await storedKeys(acme, key)).toEqual([key]);
    expect(await storedKeys(globex, key)).toEqual([key]);
  });

  it('keeps the good events of a mixed batch and refuses each bad one with its index and reasons', async () => {
    const p = randomUUID();
    const result = await ingest([
      event(`${p}-good-1`),
      event(`${p}-unknown`, { metric: 'api_cals' }),
      event(`${p}-future`, { timestamp: new Date(Date.now() + 10 * 60_000).toISOString() }),
      event(`${p}-old`, { timestamp: new Date(Date.now() - 36 * 86_400_000).toISOString() }),
      event(`${p}-negative`, { metric: 'egress_bytes', value: -3 }),
      event(`${p}-feature`, { metric: 'feature_usage' }),
      'not an event',
      event(''),
      event(`${p}-good-2`, { metric: 'active_members', value: 7 }),
    ]);
    expect(result).toMatchObject({ accepted: 2, duplicates: 0, rejected: 7 });
    const refused = result.results
      .filter((r) => r.status === 'rejected')
      .map((r) => [r.index, (r as { errors: { field: string }[] }).errors.map((e) => e.field)]);
    expect(refused).toEqual([
      [1, ['metric']],
      [2, ['timestamp']],
      [3, ['timestamp']],
      [4, ['value']],
      [5, ['properties.feature']],
      [6, ['event']],
      [7, ['idempotencyKey']],
    ]);
    expect(result.results[1]).toMatchObject({
      idempotencyKey: `${p}-unknown`,
      errors: [{ field: 'metric', message: 'Unknown metric: api_cals.' }],
    });
    expect(await storedKeys(acme, p)).toEqual([`${p}-good-1`, `${p}-good-2`]);
  });

  it('answers 200 with every event refused when none is good', async () => {
    const result = await ingest([event('x', { metric: 'nope' })]);
    expect(result).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: 1,
      results: [
        {
          index: 0,
          status: 'rejected',
          idempotencyKey: 'x',
          errors: [{ field: 'metric', message: 'Unknown metric: nope.' }],
        },
      ],
    });
  });

  it('refuses a batch of more than 1,000 events as a whole, storing none', async () => {
    const p = randomUUID();
    const events = Array.from({ length: 1001 }, (_, i) => event(`${p}-${i}`));
    const response = await post({ events });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'invalid_input',
        message: expect.any(String),
        details: { events: ['Send at most 1,000 events per call.'] },
      },
    });
    expect(await storedKeys(acme, p)).toEqual([]);

    const full = await ingest(events.slice(0, 1000));
    expect(full.accepted).toBe(1000);
  });

  it.each([
    ['an empty list', { events: [] }],
    ['no events field', { event: [] }],
    ['events not a list', { events: {} }],
    ['an extra field', { events: [event('y')], dryRun: true }],
    ['not JSON', '{"events": ['],
  ])('answers 400 for %s', async (_name, body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_input',
    );
  });

  it('needs the usage:write scope', async () => {
    for (const scopes of [['documents:read', 'documents:write'], ['usage:read']] as ApiScope[][]) {
      const key = await keyFor(acme, scopes);
      const response = await post({ events: [event(randomUUID())] }, acme, key);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({
        error: { code: 'forbidden', message: 'This API key lacks the usage:write scope.' },
      });
    }
  });

  it('takes a key only on its own workspace’s host', async () => {
    const response = await post({ events: [event(randomUUID())] }, globex, acmeKey);
    expect(response.status).toBe(401);
  });
});

describe('usage_events isolation', () => {
  it('shows a workspace only its own events and lets it insert none for another', async () => {
    const key = `iso-${randomUUID()}`;
    await ingest([event(key)], globex, globexKey);
    const seen = await withTenant(acme.id, (tx) =>
      tx.select({ tenantId: usageEvents.tenantId }).from(usageEvents),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((row) => row.tenantId === acme.id)).toBe(true);
    await expect(
      withTenant(acme.id, (tx) =>
        tx.insert(usageEvents).values({
          tenantId: globex.id,
          metric: 'api_calls',
          value: 1,
          idempotencyKey: `forged-${randomUUID()}`,
          occurredAt: new Date(),
          source: 'api',
        }),
      ),
    ).rejects.toThrow();
    // Outside any tenant: nothing.
    expect(await handle.db.select().from(usageEvents)).toEqual([]);
  });

  it('is append-only for the application; the platform may also delete (retention)', async () => {
    const key = `imm-${randomUUID()}`;
    await ingest([event(key)]);
    for (const attempt of [
      () => withTenant(acme.id, (tx) => tx.update(usageEvents).set({ value: 99 })),
      () => withTenant(acme.id, (tx) => tx.delete(usageEvents)),
      () => withPlatform((tx) => tx.update(usageEvents).set({ value: 99 })),
    ]) {
      const outcome = await attempt().then(
        () => 'allowed',
        (error: unknown) => postgresErrorCode(error).code,
      );
      expect(outcome).toBe('42501');
    }
    const grants = (await handle.db.execute(sql`
      select r.rolname as grantee, string_agg(x.privilege_type, ',' order by x.privilege_type) as privileges
      from pg_class c cross join lateral aclexplode(c.relacl) x join pg_roles r on r.oid = x.grantee
      where c.oid = ${getTableName(usageEvents)}::regclass and r.rolname in ('tenantry_app', 'tenantry_platform')
      group by r.rolname order by r.rolname`)) as unknown as { rows: unknown[] };
    expect(grants.rows).toEqual([
      { grantee: 'tenantry_app', privileges: 'INSERT,SELECT' },
      { grantee: 'tenantry_platform', privileges: 'DELETE,INSERT,SELECT' },
    ]);
    const deleted = await withPlatform((tx) =>
      tx.delete(usageEvents).where(eq(usageEvents.idempotencyKey, key)).returning(),
    );
    expect(deleted).toHaveLength(1);
  });
});

describe('ingestUsageEvents', () => {
  it('records system events and custom metrics of a given catalogue', async () => {
    const catalogue = buildMetricCatalogue(
      JSON.stringify([
        { key: 'active_devices', unit: 'devices', aggregation: 'unique_count', uniqueBy: 'device' },
      ]),
    );
    const key = `sys-${randomUUID()}`;
    const now = new Date();
    const result = await withTenant(acme.id, (tx) =>
      ingestUsageEvents(tx, {
        tenantId: acme.id,
        source: 'system',
        now,
        catalogue,
        events: [
          { ...event(key, { metric: 'active_devices', properties: { device: 'd-1' } }) },
          { ...event(`${key}-x`, { metric: 'active_devices' }) },
        ],
      }),
    );
    expect(result).toMatchObject({ accepted: 1, rejected: 1 });
    const [row] = await withTenant(acme.id, (tx) =>
      tx.select().from(usageEvents).where(eq(usageEvents.idempotencyKey, key)),
    );
    expect(row).toMatchObject({ source: 'system', metric: 'active_devices' });
    expect(metricCatalogue().has('active_devices')).toBe(false);
    expect(metricCatalogue()).toBe(metricCatalogue());
  });

  it('inserts nothing when no event is good', async () => {
    const result = await withTenant(acme.id, (tx) =>
      ingestUsageEvents(tx, { tenantId: acme.id, events: [{}] }),
    );
    expect(result).toMatchObject({ accepted: 0, rejected: 1 });
  });
});
