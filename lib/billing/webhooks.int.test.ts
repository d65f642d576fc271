import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import {
  auditEvents,
  billingAccounts,
  invoiceLines,
  invoices,
  stripeEvents,
  tenants,
} from '@/db/schema';
import { withPlatform } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import type * as EnvModule from '@/lib/env';
import { startStripeFake, type StripeFake } from '@/test-support/stripe-fake';
import { POST } from '@/app/api/webhooks/stripe/route';
import { suspendAfterGracePeriod } from './lifecycle';

// The real route → the real SDK's signature check → the real database. lib/env is read once per
// process, so the Stripe keys (and the fake's URL, known only once it listens) come from here.
const state = vi.hoisted(() => ({
  stripe: true,
  apiUrl: undefined as string | undefined,
  secret: 'whsec_test_webhooks_secret',
}));
const SECRET = state.secret;

vi.mock('@/lib/env', async (importOriginal) => {
  const actual = await importOriginal<typeof EnvModule>();
  return {
    ...actual,
    env: () => ({
      ...actual.env(),
      STRIPE_SECRET_KEY: state.stripe ? 'sk_test_webhooks' : undefined,
      STRIPE_WEBHOOK_SECRET: state.stripe ? state.secret : undefined,
      STRIPE_API_URL: state.apiUrl,
    }),
  };
});

let handle: DatabaseHandle;
let fake: StripeFake;
const signer = new Stripe('sk_test_signer');
const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  handle = await setupTestDatabase();
  fake = await startStripeFake();
  state.apiUrl = fake.url;
});
afterAll(async () => {
  await fake.close();
  await teardownTestDatabase(handle);
});

function signed(
  event: Record<string, unknown>,
  options: { timestamp?: number; secret?: string; header?: string | null } = {},
): Request {
  const payload = JSON.stringify(event);
  const header =
    options.header === undefined
      ? signer.webhooks.generateTestHeaderString({
          payload,
          secret: options.secret ?? SECRET,
          timestamp: options.timestamp,
        })
      : options.header;
  return new Request('http://localhost:3000/api/webhooks/stripe', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(header ? { 'stripe-signature': header } : {}),
    },
    body: payload,
  });
}

async function deliver(
  event: Record<string, unknown>,
  options?: Parameters<typeof signed>[1],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await POST(signed(event, options));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const account = (tenantId: string) =>
  withPlatform(async (tx) => {
    const [row] = await tx
      .select()
      .from(billingAccounts)
      .where(eq(billingAccounts.tenantId, tenantId));
    return row;
  });
const tenant = (tenantId: string) =>
  withPlatform(async (tx) => {
    const [row] = await tx
      .select({ plan: tenants.plan, status: tenants.status })
      .from(tenants)
      .where(eq(tenants.id, tenantId));
    return row!;
  });
const recorded = (eventId: string) =>
  withPlatform(async (tx) => {
    const [row] = await tx.select().from(stripeEvents).where(eq(stripeEvents.id, eventId));
    return row;
  });
const audits = (tenantId: string, action: string) =>
  withPlatform((tx) =>
    tx
      .select({ metadata: auditEvents.metadata })
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.action, action))),
  );

/** A tenant whose billing account already holds a Stripe customer (as checkout leaves it). */
async function stripeTenant(plan = 'free') {
  const { id } = await createTenant({ plan });
  const customer = `cus_${randomUUID().slice(0, 12)}`;
  await withPlatform((tx) =>
    tx.insert(billingAccounts).values({ tenantId: id, mode: 'stripe', stripeCustomerId: customer }),
  );
  return { id, customer };
}

describe('POST /api/webhooks/stripe: the guard', () => {
  it('refuses a bad signature, a missing one and a stale timestamp with 400, writing nothing', async () => {
    const { customer } = await stripeTenant();
    const subscription = fake.subscriptionObject({ customer });
    for (const options of [
      { secret: 'whsec_someone_else' },
      { header: null },
      { header: 't=1,v1=deadbeef' },
      { timestamp: nowSeconds() - 301 },
    ]) {
      const event = fake.event('customer.subscription.updated', subscription);
      const { status, body } = await deliver(event, options);
      expect({ options, status }).toEqual({ options, status: 400 });
      expect(body).toEqual({ error: { code: 'invalid_input', message: expect.any(String) } });
      expect(JSON.stringify(body)).not.toMatch(/whsec|expected|signature.*v1=/i);
      expect(await recorded(event.id as string)).toBeUndefined();
    }
  });

  it('accepts a timestamp inside the 300 s window', async () => {
    const event = fake.event('product.created', { id: 'prod_x', object: 'product' });
    expect((await deliver(event, { timestamp: nowSeconds() - 290 })).status).toBe(200);
  });

  it('answers 404 in internal mode', async () => {
    state.stripe = false;
    try {
      const event = fake.event('product.created', { id: 'prod_x', object: 'product' });
      expect((await deliver(event)).status).toBe(404);
      expect(await recorded(event.id as string)).toBeUndefined();
    } finally {
      state.stripe = true;
    }
  });
});

describe('POST /api/webhooks/stripe: events', () => {
  it('binds the account on checkout.session.completed', async () => {
    const { id } = await createTenant();
    const price = fake.priceObject({ lookupKey: 'tenantry_pro_base' });
    const created = await new Stripe('sk_test_webhooks', {
      host: '127.0.0.1',
      port: fake.port,
      protocol: 'http',
    }).checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: price.id as string, quantity: 1 }],
      client_reference_id: id,
      subscription_data: { trial_period_days: 14, metadata: { tenant_id: id } },
      success_url: 'http://localhost:3000/ok',
      cancel_url: 'http://localhost:3000/cancel',
    });
    expect(created.url).toBe(`${fake.url}/checkout/${created.id}`);
    const { session, subscription, customer } = fake.completeCheckout(created.id);
    const result = await deliver(fake.event('checkout.session.completed', session));
    expect(result).toEqual({ status: 200, body: { received: true } });
    expect(await account(id)).toMatchObject({
      mode: 'stripe',
      stripeCustomerId: customer.id,
      stripeSubscriptionId: subscription.id,
    });

    // Then the subscription itself: trialing on pro; the tenant's plan follows, its status not.
    await deliver(fake.event('customer.subscription.created', subscription));
    expect(await account(id)).toMatchObject({
      status: 'trialing',
      plan: 'pro',
      trialUsed: true,
      trialEndsAt: new Date((subscription.trial_end as number) * 1000),
    });
    expect(await tenant(id)).toEqual({ plan: 'pro', status: 'active' });
  });

  it('follows a plan change and mirrors periods from the subscription items', async () => {
    const { id, customer } = await stripeTenant('pro');
    const start = nowSeconds() - 86_400;
    const subscription = fake.subscriptionObject({
      customer,
      prices: ['tenantry_business_base', 'tenantry_business_api_calls_per_month_overage'],
      currentPeriodStart: start,
      currentPeriodEnd: start + 30 * 86_400,
      cancelAtPeriodEnd: true,
    });
    expect((await deliver(fake.event('customer.subscription.updated', subscription))).status).toBe(
      200,
    );
    expect(await account(id)).toMatchObject({
      status: 'active',
      plan: 'business',
      stripeSubscriptionId: subscription.id,
      currentPeriodStart: new Date(start * 1000),
      currentPeriodEnd: new Date((start + 30 * 86_400) * 1000),
      cancelAtPeriodEnd: true,
    });
    expect((await tenant(id)).plan).toBe('business');
    expect(await audits(id, 'tenant.plan_changed')).toEqual([
      { metadata: { from: 'pro', to: 'business' } },
    ]);

    await deliver(
      fake.event('customer.subscription.deleted', { ...subscription, status: 'canceled' }),
    );
    expect(await account(id)).toMatchObject({ status: 'canceled', plan: 'free' });
    expect((await tenant(id)).plan).toBe('free');
  });

  it('never moves a subscription backwards: a newer event first, then an older one', async () => {
    const { id, customer } = await stripeTenant();
    const t = nowSeconds();
    const newer = fake.subscriptionObject({ customer, prices: ['tenantry_business_base'] });
    const older = {
      ...newer,
      status: 'trialing',
      items: fake.subscriptionObject({ customer }).items,
    };
    await deliver(fake.event('customer.subscription.updated', newer, { created: t }));
    const late = fake.event('customer.subscription.updated', older, { created: t - 5 });
    expect((await deliver(late)).status).toBe(200);
    expect(await account(id)).toMatchObject({
      status: 'active',
      plan: 'business',
      subscriptionEventAt: new Date(t * 1000),
    });
    expect((await tenant(id)).plan).toBe('business');
    expect((await recorded(late.id as string))?.outcome).toBe('ignored: older than state');

    // The tie rule: an event of the same second is applied (the later delivery wins)…
    await deliver(
      fake.event('customer.subscription.updated', { ...newer, status: 'past_due' }, { created: t }),
    );
    expect((await account(id))?.status).toBe('past_due');
    // …but never revives a subscription mirrored as deleted in that second.
    await deliver(
      fake.event(
        'customer.subscription.deleted',
        { ...newer, status: 'canceled' },
        { created: t + 1 },
      ),
    );
    const revive = fake.event('customer.subscription.updated', newer, { created: t + 1 });
    await deliver(revive);
    expect(await account(id)).toMatchObject({ status: 'canceled', plan: 'free' });
    expect((await recorded(revive.id as string))?.outcome).toBe(
      'ignored: subscription already ended',
    );
  });

  it('applies an event once, whether it comes twice in a row or twice at once', async () => {
    const { id, customer } = await stripeTenant();
    const event = fake.event(
      'customer.subscription.updated',
      fake.subscriptionObject({ customer, prices: ['tenantry_pro_base'] }),
    );
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true } });
    expect(await deliver(event)).toEqual({
      status: 200,
      body: { received: true, duplicate: true },
    });

    const concurrent = fake.event(
      'customer.subscription.updated',
      fake.subscriptionObject({ customer, prices: ['tenantry_business_base'] }),
      { created: nowSeconds() + 1 },
    );
    const answers = await Promise.all([
      deliver(concurrent),
      deliver(concurrent),
      deliver(concurrent),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.filter((a) => a.body.duplicate).length).toBe(2);
    expect((await audits(id, 'tenant.plan_changed')).map((a) => a.metadata)).toEqual([
      { from: 'free', to: 'pro' },
      { from: 'pro', to: 'business' },
    ]);
    expect((await recorded(concurrent.id as string))?.outcome).toBe('applied');
  });

  it('mirrors an invoice with its plan, overage and tax lines', async () => {
    const { id, customer } = await stripeTenant('pro');
    const due = nowSeconds() + 7 * 86_400;
    const invoice = fake.invoiceObject({
      customer,
      subscription: `sub_${randomUUID().slice(0, 8)}`,
      number: `INV-${randomUUID().slice(0, 6)}`,
      dueDate: due,
      lines: [
        {
          price: 'tenantry_pro_base',
          description: '1 × Tenantry Pro',
          amount: 4_900,
          taxes: [{ amount: 980 }],
        },
        {
          price: 'tenantry_pro_api_calls_per_month_overage',
          description: 'API calls overage',
          quantity: 3,
          unitAmount: 50,
          taxes: [{ amount: 30 }],
        },
      ],
    });
    fake.put(invoice);
    const before = fake.requests.length;
    expect((await deliver(fake.event('invoice.finalized', invoice))).status).toBe(200);
    // The event carries prices by id: the route fetched what it had not seen.
    expect(
      fake.requests
        .slice(before)
        .every((r) => r.method === 'GET' && r.path.startsWith('/v1/prices/')),
    ).toBe(true);

    const [row] = await withPlatform((tx) =>
      tx
        .select()
        .from(invoices)
        .where(and(eq(invoices.tenantId, id), eq(invoices.stripeInvoiceId, invoice.id as string))),
    );
    expect(row).toMatchObject({
      source: 'stripe',
      number: invoice.number,
      status: 'open',
      currency: 'usd',
      subtotal: 5_050,
      tax: 1_010,
      total: 6_060,
      amountPaid: 0,
      amountDue: 6_060,
      dueAt: new Date(due * 1000),
      hostedUrl: invoice.hosted_invoice_url,
    });
    const lines = await withPlatform((tx) =>
      tx
        .select({
          kind: invoiceLines.kind,
          description: invoiceLines.description,
          limit: invoiceLines.limit,
          quantity: invoiceLines.quantity,
          unitAmount: invoiceLines.unitAmount,
          amount: invoiceLines.amount,
        })
        .from(invoiceLines)
        .where(eq(invoiceLines.invoiceId, row!.id))
        .orderBy(asc(invoiceLines.position)),
    );
    expect(lines).toEqual([
      {
        kind: 'plan',
        description: '1 × Tenantry Pro',
        limit: null,
        quantity: 1,
        unitAmount: 4_900,
        amount: 4_900,
      },
      {
        kind: 'overage',
        description: 'API calls overage',
        limit: 'api_calls_per_month',
        quantity: 3,
        unitAmount: 50,
        amount: 150,
      },
      {
        kind: 'tax',
        description: 'Tax (txr_fake_vat)',
        limit: null,
        quantity: 1,
        unitAmount: null,
        amount: 1_010,
      },
    ]);
  });

  it('moves a tenant past due on a failed payment, suspends it after the grace period, and restores it when paid', async () => {
    const { id, customer } = await stripeTenant('pro');
    const eightDaysAgo = nowSeconds() - 8 * 86_400;
    const invoice = fake.invoiceObject({
      customer,
      lines: [{ price: 'tenantry_pro_base', amount: 4_900 }],
      dueDate: eightDaysAgo,
      created: eightDaysAgo,
    });
    await deliver(fake.event('invoice.payment_failed', invoice, { created: eightDaysAgo }));
    expect((await tenant(id)).status).toBe('past_due');
    expect((await account(id))?.pastDueSince).toEqual(new Date(eightDaysAgo * 1000));

    const suspended = await withPlatform((tx) => suspendAfterGracePeriod(tx, new Date(), 7));
    expect(suspended).toContain(id);
    expect((await tenant(id)).status).toBe('suspended');

    const paid = { ...invoice, status: 'paid', amount_paid: 4_900 };
    expect((await deliver(fake.event('invoice.paid', paid))).status).toBe(200);
    expect((await tenant(id)).status).toBe('active');
    expect(await account(id)).toMatchObject({ pastDueSince: null, suspendedForNonpayment: false });
    const [row] = await withPlatform((tx) =>
      tx
        .select()
        .from(invoices)
        .where(and(eq(invoices.tenantId, id), eq(invoices.stripeInvoiceId, invoice.id as string))),
    );
    expect(row).toMatchObject({ status: 'paid', amountPaid: 4_900, amountDue: 0 });

    // The failure delivered again late (older than the paid copy) changes nothing.
    const late = fake.event('invoice.payment_failed', invoice, { created: eightDaysAgo + 1 });
    await deliver(late);
    expect((await tenant(id)).status).toBe('active');
    expect((await recorded(late.id as string))?.outcome).toBe('ignored: older than state');
  });

  it('records an unknown customer’s event and an unhandled type, answering 200', async () => {
    const unknown = fake.event(
      'customer.subscription.updated',
      fake.subscriptionObject({ customer: `cus_${randomUUID().slice(0, 12)}` }),
    );
    expect(await deliver(unknown)).toEqual({ status: 200, body: { received: true } });
    expect(await recorded(unknown.id as string)).toMatchObject({
      type: 'customer.subscription.updated',
      outcome: 'ignored: unknown customer',
      payload: { id: unknown.id },
    });
    const other = fake.event('customer.created', { id: 'cus_x', object: 'customer' });
    expect((await deliver(other)).status).toBe(200);
    expect((await recorded(other.id as string))?.outcome).toBe('ignored: unhandled type');
  });

  it('answers 500 and records nothing when processing fails, so Stripe’s retry applies it', async () => {
    const { id, customer } = await stripeTenant('pro');
    const price = fake.priceObject({
      lookupKey: undefined,
      product: 'tenantry_pro',
      unitAmount: 4_900,
    });
    const invoice = fake.invoiceObject({ customer, lines: [{ price: price.id as string }] });
    const event = fake.event('invoice.finalized', invoice);
    fake.failNext(`/v1/prices/${price.id as string}`, 3, 'error');
    const failed = await deliver(event);
    expect(failed).toEqual({
      status: 500,
      body: { error: { code: 'internal', message: expect.any(String) } },
    });
    expect(await recorded(event.id as string)).toBeUndefined();

    expect((await deliver(event)).status).toBe(200);
    const [row] = await withPlatform((tx) =>
      tx
        .select({ total: invoices.total })
        .from(invoices)
        .where(and(eq(invoices.tenantId, id), eq(invoices.stripeInvoiceId, invoice.id as string))),
    );
    expect(row).toEqual({ total: 4_900 });
  });
});
