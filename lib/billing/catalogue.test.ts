import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plans, type Plan } from '@/lib/plans';
import { startStripeFake, type StripeFake } from '@/test-support/stripe-fake';
import { syncStripeCatalogue } from './catalogue';
import { createStripeClient, stripeFromEnv } from './stripe';

let fake: StripeFake;
const stripe = () => createStripeClient({ secretKey: 'sk_test_fake', apiUrl: fake.url });

beforeAll(async () => {
  fake = await startStripeFake();
});
afterAll(() => fake.close());

const byAction = (actions: { action: string }[]) =>
  actions.reduce<Record<string, number>>((counts, { action }) => {
    counts[action] = (counts[action] ?? 0) + 1;
    return counts;
  }, {});

describe('syncStripeCatalogue (the real Stripe SDK against a local fake)', () => {
  it('creates products, base and metered overage prices and meters for the paid plans', async () => {
    const actions = await syncStripeCatalogue(stripe());
    expect(byAction(actions)).toEqual({ created: 3 + 3 + 15 + 5 });
    const product = fake.objects.get('tenantry_pro');
    expect(product).toMatchObject({ name: 'Tenantry Pro', metadata: { tenantry_plan: 'pro' } });
    expect(fake.objects.has('tenantry_free')).toBe(false);
    const prices = [...fake.objects.values()].filter((object) => object.object === 'price');
    expect(prices.find((price) => price.lookup_key === 'tenantry_pro_base')).toMatchObject({
      unit_amount: 4_900,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    const meter = [...fake.objects.values()].find(
      (object) => object.event_name === 'tenantry_api_calls',
    );
    expect(
      prices.find((price) => price.lookup_key === 'tenantry_pro_api_calls_per_month_overage'),
    ).toMatchObject({
      unit_amount: 50,
      recurring: { interval: 'month', usage_type: 'metered', meter: meter?.id },
      transform_quantity: { divide_by: '10000', round: 'up' },
    });
  });

  it('changes nothing when run again', async () => {
    const before = fake.requests.filter((request) => request.method === 'POST').length;
    const actions = await syncStripeCatalogue(stripe());
    expect(byAction(actions)).toEqual({ unchanged: 26 });
    expect(fake.requests.filter((request) => request.method === 'POST').length).toBe(before);
  });

  it('moves a lookup key to a new price when the catalogue’s amount changes', async () => {
    const raised: Plan[] = Object.values(plans).map((plan) =>
      plan.id === 'pro'
        ? { ...plan, name: 'Pro+', pricing: { ...plan.pricing, monthlyAmount: 5_900 } }
        : plan,
    );
    const actions = await syncStripeCatalogue(stripe(), raised);
    expect(actions.filter((action) => action.action !== 'unchanged')).toEqual([
      { kind: 'product', key: 'tenantry_pro', action: 'updated' },
      { kind: 'price', key: 'tenantry_pro_base', action: 'updated' },
    ]);
    const holders = [...fake.objects.values()].filter(
      (object) => object.object === 'price' && object.lookup_key === 'tenantry_pro_base',
    );
    expect(holders).toEqual([expect.objectContaining({ unit_amount: 5_900 })]);
  });
});

describe('stripeFromEnv', () => {
  it('is null without STRIPE_SECRET_KEY: internal billing', () => {
    expect(stripeFromEnv()).toBeNull();
  });
});
