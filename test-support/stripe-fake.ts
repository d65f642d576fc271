import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A small local fake of the Stripe API endpoints Tenantry calls, for tests: the real Stripe SDK
 * talks to it through its host, port and protocol options. It keeps objects in memory and
 * answers in Stripe's shapes (ids, `object`, list envelopes, `resource_missing` errors), and
 * records every request so tests can count calls.
 *
 * Endpoints (form-encoded bodies, JSON answers):
 * - `GET|POST /v1/products/:id`, `POST /v1/products` — catalogue products (caller-chosen ids).
 * - `GET /v1/prices?lookup_keys[]=…`, `POST /v1/prices` (honours `transfer_lookup_key`),
 *   `GET /v1/prices/:id`.
 * - `GET|POST /v1/billing/meters` — billing meters.
 * - `POST /v1/customers`, `GET /v1/customers/:id`.
 * - `POST /v1/checkout/sessions` — mode subscription; keeps line_items, subscription_data
 *   (trial_period_days, metadata), client_reference_id, metadata, customer / customer_email,
 *   success_url, cancel_url; answers `url: <fake>/checkout/<id>`. `GET /v1/checkout/sessions/:id`.
 *   `fake.completeCheckout(id)` plays the customer paying: customer and subscription created.
 * - `POST /v1/billing_portal/sessions` — answers `url: <fake>/portal/<id>`.
 * - `GET /v1/subscriptions/:id`; `POST /v1/subscriptions/:id` — `items[n][id|price|quantity|deleted]`
 *   (swap a price by giving the item's id and a new price), `cancel_at_period_end`,
 *   `proration_behavior` (recorded as `last_proration_behavior`), `metadata`;
 *   `DELETE /v1/subscriptions/:id` — the SDK's `subscriptions.cancel`: status canceled now.
 * - `GET /v1/invoices/:id`, `GET /v1/invoices/:id/lines`.
 * - `POST /v1/billing/meter_events` — `event_name`, `payload[stripe_customer_id|value]`,
 *   `identifier`, `timestamp`. Like Stripe, a repeated identifier is not counted again (the
 *   original event is answered); `meterEvents` holds the counted events, and `requests` every
 *   raw request, so a test can prove a retry happened and was not double counted.
 * - `GET /v1/billing/meters/:id/event_summaries?customer&start_time&end_time` — one summary whose
 *   `aggregated_value` sums the counted events of that meter and customer with
 *   start_time ≤ timestamp < end_time.
 *
 * Failure injection: `fake.failNext(path, count, mode)` makes the next `count` requests whose path
 * matches answer 500 (`error`), drop the connection before doing anything (`drop`), or do the work
 * and then drop the connection so the caller never hears the answer (`drop-after`).
 *
 * Builders for webhook tests (`priceObject`, `subscriptionObject`, `invoiceObject`, `event`) make
 * Stripe-shaped objects (API version 2026-10-28: periods on subscription items, invoice lines
 * with `pricing.price_details`, `parent.subscription_details`, `total_taxes`).
 */
export type FailureMode = 'error' | 'drop' | 'drop-after';

type StripeObject = Record<string, unknown>;

export type MeterEventRecord = {
  event_name: string;
  identifier: string;
  timestamp: number;
  payload: Record<string, string>;
};

export type SubscriptionOptions = {
  id?: string;
  customer: string;
  status?: string;
  /** Prices by id or lookup key (created on the fly when the lookup key is unknown). */
  prices?: string[];
  currentPeriodStart?: number;
  currentPeriodEnd?: number;
  cancelAtPeriodEnd?: boolean;
  cancelAt?: number | null;
  trialEnd?: number | null;
  metadata?: Record<string, string>;
  created?: number;
};

export type InvoiceLineOptions = {
  /** Price id or lookup key. */
  price: string;
  description?: string;
  quantity?: number;
  unitAmount?: number;
  amount?: number;
  periodStart?: number;
  periodEnd?: number;
  taxes?: { amount: number; taxRate?: string; behavior?: 'exclusive' | 'inclusive' }[];
};

export type InvoiceOptions = {
  id?: string;
  customer: string;
  subscription?: string | null;
  subscriptionMetadata?: Record<string, string>;
  number?: string | null;
  status?: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  currency?: string;
  lines: InvoiceLineOptions[];
  /** Invoice-level taxes; default: the sum of the lines' taxes per rate and behaviour. */
  totalTaxes?: { amount: number; taxRate?: string; behavior?: 'exclusive' | 'inclusive' }[];
  amountPaid?: number;
  dueDate?: number | null;
  periodStart?: number;
  periodEnd?: number;
  created?: number;
  paidAt?: number | null;
  hostedInvoiceUrl?: string | null;
  metadata?: Record<string, string>;
};

export type StripeFake = {
  url: string;
  port: number;
  requests: { method: string; path: string; body: Record<string, unknown> }[];
  objects: Map<string, StripeObject>;
  /** Meter events Stripe counted (one per identifier). */
  meterEvents: MeterEventRecord[];
  failNext(path: string | RegExp, count?: number, mode?: FailureMode): void;
  /** Stores (or replaces) an object under its id, e.g. one a test built. */
  put<T extends StripeObject>(object: T): T;
  priceObject(options: {
    lookupKey?: string;
    product?: string;
    unitAmount?: number;
    metered?: boolean;
    currency?: string;
  }): StripeObject;
  subscriptionObject(options: SubscriptionOptions): StripeObject;
  invoiceObject(options: InvoiceOptions): StripeObject;
  /** A webhook event's JSON object (`id`, `type`, `created`, `data.object`). */
  event(
    type: string,
    object: StripeObject,
    options?: { id?: string; created?: number; previousAttributes?: StripeObject },
  ): StripeObject;
  /** The customer pays at the checkout URL: a customer (unless given) and a subscription. */
  completeCheckout(
    sessionId: string,
    options?: { status?: string; now?: number },
  ): { session: StripeObject; subscription: StripeObject; customer: StripeObject };
  close(): Promise<void>;
};

/** `a[b][0]=x&c=y` → { a: { b: ['x'] }, c: 'y' } (Stripe's form encoding). */
export function parseStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = rawKey.split(/\[|\]\[|\]/).filter((part) => part !== '');
    let node: Record<string, unknown> | unknown[] = root;
    path.forEach((part, index) => {
      const last = index === path.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(path[index + 1]!);
      const key = Array.isArray(node) ? Number(part) : part;
      const container = node as Record<string | number, unknown>;
      if (last) container[key] = value;
      else {
        container[key] ??= nextIsIndex ? [] : {};
        node = container[key] as Record<string, unknown> | unknown[];
      }
    });
  }
  return root;
}

let sequence = 0;
const newId = (prefix: string) => `${prefix}_fake${(++sequence).toString().padStart(8, '0')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const MONTH = 30 * 86_400;
const asArray = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? (value as Record<string, unknown>[])
    : value && typeof value === 'object'
      ? Object.values(value as Record<string, Record<string, unknown>>)
      : [];

export async function startStripeFake(): Promise<StripeFake> {
  const objects = new Map<string, StripeObject>();
  const requests: StripeFake['requests'] = [];
  const meterEvents: MeterEventRecord[] = [];
  const failures: { path: string | RegExp; remaining: number; mode: FailureMode }[] = [];
  let baseUrl = '';
  const list = (data: unknown[], url: string) => ({ object: 'list', data, has_more: false, url });
  const missing = (id: string) => ({
    status: 404,
    body: {
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such object: '${id}'`,
      },
    },
  });
  const invalid = (message: string, param?: string) => ({
    status: 400,
    body: { error: { type: 'invalid_request_error', code: 'parameter_invalid', message, param } },
  });
  const ofType = (type: string) => [...objects.values()].filter((object) => object.object === type);
  const get = (id: string, type: string) => {
    const object = objects.get(id);
    return object && object.object === type ? object : undefined;
  };
  const put = <T extends StripeObject>(object: T): T => {
    objects.set(object.id as string, object);
    return object;
  };

  function priceObject(options: {
    lookupKey?: string;
    product?: string;
    unitAmount?: number;
    metered?: boolean;
    currency?: string;
  }): StripeObject {
    if (options.lookupKey) {
      const existing = ofType('price').find((price) => price.lookup_key === options.lookupKey);
      if (existing) return existing;
    }
    const plan = /^tenantry_([a-z0-9]+)_/.exec(options.lookupKey ?? '')?.[1];
    const metered = options.metered ?? /_overage$/.test(options.lookupKey ?? '');
    return put({
      id: newId('price'),
      object: 'price',
      active: true,
      currency: options.currency ?? 'usd',
      lookup_key: options.lookupKey ?? null,
      product: options.product ?? (plan ? `tenantry_${plan}` : newId('prod')),
      unit_amount: options.unitAmount ?? (metered ? 50 : 4_900),
      unit_amount_decimal: String(options.unitAmount ?? (metered ? 50 : 4_900)),
      type: 'recurring',
      recurring: {
        interval: 'month',
        interval_count: 1,
        usage_type: metered ? 'metered' : 'licensed',
        meter: null,
      },
      metadata: {},
    });
  }

  /** A price by id, or by lookup key (made on the fly). */
  const priceFor = (ref: string) =>
    get(ref, 'price') ?? (ref.startsWith('price_') ? undefined : priceObject({ lookupKey: ref }));

  function subscriptionItem(
    subscriptionId: string,
    price: StripeObject,
    period: { start: number; end: number },
    quantity?: number,
  ): StripeObject {
    const metered = (price.recurring as { usage_type?: string } | null)?.usage_type === 'metered';
    return {
      id: newId('si'),
      object: 'subscription_item',
      created: period.start,
      current_period_start: period.start,
      current_period_end: period.end,
      metadata: {},
      price,
      ...(metered ? {} : { quantity: quantity ?? 1 }),
      subscription: subscriptionId,
      discounts: [],
      tax_rates: [],
    };
  }

  function subscriptionObject(options: SubscriptionOptions): StripeObject {
    const id = options.id ?? newId('sub');
    const start = options.currentPeriodStart ?? nowSeconds();
    const period = { start, end: options.currentPeriodEnd ?? start + MONTH };
    const items = (options.prices ?? ['tenantry_pro_base']).map((ref) => {
      const price = priceFor(ref);
      if (!price) throw new Error(`stripe fake: no price ${ref}`);
      return subscriptionItem(id, price, period);
    });
    return {
      id,
      object: 'subscription',
      customer: options.customer,
      status: options.status ?? 'active',
      created: options.created ?? start,
      start_date: options.created ?? start,
      billing_cycle_anchor: start,
      cancel_at: options.cancelAt ?? null,
      cancel_at_period_end: options.cancelAtPeriodEnd ?? false,
      canceled_at: null,
      ended_at: null,
      currency: 'usd',
      items: { object: 'list', data: items, has_more: false, url: `/v1/subscription_items` },
      latest_invoice: null,
      livemode: false,
      metadata: options.metadata ?? {},
      trial_start: options.trialEnd ? start : null,
      trial_end: options.trialEnd ?? null,
    };
  }

  function invoiceObject(options: InvoiceOptions): StripeObject {
    const id = options.id ?? newId('in');
    const created = options.created ?? nowSeconds();
    const currency = options.currency ?? 'usd';
    const lines = options.lines.map((line) => {
      const price = priceFor(line.price);
      if (!price) throw new Error(`stripe fake: no price ${line.price}`);
      const quantity = line.quantity ?? 1;
      const unitAmount = line.unitAmount ?? (price.unit_amount as number);
      const amount = line.amount ?? Math.round(quantity * unitAmount);
      return {
        id: newId('il'),
        object: 'line_item',
        amount,
        currency,
        description: line.description ?? `${quantity} × ${price.lookup_key ?? price.id}`,
        discount_amounts: [],
        discountable: true,
        discounts: [],
        invoice: id,
        livemode: false,
        metadata: {},
        parent: options.subscription
          ? {
              type: 'subscription_item_details',
              invoice_item_details: null,
              subscription_item_details: {
                invoice_item: null,
                proration: false,
                proration_details: { credited_items: null },
                subscription: options.subscription,
                subscription_item: newId('si'),
              },
            }
          : null,
        period: {
          start: line.periodStart ?? options.periodStart ?? created,
          end: line.periodEnd ?? options.periodEnd ?? created + MONTH,
        },
        pretax_credit_amounts: [],
        pricing: {
          type: 'price_details',
          price_details: { price: price.id, product: price.product },
          unit_amount_decimal: String(unitAmount),
        },
        quantity,
        quantity_decimal: String(quantity),
        subtotal: amount,
        taxes: (line.taxes ?? []).map((tax) => ({
          amount: tax.amount,
          tax_behavior: tax.behavior ?? 'exclusive',
          tax_rate_details: { tax_rate: tax.taxRate ?? 'txr_fake_vat' },
          taxability_reason: 'standard_rated',
          taxable_amount: amount,
          type: 'tax_rate_details',
        })),
      };
    });
    const byRate = new Map<string, { amount: number; taxRate: string; behavior: string }>();
    for (const tax of options.lines.flatMap((line) => line.taxes ?? [])) {
      const key = `${tax.taxRate ?? 'txr_fake_vat'}/${tax.behavior ?? 'exclusive'}`;
      const entry = byRate.get(key) ?? {
        amount: 0,
        taxRate: tax.taxRate ?? 'txr_fake_vat',
        behavior: tax.behavior ?? 'exclusive',
      };
      entry.amount += tax.amount;
      byRate.set(key, entry);
    }
    const totalTaxes = (options.totalTaxes ?? [...byRate.values()]).map((tax) => ({
      amount: tax.amount,
      tax_behavior: tax.behavior ?? 'exclusive',
      tax_rate_details: { tax_rate: tax.taxRate ?? 'txr_fake_vat' },
      taxability_reason: 'standard_rated',
      taxable_amount: null,
      type: 'tax_rate_details',
    }));
    const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
    const exclusiveTax = totalTaxes
      .filter((tax) => tax.tax_behavior === 'exclusive')
      .reduce((sum, tax) => sum + tax.amount, 0);
    const total = subtotal + exclusiveTax;
    const status = options.status ?? 'open';
    const amountPaid = options.amountPaid ?? (status === 'paid' ? total : 0);
    const paidAt = options.paidAt ?? (status === 'paid' ? created : null);
    return {
      id,
      object: 'invoice',
      amount_due: total,
      amount_paid: amountPaid,
      amount_remaining: Math.max(0, total - amountPaid),
      attempt_count: 0,
      attempted: false,
      billing_reason: options.subscription ? 'subscription_cycle' : 'manual',
      collection_method: 'charge_automatically',
      created,
      currency,
      customer: options.customer,
      due_date: options.dueDate ?? null,
      hosted_invoice_url: options.hostedInvoiceUrl ?? `${baseUrl}/invoices/${id}`,
      invoice_pdf: `${baseUrl}/invoices/${id}/pdf`,
      lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
      livemode: false,
      metadata: options.metadata ?? {},
      number: options.number === undefined ? `FAKE-${id.slice(-6)}` : options.number,
      parent: options.subscription
        ? {
            type: 'subscription_details',
            quote_details: null,
            subscription_details: {
              metadata: options.subscriptionMetadata ?? {},
              subscription: options.subscription,
            },
          }
        : null,
      period_start: options.periodStart ?? created,
      period_end: options.periodEnd ?? created,
      status,
      status_transitions: {
        finalized_at: status === 'draft' ? null : created,
        marked_uncollectible_at: null,
        paid_at: paidAt,
        voided_at: null,
      },
      subtotal,
      subtotal_excluding_tax: subtotal,
      total,
      total_excluding_tax: subtotal,
      total_discount_amounts: [],
      total_pretax_credit_amounts: [],
      total_taxes: totalTaxes,
    };
  }

  function event(
    type: string,
    object: StripeObject,
    options: { id?: string; created?: number; previousAttributes?: StripeObject } = {},
  ): StripeObject {
    return {
      id: options.id ?? newId('evt'),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: options.created ?? nowSeconds(),
      data: {
        object,
        ...(options.previousAttributes ? { previous_attributes: options.previousAttributes } : {}),
      },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  function completeCheckout(
    sessionId: string,
    options: { status?: string; now?: number } = {},
  ): { session: StripeObject; subscription: StripeObject; customer: StripeObject } {
    const session = get(sessionId, 'checkout.session');
    if (!session) throw new Error(`stripe fake: no checkout session ${sessionId}`);
    const customer =
      (typeof session.customer === 'string' ? get(session.customer, 'customer') : undefined) ??
      put({
        id: newId('cus'),
        object: 'customer',
        email: session.customer_email ?? null,
        metadata: {},
        created: nowSeconds(),
      });
    const data = (session.subscription_data ?? {}) as {
      trial_period_days?: string;
      metadata?: Record<string, string>;
    };
    const now = options.now ?? nowSeconds();
    const trialDays = data.trial_period_days ? Number(data.trial_period_days) : 0;
    const subscription = put(
      subscriptionObject({
        customer: customer.id as string,
        status: options.status ?? (trialDays ? 'trialing' : 'active'),
        prices: asArray(session.line_items).map((item) => item.price as string),
        currentPeriodStart: now,
        currentPeriodEnd: now + (trialDays ? trialDays * 86_400 : MONTH),
        trialEnd: trialDays ? now + trialDays * 86_400 : null,
        metadata: data.metadata ?? {},
        created: now,
      }),
    );
    Object.assign(session, {
      status: 'complete',
      payment_status: trialDays ? 'no_payment_required' : 'paid',
      customer: customer.id,
      subscription: subscription.id,
    });
    return { session, subscription, customer };
  }

  function updateSubscription(subscription: StripeObject, body: Record<string, unknown>) {
    const items = subscription.items as { data: StripeObject[] };
    const first = items.data[0];
    const period = {
      start: (first?.current_period_start as number | undefined) ?? nowSeconds(),
      end: (first?.current_period_end as number | undefined) ?? nowSeconds() + MONTH,
    };
    for (const change of asArray(body.items)) {
      const existing = change.id ? items.data.find((item) => item.id === change.id) : undefined;
      if (change.id && !existing)
        return invalid(`No such subscription item: ${change.id as string}`);
      if (change.deleted === 'true') {
        items.data = items.data.filter((item) => item !== existing);
        continue;
      }
      const price = change.price ? get(change.price as string, 'price') : undefined;
      if (change.price && !price) return missing(change.price as string);
      const quantity = change.quantity === undefined ? undefined : Number(change.quantity);
      if (existing) {
        if (price) existing.price = price;
        if (quantity !== undefined) existing.quantity = quantity;
      } else if (price)
        items.data.push(subscriptionItem(subscription.id as string, price, period, quantity));
    }
    if (body.cancel_at_period_end !== undefined)
      subscription.cancel_at_period_end = body.cancel_at_period_end === 'true';
    if (body.proration_behavior !== undefined)
      subscription.last_proration_behavior = body.proration_behavior;
    if (body.metadata)
      subscription.metadata = {
        ...(subscription.metadata as object),
        ...(body.metadata as object),
      };
    return { status: 200, body: subscription };
  }

  function handle(method: string, url: URL, body: Record<string, unknown>) {
    const path = url.pathname;
    const query = () => parseStripeForm(url.search.slice(1));
    let match: RegExpMatchArray | null;
    if ((match = path.match(/^\/v1\/products\/([^/]+)$/))) {
      const product = objects.get(match[1]!);
      if (!product || product.object !== 'product') return missing(match[1]!);
      if (method === 'POST') Object.assign(product, body, { updated: Date.now() });
      return { status: 200, body: product };
    }
    if (path === '/v1/products' && method === 'POST') {
      const id = (body.id as string | undefined) ?? newId('prod');
      if (objects.has(id))
        return {
          status: 400,
          body: { error: { type: 'invalid_request_error', code: 'resource_already_exists' } },
        };
      const product = { object: 'product', active: true, metadata: {}, ...body, id };
      objects.set(id, product);
      return { status: 200, body: product };
    }
    if (path === '/v1/prices' && method === 'GET') {
      const keys = (query().lookup_keys as string[] | undefined) ?? [];
      const prices = ofType('price').filter(
        (price) =>
          price.active !== false && (!keys.length || keys.includes(price.lookup_key as string)),
      );
      return { status: 200, body: list(prices, '/v1/prices') };
    }
    if ((match = path.match(/^\/v1\/prices\/([^/]+)$/)) && method === 'GET') {
      const price = get(match[1]!, 'price');
      return price ? { status: 200, body: price } : missing(match[1]!);
    }
    if (path === '/v1/prices' && method === 'POST') {
      const { transfer_lookup_key: transfer, ...fields } = body;
      if (fields.lookup_key) {
        const holder = ofType('price').find((price) => price.lookup_key === fields.lookup_key);
        if (holder && transfer !== 'true')
          return {
            status: 400,
            body: { error: { type: 'invalid_request_error', message: 'lookup_key in use' } },
          };
        if (holder) holder.lookup_key = null;
      }
      const id = newId('price');
      const price = {
        object: 'price',
        active: true,
        ...fields,
        id,
        unit_amount: fields.unit_amount === undefined ? null : Number(fields.unit_amount),
      };
      objects.set(id, price);
      return { status: 200, body: price };
    }
    if (path === '/v1/billing/meters' && method === 'GET')
      return { status: 200, body: list(ofType('billing.meter'), '/v1/billing/meters') };
    if (path === '/v1/billing/meters' && method === 'POST') {
      const id = newId('mtr');
      const meter = { object: 'billing.meter', status: 'active', ...body, id };
      objects.set(id, meter);
      return { status: 200, body: meter };
    }
    if ((match = path.match(/^\/v1\/billing\/meters\/([^/]+)\/event_summaries$/))) {
      const meter = get(match[1]!, 'billing.meter');
      if (!meter) return missing(match[1]!);
      const { customer, start_time: start, end_time: end } = query() as Record<string, string>;
      if (!customer || !start || !end)
        return invalid('customer, start_time and end_time are required');
      const customerKey =
        (meter.customer_mapping as { event_payload_key?: string } | undefined)?.event_payload_key ??
        'stripe_customer_id';
      const valueKey =
        (meter.value_settings as { event_payload_key?: string } | undefined)?.event_payload_key ??
        'value';
      const aggregated = meterEvents
        .filter(
          (e) =>
            e.event_name === meter.event_name &&
            e.payload[customerKey] === customer &&
            e.timestamp >= Number(start) &&
            e.timestamp < Number(end),
        )
        .reduce((sum, e) => sum + Number(e.payload[valueKey] ?? 0), 0);
      const summary = {
        id: newId('mtrusg'),
        object: 'billing.meter_event_summary',
        aggregated_value: aggregated,
        start_time: Number(start),
        end_time: Number(end),
        livemode: false,
        meter: meter.id,
      };
      return { status: 200, body: list([summary], path) };
    }
    if (path === '/v1/billing/meter_events' && method === 'POST') {
      const payload = (body.payload ?? {}) as Record<string, string>;
      if (!body.event_name) return invalid('Missing required param: event_name.', 'event_name');
      if (!payload.stripe_customer_id && !payload.value)
        return invalid('payload needs stripe_customer_id and value', 'payload');
      const identifier = (body.identifier as string | undefined) ?? newId('mev');
      const counted = meterEvents.find((e) => e.identifier === identifier);
      const record = counted ?? {
        event_name: body.event_name as string,
        identifier,
        timestamp: body.timestamp ? Number(body.timestamp) : nowSeconds(),
        payload,
      };
      if (!counted) meterEvents.push(record);
      return {
        status: 200,
        body: { object: 'billing.meter_event', created: nowSeconds(), livemode: false, ...record },
      };
    }
    if (path === '/v1/customers' && method === 'POST') {
      const customer = put({
        id: newId('cus'),
        object: 'customer',
        created: nowSeconds(),
        email: null,
        name: null,
        metadata: {},
        ...body,
      });
      return { status: 200, body: customer };
    }
    if ((match = path.match(/^\/v1\/customers\/([^/]+)$/))) {
      const customer = get(match[1]!, 'customer');
      if (!customer) return missing(match[1]!);
      if (method === 'POST') Object.assign(customer, body);
      return { status: 200, body: customer };
    }
    if (path === '/v1/checkout/sessions' && method === 'POST') {
      if (body.mode !== 'subscription')
        return invalid('The fake supports mode=subscription', 'mode');
      if (!asArray(body.line_items).length) return invalid('line_items are required', 'line_items');
      for (const item of asArray(body.line_items))
        if (!get(item.price as string, 'price')) return missing(item.price as string);
      const id = newId('cs');
      const session = put({
        id,
        object: 'checkout.session',
        mode: 'subscription',
        status: 'open',
        payment_status: 'unpaid',
        url: `${baseUrl}/checkout/${id}`,
        line_items: asArray(body.line_items).map((item) => ({
          price: item.price,
          quantity: item.quantity === undefined ? 1 : Number(item.quantity),
        })),
        subscription_data: body.subscription_data ?? null,
        client_reference_id: body.client_reference_id ?? null,
        metadata: body.metadata ?? {},
        customer: body.customer ?? null,
        customer_email: body.customer_email ?? null,
        success_url: body.success_url ?? null,
        cancel_url: body.cancel_url ?? null,
        subscription: null,
        created: nowSeconds(),
        expires_at: nowSeconds() + 86_400,
      });
      return { status: 200, body: session };
    }
    if ((match = path.match(/^\/v1\/checkout\/sessions\/([^/]+)$/)) && method === 'GET') {
      const session = get(match[1]!, 'checkout.session');
      return session ? { status: 200, body: session } : missing(match[1]!);
    }
    if (path === '/v1/billing_portal/sessions' && method === 'POST') {
      if (!body.customer || !get(body.customer as string, 'customer'))
        return missing((body.customer as string | undefined) ?? 'customer');
      const id = newId('bps');
      const session = put({
        id,
        object: 'billing_portal.session',
        customer: body.customer,
        return_url: body.return_url ?? null,
        url: `${baseUrl}/portal/${id}`,
        created: nowSeconds(),
        livemode: false,
      });
      return { status: 200, body: session };
    }
    if ((match = path.match(/^\/v1\/subscriptions\/([^/]+)$/))) {
      const subscription = get(match[1]!, 'subscription');
      if (!subscription) return missing(match[1]!);
      if (method === 'GET') return { status: 200, body: subscription };
      if (method === 'POST') return updateSubscription(subscription, body);
      if (method === 'DELETE') {
        Object.assign(subscription, {
          status: 'canceled',
          canceled_at: nowSeconds(),
          ended_at: nowSeconds(),
        });
        return { status: 200, body: subscription };
      }
    }
    if ((match = path.match(/^\/v1\/invoices\/([^/]+)$/)) && method === 'GET') {
      const invoice = get(match[1]!, 'invoice');
      return invoice ? { status: 200, body: invoice } : missing(match[1]!);
    }
    if ((match = path.match(/^\/v1\/invoices\/([^/]+)\/lines$/)) && method === 'GET') {
      const invoice = get(match[1]!, 'invoice');
      if (!invoice) return missing(match[1]!);
      return { status: 200, body: list((invoice.lines as { data: unknown[] }).data, path) };
    }
    return {
      status: 404,
      body: {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${method}: ${path})`,
        },
      },
    };
  }

  function failureFor(path: string): FailureMode | null {
    const failure = failures.find(
      (f) => f.remaining > 0 && (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
    if (!failure) return null;
    failure.remaining -= 1;
    return failure.mode;
  }

  const sockets = new Set<Socket>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://stripe.fake');
      const body = parseStripeForm(Buffer.concat(chunks).toString('utf8'));
      const method = request.method ?? 'GET';
      requests.push({ method, path: url.pathname, body });
      const failure = failureFor(url.pathname);
      if (failure === 'drop') {
        request.socket.destroy();
        return;
      }
      if (failure === 'error') {
        response.writeHead(500, { 'content-type': 'application/json', 'request-id': newId('req') });
        response.end(
          JSON.stringify({ error: { type: 'api_error', message: 'Injected failure (fake).' } }),
        );
        return;
      }
      const answer = handle(method, url, body);
      if (failure === 'drop-after') {
        request.socket.destroy();
        return;
      }
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        'request-id': newId('req'),
      });
      response.end(JSON.stringify(answer.body));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    port,
    requests,
    objects,
    meterEvents,
    failNext(path, count = 1, mode = 'error') {
      failures.push({ path, remaining: count, mode });
    },
    put,
    priceObject,
    subscriptionObject,
    invoiceObject,
    event,
    completeCheckout,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
