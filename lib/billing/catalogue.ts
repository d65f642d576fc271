import type Stripe from 'stripe';
import { meteredLimits, plans, type MeteredLimit, type Plan } from '@/lib/plans';

export type SyncAction = {
  kind: 'product' | 'price' | 'meter';
  key: string;
  action: 'created' | 'updated' | 'unchanged';
};

/** The Stripe billing meter's event name for a metric: what usage reports send. */
export const meterEventName = (metric: string) => `tenantry_${metric}`;
/** Lookup keys of a plan's prices: its base, and the overage price of each metered allowance. */
export const basePriceKey = (plan: string) => `tenantry_${plan}_base`;
export const overagePriceKey = (plan: string, limit: MeteredLimit) =>
  `tenantry_${plan}_${limit}_overage`;
export const productId = (plan: string) => `tenantry_${plan}`;

/** The lookup keys of a plan's prices: its base first, then each metered overage price. */
export function planPriceKeys(plan: Plan): string[] {
  return [
    basePriceKey(plan.id),
    ...(Object.keys(plan.pricing.overagePrices) as MeteredLimit[]).map((limit) =>
      overagePriceKey(plan.id, limit),
    ),
  ];
}

/** The active prices holding these lookup keys, by key (Stripe takes ten keys per call). */
export async function pricesByLookupKey(
  stripe: Stripe,
  keys: readonly string[],
): Promise<Map<string, Stripe.Price>> {
  const found = new Map<string, Stripe.Price>();
  for (let i = 0; i < keys.length; i += 10) {
    const page = await stripe.prices.list({
      lookup_keys: keys.slice(i, i + 10),
      active: true,
      limit: 100,
    });
    for (const price of page.data) if (price.lookup_key) found.set(price.lookup_key, price);
  }
  return found;
}

function isMissing(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'resource_missing';
}

async function syncProduct(stripe: Stripe, plan: Plan): Promise<SyncAction> {
  const id = productId(plan.id);
  const name = `Tenantry ${plan.name}`;
  try {
    const product = await stripe.products.retrieve(id);
    if (product.name === name) return { kind: 'product', key: id, action: 'unchanged' };
    await stripe.products.update(id, { name });
    return { kind: 'product', key: id, action: 'updated' };
  } catch (error) {
    if (!isMissing(error)) throw error;
    await stripe.products.create({ id, name, metadata: { tenantry_plan: plan.id } });
    return { kind: 'product', key: id, action: 'created' };
  }
}

/**
 * A price is immutable in Stripe: when the catalogue's amount changes, a new price takes the
 * lookup key over (`transfer_lookup_key`), and subscriptions move to it on their next change.
 */
async function syncPrice(
  stripe: Stripe,
  existing: Map<string, Stripe.Price>,
  wanted: Stripe.PriceCreateParams & { lookup_key: string },
  same: (price: Stripe.Price) => boolean,
): Promise<SyncAction> {
  const current = existing.get(wanted.lookup_key);
  if (current && same(current))
    return { kind: 'price', key: wanted.lookup_key, action: 'unchanged' };
  await stripe.prices.create({ ...wanted, transfer_lookup_key: true });
  return { kind: 'price', key: wanted.lookup_key, action: current ? 'updated' : 'created' };
}

/**
 * `npm run stripe:sync`: makes Stripe's products, prices and billing meters match the plan
 * catalogue in lib/plans, idempotently — a second run changes nothing. Per paid plan: a product
 * (`tenantry_<plan>`), a monthly base price and, per allowance with an overage price, a metered
 * price on the metric's billing meter that bills blocks of `per` units rounded up (the same
 * rule as ratePeriod). Free plans have no Stripe objects.
 */
export async function syncStripeCatalogue(
  stripe: Stripe,
  catalogue: readonly Plan[] = Object.values(plans),
): Promise<SyncAction[]> {
  const actions: SyncAction[] = [];
  const paid = catalogue.filter((plan) => plan.pricing.monthlyAmount > 0);

  const meters = new Map<string, Stripe.Billing.Meter>();
  for (const meter of (await stripe.billing.meters.list({ limit: 100 })).data)
    meters.set(meter.event_name, meter);
  const metrics = new Set(
    paid.flatMap((plan) =>
      (Object.keys(plan.pricing.overagePrices) as MeteredLimit[]).map(
        (limit) => meteredLimits[limit].metric,
      ),
    ),
  );
  for (const metric of [...metrics].sort()) {
    const eventName = meterEventName(metric);
    if (meters.has(eventName)) {
      actions.push({ kind: 'meter', key: eventName, action: 'unchanged' });
      continue;
    }
    const meter = await stripe.billing.meters.create({
      display_name: `Tenantry ${metric}`,
      event_name: eventName,
      default_aggregation: { formula: 'sum' },
      customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
      value_settings: { event_payload_key: 'value' },
    });
    meters.set(eventName, meter);
    actions.push({ kind: 'meter', key: eventName, action: 'created' });
  }

  const existing = await pricesByLookupKey(stripe, paid.flatMap(planPriceKeys));

  for (const plan of paid) {
    actions.push(await syncProduct(stripe, plan));
    const { currency, monthlyAmount, overagePrices } = plan.pricing;
    actions.push(
      await syncPrice(
        stripe,
        existing,
        {
          lookup_key: basePriceKey(plan.id),
          product: productId(plan.id),
          currency,
          unit_amount: monthlyAmount,
          recurring: { interval: 'month' },
          nickname: `${plan.name} monthly`,
        },
        (price) => price.unit_amount === monthlyAmount && price.currency === currency,
      ),
    );
    for (const limit of Object.keys(overagePrices).sort() as MeteredLimit[]) {
      const price = overagePrices[limit]!;
      const meter = meters.get(meterEventName(meteredLimits[limit].metric))!;
      actions.push(
        await syncPrice(
          stripe,
          existing,
          {
            lookup_key: overagePriceKey(plan.id, limit),
            product: productId(plan.id),
            currency,
            unit_amount: price.unitAmount,
            recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
            transform_quantity: { divide_by: price.per, round: 'up' },
            nickname: `${plan.name} ${limit} overage`,
          },
          (current) =>
            current.unit_amount === price.unitAmount &&
            Number(current.transform_quantity?.divide_by) === price.per,
        ),
      );
    }
  }
  return actions;
}
