import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import {
  auditEvents,
  billingAccounts,
  meterReconciliations,
  meterReports,
  usageEvents,
} from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { AppError } from '@/lib/errors';
import { refreshUsageRollups } from '@/lib/metering';
import { startStripeFake, type StripeFake } from '@/test-support/stripe-fake';
import { basePriceKey, overagePriceKey, syncStripeCatalogue } from './catalogue';
import {
  planMeterReports,
  reconcileMeterReports,
  reportIdentifier,
  sendMeterReports,
} from './meter-reports';
import { createStripeClient } from './stripe';
import { changeInternalPlan, openBillingPortal, startCheckout } from './subscriptions';

// Stripe mode against the local fake, through the real SDK (createStripeClient, with its two
// network retries). Usage is in August 2025, a fixed past period: raw usage_events rolled up by
// refreshUsageRollups. planMeterReports, sendMeterReports and reconcileMeterReports run over
// every Stripe tenant of the database, so assertions look at this suite's tenants and customers.

const aug = (day: number, hour = 12, minute = 0, second = 0) =>
  new Date(Date.UTC(2025, 7, day, hour, minute, second));
const august = { start: aug(1, 0), end: new Date(Date.UTC(2025, 8, 1)) };
const METER_EVENTS = '/v1/billing/meter_events';

let handle: DatabaseHandle;
let fake: StripeFake;
let stripe: Stripe;

beforeAll(async () => {
  handle = await setupTestDatabase();
  fake = await startStripeFake();
  stripe = createStripeClient({ secretKey: 'sk_test_meter_reports', apiUrl: fake.url });
  await syncStripeCatalogue(stripe);
});
afterAll(async () => {
  await fake.close();
  await teardownTestDatabase(handle);
});

type Tenant = { id: string; slug: string; customer: string };

/** A Pro tenant subscribed through Stripe (as the webhooks leave it after checkout). */
async function stripeTenant(): Promise<Tenant> {
  const tenant = await createTenant({ plan: 'pro' });
  const customer = await stripe.customers.create({ email: `${tenant.slug}@example.test` });
  await withPlatform((tx) =>
    tx.insert(billingAccounts).values({
      tenantId: tenant.id,
      mode: 'stripe',
      plan: 'pro',
      status: 'active',
      stripeCustomerId: customer.id,
      stripeSubscriptionId: `sub_${randomUUID().slice(0, 12)}`,
      currentPeriodStart: august.start,
      currentPeriodEnd: august.end,
    }),
  );
  return { ...tenant, customer: customer.id };
}

async function usedInAugust(tenant: { id: string }, metric: string, value: number) {
  await withPlatform((tx) =>
    tx.insert(usageEvents).values({
      tenantId: tenant.id,
      metric,
      value,
      idempotencyKey: randomUUID(),
      occurredAt: aug(2),
      properties: {},
      source: 'system',
    }),
  );
  await refreshUsageRollups({ wait: true });
}

const reportsOf = (tenant: Tenant) =>
  withPlatform((tx) =>
    tx
      .select()
      .from(meterReports)
      .where(eq(meterReports.tenantId, tenant.id))
      .orderBy(asc(meterReports.cumulative)),
  );
const reconciliationOf = (tenant: Tenant, metric = 'api_calls') =>
  withPlatform(
    async (tx) =>
      (
        await tx
          .select()
          .from(meterReconciliations)
          .where(
            and(
              eq(meterReconciliations.tenantId, tenant.id),
              eq(meterReconciliations.metric, metric),
            ),
          )
      )[0],
  );
/** What Stripe counted for the customer: one event per identifier. */
const countedFor = (tenant: Tenant) =>
  fake.meterEvents
    .filter((event) => event.payload.stripe_customer_id === tenant.customer)
    .map((event) => ({ name: event.event_name, value: Number(event.payload.value) }));
const requestsFor = (identifier: string) =>
  fake.requests.filter((r) => r.path === METER_EVENTS && r.body.identifier === identifier);

describe('overage reported to Stripe billing meters', () => {
  let tenant: Tenant;
  const firstRun = aug(10, 12, 0, 30);

  beforeAll(async () => {
    tenant = await stripeTenant();
    // Pro holds a million calls: 250,000 past it.
    await usedInAugust(tenant, 'api_calls', 1_250_000);
  });

  it('plans a pending report named by its cumulative total, once', async () => {
    await withPlatform((tx) => planMeterReports(tx, firstRun));
    const identifier = reportIdentifier({
      tenantId: tenant.id,
      metric: 'api_calls',
      periodStart: august.start,
      cumulative: 250_000,
    });
    expect(identifier).toBe(`tenantry:${tenant.id}:api_calls:2025-08-01T00:00:00.000Z:250000`);
    expect(await reportsOf(tenant)).toEqual([
      expect.objectContaining({
        metric: 'api_calls',
        periodStart: august.start,
        identifier,
        quantity: 250_000,
        cumulative: 250_000,
        status: 'pending',
        attempts: 0,
      }),
    ]);
    // Nothing new to report: no second row.
    await withPlatform((tx) => planMeterReports(tx, aug(10, 12, 1)));
    expect(await reportsOf(tenant)).toHaveLength(1);
  });

  it('a send whose answer is lost stays pending; the retry resends the same identifier, counted once', async () => {
    const [report] = await reportsOf(tenant);
    // Stripe applies the event, then the connection drops: on the first try and both SDK retries.
    fake.failNext(METER_EVENTS, 3, 'drop-after');
    await sendMeterReports(stripe, { now: firstRun });
    expect(await reportsOf(tenant)).toEqual([
      expect.objectContaining({ status: 'pending', attempts: 1, lastError: expect.any(String) }),
    ]);
    expect(requestsFor(report!.identifier)).toHaveLength(3);
    expect(countedFor(tenant)).toEqual([{ name: 'tenantry_api_calls', value: 250_000 }]);

    // The next run sends it again: answered this time, still counted once.
    await sendMeterReports(stripe, { now: aug(10, 12, 1, 30) });
    expect(await reportsOf(tenant)).toEqual([
      expect.objectContaining({
        status: 'sent',
        attempts: 2,
        lastError: null,
        sentAt: aug(10, 12, 1, 30),
      }),
    ]);
    expect(requestsFor(report!.identifier)).toHaveLength(4);
    for (const request of requestsFor(report!.identifier))
      expect(request.body.payload).toEqual({
        stripe_customer_id: tenant.customer,
        value: '250000',
      });
    expect(countedFor(tenant)).toEqual([{ name: 'tenantry_api_calls', value: 250_000 }]);
    const [event] = fake.meterEvents.filter((e) => e.identifier === report!.identifier);
    expect(event!.timestamp).toBe(Math.floor(firstRun.getTime() / 1000));

    // A sent report is not sent again.
    await sendMeterReports(stripe, { now: aug(10, 12, 2) });
    expect(requestsFor(report!.identifier)).toHaveLength(4);
  });

  it('a failed send (500) is retried by a later run, not lost', async () => {
    await usedInAugust(tenant, 'api_calls', 30_000);
    await withPlatform((tx) => planMeterReports(tx, aug(11)));
    fake.failNext(METER_EVENTS, 3, 'error');
    await sendMeterReports(stripe, { now: aug(11) });
    const pending = (await reportsOf(tenant)).at(-1)!;
    expect(pending).toMatchObject({
      quantity: 30_000,
      cumulative: 280_000,
      status: 'pending',
      attempts: 1,
    });
    expect(countedFor(tenant)).toHaveLength(1);

    await sendMeterReports(stripe, { now: aug(11, 12, 1) });
    // More usage reports only the difference: 30,000 more, bringing the period to 280,000.
    expect((await reportsOf(tenant)).map((r) => [r.quantity, r.cumulative, r.status])).toEqual([
      [250_000, 250_000, 'sent'],
      [30_000, 280_000, 'sent'],
    ]);
    expect(countedFor(tenant)).toEqual([
      { name: 'tenantry_api_calls', value: 250_000 },
      { name: 'tenantry_api_calls', value: 30_000 },
    ]);
  });

  it('reconciliation agrees when Stripe holds what was reported, and flags a difference', async () => {
    const result = await reconcileMeterReports(stripe, { now: aug(12) });
    expect(result.checked).toBeGreaterThanOrEqual(1);
    expect(await reconciliationOf(tenant)).toMatchObject({
      periodStart: august.start,
      expected: 280_000,
      reported: 280_000,
      stripeTotal: 280_000,
      matches: true,
      checkedAt: aug(12),
    });

    // An event Tenantry never reported reaches the meter: Stripe's total differs.
    await stripe.billing.meterEvents.create({
      event_name: 'tenantry_api_calls',
      identifier: `manual-${randomUUID()}`,
      timestamp: Math.floor(aug(5).getTime() / 1000),
      payload: { stripe_customer_id: tenant.customer, value: '5' },
    });
    const flagged = await reconcileMeterReports(stripe, { now: aug(13) });
    expect(flagged.mismatches).toBeGreaterThanOrEqual(1);
    expect(await reconciliationOf(tenant)).toMatchObject({
      expected: 280_000,
      reported: 280_000,
      stripeTotal: 280_005,
      matches: false,
      checkedAt: aug(13),
    });
  });

  it('reconciliation flags usage the rollups hold but no report carries yet', async () => {
    const other = await stripeTenant();
    await usedInAugust(other, 'api_calls', 1_000_100);
    await reconcileMeterReports(stripe, { now: aug(14) });
    expect(await reconciliationOf(other)).toMatchObject({
      expected: 100,
      reported: 0,
      stripeTotal: 0,
      matches: false,
    });
  });

  it('a reconciliation in the same pass as the send (as runBillingJobs runs them) agrees', async () => {
    const other = await stripeTenant();
    await usedInAugust(other, 'compute_ms', 51 * 3_600_000);
    const now = aug(20, 9, 30, 45);
    await withPlatform((tx) => planMeterReports(tx, now));
    await sendMeterReports(stripe, { now });
    await reconcileMeterReports(stripe, { now });
    expect(await reconciliationOf(other, 'compute_ms')).toMatchObject({
      expected: 3_600_000,
      reported: 3_600_000,
      matches: true,
    });
    // An hour later Stripe's window covers the event, and agrees again.
    await reconcileMeterReports(stripe, { now: aug(20, 10, 30) });
    expect(await reconciliationOf(other, 'compute_ms')).toMatchObject({
      stripeTotal: 3_600_000,
      matches: true,
    });
  });
});

describe('Stripe Checkout and the Customer Portal', () => {
  const returnUrl = 'http://acme.localhost:3000/settings/billing';
  const now = aug(15);
  const priceId = (lookupKey: string) =>
    [...fake.objects.values()].find(
      (object) => object.object === 'price' && object.lookup_key === lookupKey,
    )!.id as string;
  const lastCheckoutRequest = () =>
    fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions').at(-1)!
      .body as Record<string, unknown> & {
      line_items: { price: string; quantity?: string }[];
      subscription_data: Record<string, unknown>;
    };

  async function member(tenantId: string) {
    const owner = await createMember(tenantId, { role: 'owner' });
    return { email: owner.email, actor: { type: 'user' as const, id: owner.userId } };
  }

  it('opens a checkout for the plan: base × 1 and every metered price, the trial the first time', async () => {
    const tenant = await createTenant({ plan: 'free' });
    const { email, actor } = await member(tenant.id);
    const { url } = await withTenant(tenant.id, (tx) =>
      startCheckout(tx, stripe, { tenantId: tenant.id, plan: 'pro', email, returnUrl, actor, now }),
    );
    const body = lastCheckoutRequest();
    expect(body.line_items).toEqual([
      { price: priceId(basePriceKey('pro')), quantity: '1' },
      ...(
        [
          'api_calls_per_month',
          'compute_ms_per_month',
          'egress_bytes_per_month',
          'feature_uses_per_month',
          'storage_bytes',
        ] as const
      ).map((limit) => ({ price: priceId(overagePriceKey('pro', limit)) })),
    ]);
    expect(body).toMatchObject({
      mode: 'subscription',
      client_reference_id: tenant.id,
      customer_email: email,
      metadata: { tenant_id: tenant.id, plan: 'pro' },
      subscription_data: {
        trial_period_days: '14',
        metadata: { tenant_id: tenant.id, plan: 'pro' },
      },
      success_url: `${returnUrl}?checkout=success`,
      cancel_url: `${returnUrl}?checkout=cancelled`,
    });
    expect(body.subscription_data.billing_cycle_anchor).toBeUndefined();
    expect(body.customer).toBeUndefined();
    const session = [...fake.objects.values()].find(
      (object) => object.object === 'checkout.session' && object.client_reference_id === tenant.id,
    )!;
    expect(url).toBe(`${fake.url}/checkout/${session.id as string}`);
    const audits = await withPlatform((tx) =>
      tx
        .select({ actorId: auditEvents.actorId, metadata: auditEvents.metadata })
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.tenantId, tenant.id),
            eq(auditEvents.action, 'billing.checkout_started'),
          ),
        ),
    );
    expect(audits).toEqual([
      { actorId: actor.id, metadata: { plan: 'pro', session: session.id, trialDays: 14 } },
    ]);
  });

  it('after a trial: no trial days, billed from the 1st of next month, for the known customer', async () => {
    const tenant = await stripeTenant();
    const { email, actor } = await member(tenant.id);
    await withPlatform((tx) =>
      tx
        .update(billingAccounts)
        .set({ trialUsed: true, stripeSubscriptionId: null })
        .where(eq(billingAccounts.tenantId, tenant.id)),
    );
    await withTenant(tenant.id, (tx) =>
      startCheckout(tx, stripe, {
        tenantId: tenant.id,
        plan: 'business',
        email,
        returnUrl,
        actor,
        now,
      }),
    );
    const body = lastCheckoutRequest();
    expect(body.line_items[0]).toEqual({ price: priceId(basePriceKey('business')), quantity: '1' });
    expect(body.line_items.slice(1).every((item) => item.quantity === undefined)).toBe(true);
    expect(body.customer).toBe(tenant.customer);
    expect(body.customer_email).toBeUndefined();
    expect(body.subscription_data).toEqual({
      metadata: { tenant_id: tenant.id, plan: 'business' },
      billing_cycle_anchor: String(august.end.getTime() / 1000),
    });
  });

  it('refuses a free plan, and a tenant whose subscription is live', async () => {
    const tenant = await stripeTenant();
    const { email, actor } = await member(tenant.id);
    const attempt = (plan: 'free' | 'pro') =>
      withTenant(tenant.id, (tx) =>
        startCheckout(tx, stripe, { tenantId: tenant.id, plan, email, returnUrl, actor, now }),
      ).then(
        () => null,
        (error: unknown) => error,
      );
    const before = fake.requests.length;
    const live = await attempt('pro');
    expect(live).toBeInstanceOf(AppError);
    expect((live as AppError).code).toBe('conflict');
    await withPlatform((tx) =>
      tx
        .update(billingAccounts)
        .set({ status: 'canceled' })
        .where(eq(billingAccounts.tenantId, tenant.id)),
    );
    const free = await attempt('free');
    expect((free as AppError).code).toBe('invalid_input');
    expect(fake.requests.length).toBe(before);
  });

  it('refuses an internal plan change to a tenant billed through Stripe', async () => {
    const tenant = await stripeTenant();
    const { actor } = await member(tenant.id);
    const error = await withTenant(tenant.id, (tx) =>
      changeInternalPlan(tx, { tenantId: tenant.id, plan: 'enterprise', actor, now }),
    ).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect((error as AppError).code).toBe('conflict');
    const [row] = await withPlatform((tx) =>
      tx.select().from(billingAccounts).where(eq(billingAccounts.tenantId, tenant.id)),
    );
    expect(row?.plan).toBe('pro');
  });

  it('opens the Customer Portal for the tenant’s customer, and refuses without one', async () => {
    const tenant = await stripeTenant();
    const { actor } = await member(tenant.id);
    const { url } = await withTenant(tenant.id, (tx) =>
      openBillingPortal(tx, stripe, { tenantId: tenant.id, returnUrl, actor }),
    );
    const portal = [...fake.objects.values()].find(
      (object) => object.object === 'billing_portal.session' && object.customer === tenant.customer,
    )!;
    expect(portal).toMatchObject({ return_url: returnUrl });
    expect(url).toBe(`${fake.url}/portal/${portal.id as string}`);

    const internal = await createTenant({ plan: 'free' });
    const other = await member(internal.id);
    const before = fake.requests.length;
    const error = await withTenant(internal.id, (tx) =>
      openBillingPortal(tx, stripe, { tenantId: internal.id, returnUrl, actor: other.actor }),
    ).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('conflict');
    expect(fake.requests.length).toBe(before);
  });
});

describe('usage of a month’s last minutes', () => {
  it('is reported for that month during the next month’s first hour, and not after', async () => {
    const tenant = await stripeTenant();
    await withPlatform((tx) =>
      tx.insert(usageEvents).values({
        tenantId: tenant.id,
        metric: 'api_calls',
        value: 1_000_400,
        idempotencyKey: randomUUID(),
        occurredAt: new Date(Date.UTC(2025, 7, 31, 23, 59, 30)),
        properties: {},
        source: 'system',
      }),
    );
    await refreshUsageRollups({ wait: true });
    await withPlatform((tx) => planMeterReports(tx, new Date(Date.UTC(2025, 8, 1, 2))));
    expect(await reportsOf(tenant)).toEqual([]);
    await withPlatform((tx) => planMeterReports(tx, new Date(Date.UTC(2025, 8, 1, 0, 20))));
    expect(await reportsOf(tenant)).toEqual([
      expect.objectContaining({ periodStart: august.start, quantity: 400, status: 'pending' }),
    ]);
  });
});
