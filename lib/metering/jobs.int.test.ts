import { EventEmitter } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as documentsRoute from '@/app/api/v1/documents/route';
import type { DatabaseHandle } from '@/db/client';
import { documents, mailOutbox, tenants, usageEvents, usageNotifications } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { createApiKey } from '@/lib/api-keys';
import { createDocument } from '@/lib/documents';
import {
  allowancesOf,
  flushUsageOnShutdown,
  forgetCachedFigures,
  meteredFigures,
  notifyAllowanceThresholds,
  refreshUsageRollups,
  runMeteringJobs,
  sampleGauges,
  startMeteringSchedule,
  usageNotices,
  usageRecorder,
  withMeteredFeature,
} from '.';

let handle: DatabaseHandle;
type Tenant = { id: string; slug: string };

beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));
beforeEach(() => forgetCachedFigures());

/** Usage the tenant had this month, as one raw event a minute ago, rolled up. */
async function used(tenant: Tenant, metric: string, value: number, properties = {}) {
  await withPlatform((tx) =>
    tx.insert(usageEvents).values({
      tenantId: tenant.id,
      metric,
      value,
      idempotencyKey: randomUUID(),
      occurredAt: new Date(Date.now() - 60_000),
      properties,
      source: 'system',
    }),
  );
  await refreshUsageRollups({ wait: true });
  forgetCachedFigures(tenant.id);
}

async function apiTenant(overage?: 'block' | 'allow' | 'notify') {
  const tenant = await createTenant({ plan: 'free' });
  await withPlatform((tx) =>
    tx
      .update(tenants)
      .set({
        featureOverrides: { api_access: true },
        overageOverrides: overage ? { api_calls_per_month: overage } : {},
      })
      .where(eq(tenants.id, tenant.id)),
  );
  const { key } = await withTenant(tenant.id, (tx) =>
    createApiKey(tx, {
      tenantId: tenant.id,
      name: 'metering',
      scopes: ['documents:read'],
      actor: { type: 'system', id: null },
    }),
  );
  const list = () =>
    documentsRoute.GET(
      new Request(`http://${tenant.slug}.localhost:3000/api/v1/documents`, {
        headers: {
          host: `${tenant.slug}.localhost:3000`,
          'x-tenantry-tenant': tenant.slug,
          authorization: `Bearer ${key}`,
        },
      }),
      { params: Promise.resolve({}) },
    );
  return { tenant, list };
}

async function outboxFor(tenant: Tenant) {
  return withPlatform((tx) =>
    tx
      .select({ to: mailOutbox.recipient, subject: mailOutbox.subject, text: mailOutbox.text })
      .from(mailOutbox)
      .where(sql`${mailOutbox.subject} like ${`Tenant ${tenant.slug} %`}`),
  );
}

describe('metering of tenant API requests', () => {
  it('records one call, its server time and its response bytes per answered request, by operation', async () => {
    const { tenant, list } = await apiTenant();
    const responses = await Promise.all([list(), list(), list()]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    const bytes = responses.reduce(
      (sum, response) => sum + Number(response.headers.get('content-length')),
      0,
    );
    expect(bytes).toBeGreaterThan(0);
    await usageRecorder().flush();
    const rows = await withPlatform((tx) =>
      tx
        .select({
          metric: usageEvents.metric,
          value: usageEvents.value,
          properties: usageEvents.properties,
        })
        .from(usageEvents)
        .where(eq(usageEvents.tenantId, tenant.id)),
    );
    const total = (metric: string) =>
      rows.filter((row) => row.metric === metric).reduce((sum, row) => sum + row.value, 0);
    expect(total('api_calls')).toBe(3);
    expect(total('egress_bytes')).toBe(bytes);
    expect(total('compute_ms')).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.properties.route))).toEqual(new Set(['listDocuments']));
  });
});

describe('overage policies', () => {
  it('block: refuses the API with 402, naming the allowance and its reset, once the month is used up', async () => {
    const { tenant, list } = await apiTenant();
    await used(tenant, 'api_calls', 9_999);
    expect((await list()).status).toBe(200);
    await used(tenant, 'api_calls', 1);
    const refused = await list();
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('quota_exceeded');
    expect(body.error.message).toMatch(/10,000 calls \(api calls per month\)/);
    const next = new Date();
    const reset = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1));
    expect(body.error.message).toContain(
      reset.toLocaleDateString('en-GB', {
        day: 'numeric',
        month: 'long',
        year: 'numeric',
        timeZone: 'UTC',
      }),
    );
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Math.abs(retryAfter - (reset.getTime() - Date.now()) / 1000)).toBeLessThan(60);
  });

  it('allow: keeps serving past the allowance and counts the excess as overage', async () => {
    const { tenant, list } = await apiTenant('allow');
    await used(tenant, 'api_calls', 10_250);
    expect((await list()).status).toBe(200);
    const figures = await withTenant(tenant.id, (tx) => meteredFigures(tx, tenant.id));
    const calls = allowancesOf(
      { plan: 'free', overageOverrides: { api_calls_per_month: 'allow' } },
      figures,
    ).find((usage) => usage.limit === 'api_calls_per_month');
    expect(calls).toMatchObject({ used: 10_250, allowance: 10_000, overage: 250, policy: 'allow' });
  });

  it('notify: keeps serving past the allowance, bills no overage and tells the admins', async () => {
    const { tenant, list } = await apiTenant('notify');
    await createMember(tenant.id, { role: 'owner', email: `owner-${tenant.slug}@example.test` });
    await used(tenant, 'api_calls', 12_000);
    expect((await list()).status).toBe(200);
    await notifyAllowanceThresholds();
    const notices = await withTenant(tenant.id, (tx) =>
      usageNotices(tx, { tenantId: tenant.id, periodStart: periodStartNow() }),
    );
    expect(notices.map((notice) => [notice.metric, notice.threshold, notice.policy])).toEqual([
      ['api_calls', 100, 'notify'],
      ['api_calls', 80, 'notify'],
    ]);
  });
});

describe('blocked allowances beyond the API', () => {
  it('refuses new documents while stored bytes are at the limit, with the limit in words', async () => {
    const tenant = await createTenant({ plan: 'free' });
    const create = () =>
      withTenant(tenant.id, (tx) =>
        createDocument(tx, {
          tenantId: tenant.id,
          title: 'More',
          body: '',
          actor: { type: 'system', id: null },
        }),
      );
    await expect(create()).resolves.toMatchObject({ id: expect.any(String) });
    await used(tenant, 'storage_bytes', 100 * 1024 * 1024);
    await expect(create()).rejects.toMatchObject({
      code: 'quota_exceeded',
      message: expect.stringMatching(/limit of 100 MB \(storage \(bytes\)\)\. Free some up/),
    });
  });

  it('counts a metered feature’s uses and refuses them past a blocked allowance', async () => {
    const tenant = await createTenant({ plan: 'free' });
    const work = vi.fn(async () => 'exported');
    const use = () =>
      withTenant(tenant.id, (tx) =>
        withMeteredFeature(tx, { tenantId: tenant.id, feature: 'log_export' }, work),
      );
    await expect(use()).resolves.toBe('exported');
    await usageRecorder().flush();
    const [recorded] = await withPlatform((tx) =>
      tx
        .select({ value: usageEvents.value, properties: usageEvents.properties })
        .from(usageEvents)
        .where(and(eq(usageEvents.tenantId, tenant.id), eq(usageEvents.metric, 'feature_usage'))),
    );
    expect(recorded).toEqual({ value: 1, properties: { feature: 'log_export' } });
    await used(tenant, 'feature_usage', 99, { feature: 'log_export' });
    await expect(use()).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(work).toHaveBeenCalledTimes(1);
  });
});

function periodStartNow() {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

describe('allowance notices', () => {
  it('tells members who see usage at 80 % and at 100 %, once each, and nobody else', async () => {
    const tenant = await createTenant({ plan: 'free' });
    const owner = await createMember(tenant.id, { role: 'owner' });
    const billing = await createMember(tenant.id, { role: 'billing' });
    await createMember(tenant.id, { role: 'member' });

    await used(tenant, 'api_calls', 7_999);
    await notifyAllowanceThresholds();
    expect(await outboxFor(tenant)).toEqual([]);

    await used(tenant, 'api_calls', 1);
    const first = await notifyAllowanceThresholds();
    expect(first.notices).toBeGreaterThanOrEqual(1);
    const eighty = await outboxFor(tenant);
    expect(eighty.map((mail) => mail.to).sort()).toEqual([billing.email, owner.email].sort());
    expect(eighty[0]!.subject).toBe(
      `Tenant ${tenant.slug} has used 80 % of its api calls per month`,
    );
    expect(eighty[0]!.text).toContain('8,000 calls of its 10,000 calls');
    expect(eighty[0]!.text).toContain('At 100 % the work that uses it will be refused.');
    expect(eighty[0]!.text).toContain(`http://${tenant.slug}.localhost:3000/settings/usage`);

    await notifyAllowanceThresholds();
    expect(await outboxFor(tenant)).toHaveLength(2);

    await used(tenant, 'api_calls', 2_000);
    await notifyAllowanceThresholds();
    const all = await outboxFor(tenant);
    expect(all).toHaveLength(4);
    expect(all.filter((mail) => mail.subject.includes('100 %'))).toHaveLength(2);
    const rows = await withPlatform((tx) =>
      tx
        .select({
          threshold: usageNotifications.threshold,
          recipients: usageNotifications.recipients,
        })
        .from(usageNotifications)
        .where(
          and(
            eq(usageNotifications.tenantId, tenant.id),
            eq(usageNotifications.metric, 'api_calls'),
          ),
        ),
    );
    expect(rows.sort((a, b) => a.threshold - b.threshold)).toEqual([
      { threshold: 80, recipients: 2 },
      { threshold: 100, recipients: 2 },
    ]);
  });
});

describe('gauges', () => {
  it('samples storage from the tenant’s documents and members once per hour', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    await createMember(tenant.id, { role: 'owner' });
    await createMember(tenant.id);
    await withTenant(tenant.id, (tx) =>
      tx.insert(documents).values([
        // Incompressible, so the stored size stays above 5,000 bytes.
        { tenantId: tenant.id, title: 'One', body: randomBytes(2500).toString('hex') },
        { tenantId: tenant.id, title: 'Two', body: 'y'.repeat(100) },
      ]),
    );
    const later = new Date(Date.now() + 2 * 3_600_000);
    const first = await sampleGauges({ now: later });
    expect(first.sampled).toBeGreaterThanOrEqual(2);
    expect(await sampleGauges({ now: later })).toEqual({ sampled: 0 });
    const rows = await withPlatform((tx) =>
      tx
        .select({ metric: usageEvents.metric, value: usageEvents.value })
        .from(usageEvents)
        .where(eq(usageEvents.tenantId, tenant.id)),
    );
    const [stored] = await withPlatform(async (tx) => {
      const result = (await tx.execute(
        sql`select sum(pg_column_size(d.*))::float8 as bytes from documents d where d.tenant_id = ${tenant.id}`,
      )) as unknown as { rows: { bytes: number }[] };
      return result.rows;
    });
    expect(stored!.bytes).toBeGreaterThan(5000);
    expect(rows.sort((a, b) => a.metric.localeCompare(b.metric))).toEqual([
      { metric: 'active_members', value: 2 },
      { metric: 'storage_bytes', value: stored!.bytes },
    ]);
  });
});

describe('runMeteringJobs and shutdown', () => {
  it('flushes, samples, rolls up and notifies in one pass', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    usageRecorder().record(tenant.id, 'api_calls', 7, 'listDocuments');
    const report = await runMeteringJobs({ wait: true });
    expect(report.flushed).toBeGreaterThanOrEqual(1);
    expect(report.rollups).toMatchObject({ ran: true });
    const figures = await withTenant(tenant.id, (tx) => meteredFigures(tx, tenant.id));
    expect(figures.api_calls).toBe(7);
  });

  it('runs a pass at once when the schedule starts, then on each interval', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    usageRecorder().record(tenant.id, 'api_calls', 2, 'scheduled');
    const stop = startMeteringSchedule(60_000);
    try {
      await vi.waitFor(
        async () => {
          const figures = await withTenant(tenant.id, (tx) => meteredFigures(tx, tenant.id));
          expect(figures.api_calls).toBe(2);
        },
        { timeout: 5000, interval: 50 },
      );
    } finally {
      stop();
    }
  });

  it('writes buffered usage on SIGTERM before exiting', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    const fake = Object.assign(new EventEmitter(), { exit: vi.fn() });
    flushUsageOnShutdown(fake as unknown as NodeJS.Process, { exit: true });
    usageRecorder().record(tenant.id, 'api_calls', 42, 'listDocuments');
    fake.emit('SIGTERM', 'SIGTERM');
    await vi.waitFor(() => expect(fake.exit).toHaveBeenCalledWith(0));
    const rows = await withPlatform((tx) =>
      tx
        .select({ value: usageEvents.value })
        .from(usageEvents)
        .where(eq(usageEvents.tenantId, tenant.id)),
    );
    expect(rows).toEqual([{ value: 42 }]);
  });
});
