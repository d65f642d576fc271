import 'server-only';
import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import {
  billingAccounts,
  invoiceStatuses,
  stripeEvents,
  subscriptionStatuses,
  tenants,
  type InvoiceStatus,
  type SubscriptionStatus,
} from '@/db/schema';
import { withPlatform, type Transaction } from '@/db/scope';
import { env } from '@/lib/env';
import { log } from '@/lib/log';
import { meteredLimitNames, planIds, type MeteredLimit, type PlanId } from '@/lib/plans';
import { updateTenant } from '@/lib/tenancy';
import { saveInvoice, type InvoiceLineInput } from './invoices';
import { lockBillingAccount, recordInvoicePaid, recordPaymentFailed } from './lifecycle';
import { billingMode } from './mode';
import { stripeFromEnv } from './stripe';

/**
 * Stripe webhooks (`POST /api/webhooks/stripe`). The raw body is verified with the SDK
 * (300 s tolerance); each event is applied once: its id is inserted into stripe_events in the same
 * platform transaction as its effects, so a retried or doubled delivery finds the row and changes
 * nothing, and a failure rolls both back (answered 500, Stripe retries).
 *
 * Order: Stripe does not deliver in order. The subscription mirror (billing_accounts) and each
 * invoice remember the `created` second of the newest event applied to them
 * (subscription_event_at, invoices.stripe_event_at); a strictly older event is recorded as
 * `ignored: older than state` and changes nothing. Tie rule: Stripe's `created` has one-second
 * resolution, so an event of the same second as the state is applied (the later delivery wins),
 * except that it never revives a subscription already mirrored as deleted.
 */
export const STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300;

const system = { type: 'system', id: null } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The route's POST: a handler that states its guard, so the route-wide tests can check it. */
export type SignedWebhookHandler = ((request: Request) => Promise<Response>) & {
  readonly guard: 'stripe-signature';
};

type Outcome = string;

function errorJson(status: number, code: string, message: string): Response {
  return Response.json(
    { error: { code, message } },
    { status, headers: { 'cache-control': 'no-store' } },
  );
}

const seconds = (value: number) => new Date(value * 1000);
const idOf = (value: string | { id: string } | null | undefined) =>
  typeof value === 'string' ? value : (value?.id ?? null);

// ─── Prices: which plan, overage or other a price bills ────────────────────────────────────────

type PriceKind =
  | { kind: 'plan'; plan: PlanId }
  | { kind: 'overage'; plan: PlanId | null; limit: MeteredLimit | null }
  | { kind: 'other' };

const BASE_KEY = /^tenantry_([a-z0-9-]+)_base$/;
const OVERAGE_KEY = /^tenantry_([a-z0-9-]+?)_([a-z_]+)_overage$/;
const isPlan = (value: string | undefined): value is PlanId =>
  (planIds as readonly string[]).includes(value ?? '');
const isLimit = (value: string | undefined): value is MeteredLimit =>
  (meteredLimitNames as readonly string[]).includes(value ?? '');

/**
 * What a price bills, from its lookup key (lib/billing/catalogue.ts), else from its product
 * (`tenantry_<plan>` or metadata tenantry_plan) and usage type: a price that lost its lookup
 * key to a newer one (catalogue change) still bills the same thing.
 */
export function classifyPrice(price: Stripe.Price): PriceKind {
  const key = price.lookup_key ?? '';
  const base = BASE_KEY.exec(key);
  if (base && isPlan(base[1])) return { kind: 'plan', plan: base[1] };
  const overage = OVERAGE_KEY.exec(key);
  if (overage && isPlan(overage[1]))
    return { kind: 'overage', plan: overage[1], limit: isLimit(overage[2]) ? overage[2] : null };
  const product = price.product;
  const productPlan =
    typeof product === 'string'
      ? /^tenantry_([a-z0-9-]+)$/.exec(product)?.[1]
      : product && !('deleted' in product && product.deleted)
        ? ((product as Stripe.Product).metadata?.tenantry_plan ??
          /^tenantry_([a-z0-9-]+)$/.exec(product.id)?.[1])
        : undefined;
  if (!isPlan(productPlan)) return { kind: 'other' };
  if (price.recurring?.usage_type === 'metered')
    return { kind: 'overage', plan: productPlan, limit: null };
  return { kind: 'plan', plan: productPlan };
}

/** Prices are immutable in what they bill: what this process has seen, by id. */
const priceCache = new Map<string, Stripe.Price>();

function remember(price: Stripe.Price | string | null | undefined): void {
  if (price && typeof price === 'object') priceCache.set(price.id, price);
}

/** Webhooks arrive in Stripe mode only, where the client is configured. */
const stripeClient = (): Stripe => stripeFromEnv()!;

// ─── Invoices: the whole invoice, fetched before the transaction where the event is partial ───

type InvoiceMaterial = { invoice: Stripe.Invoice; lines: Stripe.InvoiceLineItem[] };

/**
 * An invoice event's lines with their prices. Event payloads carry prices by id and at most a
 * first page of lines: the missing pieces are fetched once, outside any transaction (a slow
 * Stripe must not hold a database connection). Prices seen before are not fetched again.
 */
async function invoiceMaterial(invoice: Stripe.Invoice): Promise<InvoiceMaterial> {
  let lines = invoice.lines?.data ?? [];
  if (invoice.lines?.has_more)
    lines = await stripeClient()
      .invoices.listLineItems(invoice.id, { limit: 100 })
      .autoPagingToArray({ limit: 10_000 });
  for (const line of lines) remember(line.pricing?.price_details?.price);
  const missing = [
    ...new Set(
      lines
        .map((line) => line.pricing?.price_details?.price)
        .filter((price): price is string => typeof price === 'string' && !priceCache.has(price)),
    ),
  ];
  if (missing.length) {
    const stripe = stripeClient();
    for (const id of missing) remember(await stripe.prices.retrieve(id));
  }
  return { invoice, lines };
}

const asNumber = (value: unknown): number | null =>
  value === null || value === undefined || value === '' ? null : Number(String(value));

/** Stripe's invoice lines and taxes as Tenantry's lines (minor units, in Stripe's order). */
export function invoiceLinesOf(material: InvoiceMaterial): InvoiceLineInput[] {
  const { invoice, lines } = material;
  const out: InvoiceLineInput[] = lines.map((line) => {
    const ref = line.pricing?.price_details?.price;
    const price = typeof ref === 'string' ? priceCache.get(ref) : ref;
    const kind = price ? classifyPrice(price) : ({ kind: 'other' } as const);
    const quantity = line.quantity ?? asNumber(line.quantity_decimal) ?? 1;
    const unitAmount =
      asNumber(line.pricing?.unit_amount_decimal) ?? (quantity ? line.amount / quantity : null);
    return {
      kind: kind.kind,
      description: line.description ?? price?.nickname ?? 'Subscription',
      limit: kind.kind === 'overage' ? kind.limit : null,
      quantity,
      unitAmount,
      amount: line.amount,
    };
  });
  // Discounts and credits Stripe applied before tax, as negative lines.
  const credits = invoice.total_pretax_credit_amounts?.length
    ? invoice.total_pretax_credit_amounts
    : (invoice.total_discount_amounts ?? []).map((d) => ({ ...d, type: 'discount' as const }));
  for (const credit of credits) {
    if (!credit.amount) continue;
    out.push({
      kind: 'other',
      description: credit.type === 'discount' ? 'Discount' : 'Credit',
      quantity: 1,
      unitAmount: null,
      amount: -credit.amount,
    });
  }
  // Taxes as Stripe reports them: the invoice's total_taxes, else the sum of the lines' taxes.
  // Inclusive taxes are already inside the lines' amounts; only exclusive ones add to the total.
  const taxes =
    invoice.total_taxes ??
    lines.flatMap((line) => line.taxes ?? []).map((tax) => ({ ...tax, taxable_amount: null }));
  const byRate = new Map<string, number>();
  for (const tax of taxes) {
    if (tax.tax_behavior === 'inclusive' || !tax.amount) continue;
    const rate = tax.tax_rate_details?.tax_rate ?? '';
    byRate.set(rate, (byRate.get(rate) ?? 0) + tax.amount);
  }
  for (const [rate, amount] of byRate)
    out.push({
      kind: 'tax',
      description: rate ? `Tax (${rate})` : 'Tax',
      quantity: 1,
      unitAmount: null,
      amount,
    });
  return out;
}

// ─── Tenants and accounts ──────────────────────────────────────────────────────────────────────

async function tenantExists(tx: Transaction, id: string | null | undefined): Promise<boolean> {
  if (!id || !UUID.test(id)) return false;
  const [row] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, id));
  return Boolean(row);
}

/**
 * The tenant an event is about: the billing account holding the Stripe customer (or
 * subscription), else the tenant id Tenantry put in the object's metadata at checkout.
 */
async function findTenant(
  tx: Transaction,
  refs: { customer?: string | null; subscription?: string | null; tenantId?: string | null },
): Promise<string | null> {
  if (refs.customer) {
    const [row] = await tx
      .select({ tenantId: billingAccounts.tenantId })
      .from(billingAccounts)
      .where(eq(billingAccounts.stripeCustomerId, refs.customer))
      .limit(1);
    if (row) return row.tenantId;
  }
  if (refs.subscription) {
    const [row] = await tx
      .select({ tenantId: billingAccounts.tenantId })
      .from(billingAccounts)
      .where(eq(billingAccounts.stripeSubscriptionId, refs.subscription))
      .limit(1);
    if (row) return row.tenantId;
  }
  return (await tenantExists(tx, refs.tenantId)) ? refs.tenantId! : null;
}

async function setTenantPlan(tx: Transaction, tenantId: string, plan: PlanId): Promise<void> {
  const [tenant] = await tx
    .select({ plan: tenants.plan })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (tenant && tenant.plan !== plan)
    await updateTenant(tx, { id: tenantId, changes: { plan }, actor: system });
}

// ─── Handlers ──────────────────────────────────────────────────────────────────────────────────

async function checkoutCompleted(
  tx: Transaction,
  event: Stripe.Event,
  session: Stripe.Checkout.Session,
): Promise<Outcome> {
  if (session.mode !== 'subscription') return 'ignored: not a subscription checkout';
  const claimed = session.client_reference_id ?? session.metadata?.tenant_id ?? null;
  if (!(await tenantExists(tx, claimed))) return 'ignored: unknown tenant';
  const tenantId = claimed!;
  const account = await lockBillingAccount(tx, tenantId);
  const customer = idOf(session.customer);
  const subscription = idOf(session.subscription);
  const at = seconds(event.created);
  // The subscription id is bound unless a newer subscription event already bound another one.
  const newer =
    account.subscriptionEventAt !== null && account.subscriptionEventAt.getTime() > at.getTime();
  await tx
    .update(billingAccounts)
    .set({
      mode: 'stripe',
      stripeCustomerId: customer ?? account.stripeCustomerId,
      stripeSubscriptionId:
        newer && account.stripeSubscriptionId ? account.stripeSubscriptionId : subscription,
      updatedAt: sql`now()`,
    })
    .where(eq(billingAccounts.tenantId, tenantId));
  return 'applied';
}

/** The plan of a subscription: the plan whose base price is among its items. */
function subscriptionPlan(subscription: Stripe.Subscription): {
  plan: PlanId | null;
  item: Stripe.SubscriptionItem | undefined;
} {
  for (const item of subscription.items?.data ?? []) {
    remember(item.price);
    const kind = classifyPrice(item.price);
    if (kind.kind === 'plan') return { plan: kind.plan, item };
  }
  return { plan: null, item: subscription.items?.data[0] };
}

const TERMINAL: readonly string[] = ['canceled', 'incomplete_expired'];

async function subscriptionChanged(
  tx: Transaction,
  event: Stripe.Event,
  subscription: Stripe.Subscription,
): Promise<Outcome> {
  const deleted = event.type === 'customer.subscription.deleted';
  const customer = idOf(subscription.customer);
  const tenantId = await findTenant(tx, {
    customer,
    subscription: subscription.id,
    tenantId: subscription.metadata?.tenant_id,
  });
  if (!tenantId) return 'ignored: unknown customer';
  const account = await lockBillingAccount(tx, tenantId);
  const at = seconds(event.created);
  const last = account.subscriptionEventAt?.getTime();
  if (last !== undefined && at.getTime() < last) return 'ignored: older than state';
  const sameSubscription = account.stripeSubscriptionId === subscription.id;
  if (
    last === at.getTime() &&
    sameSubscription &&
    TERMINAL.includes(account.status ?? '') &&
    !TERMINAL.includes(deleted ? 'canceled' : subscription.status)
  )
    return 'ignored: subscription already ended';
  // Another subscription of the tenant (e.g. an old one after a new checkout): its end does not
  // end the tenant's current one.
  if (
    account.stripeSubscriptionId &&
    !sameSubscription &&
    !TERMINAL.includes(account.status ?? '') &&
    (deleted || TERMINAL.includes(subscription.status))
  )
    return 'ignored: not the current subscription';

  const { plan, item } = subscriptionPlan(subscription);
  const status: SubscriptionStatus = deleted
    ? 'canceled'
    : (subscriptionStatuses as readonly string[]).includes(subscription.status)
      ? (subscription.status as SubscriptionStatus)
      : (account.status ?? 'incomplete');
  const nextPlan: PlanId = deleted ? 'free' : (plan ?? (account.plan as PlanId));
  if (!deleted && !plan)
    log.warn(
      { tenantId, subscription: subscription.id, event: event.id },
      'billing.subscription_without_plan',
    );
  const trialEnd = subscription.trial_end ? seconds(subscription.trial_end) : null;
  await tx
    .update(billingAccounts)
    .set({
      mode: 'stripe',
      stripeCustomerId: customer ?? account.stripeCustomerId,
      stripeSubscriptionId: subscription.id,
      status,
      plan: nextPlan,
      currentPeriodStart: item ? seconds(item.current_period_start) : account.currentPeriodStart,
      currentPeriodEnd: item ? seconds(item.current_period_end) : account.currentPeriodEnd,
      cancelAtPeriodEnd:
        !deleted &&
        (subscription.cancel_at_period_end || (subscription.cancel_at ?? null) !== null),
      trialEndsAt: trialEnd,
      trialUsed: account.trialUsed || trialEnd !== null || status === 'trialing',
      subscriptionEventAt: at,
      updatedAt: sql`now()`,
    })
    .where(eq(billingAccounts.tenantId, tenantId));
  // The tenant's features and limits follow its plan (lib/plans). Its status is payments'
  // business (invoice events): a trialing subscription leaves tenants.status as it is.
  await setTenantPlan(tx, tenantId, nextPlan);
  return 'applied';
}

function invoiceStatusOf(invoice: Stripe.Invoice): InvoiceStatus {
  return (invoiceStatuses as readonly string[]).includes(invoice.status ?? '')
    ? (invoice.status as InvoiceStatus)
    : 'open';
}

async function invoiceEvent(
  tx: Transaction,
  event: Stripe.Event,
  material: InvoiceMaterial,
): Promise<Outcome> {
  const { invoice, lines } = material;
  const subscription = idOf(invoice.parent?.subscription_details?.subscription);
  const tenantId = await findTenant(tx, {
    customer: idOf(invoice.customer),
    subscription,
    tenantId:
      invoice.metadata?.tenant_id ?? invoice.parent?.subscription_details?.metadata?.tenant_id,
  });
  if (!tenantId) return 'ignored: unknown customer';
  const at = seconds(event.created);
  const periods = lines.map((line) => line.period).filter(Boolean);
  const periodStart = periods.length
    ? Math.min(...periods.map((p) => p.start))
    : invoice.period_start;
  const periodEnd = periods.length ? Math.max(...periods.map((p) => p.end)) : invoice.period_end;
  const saved = await saveInvoice(tx, {
    tenantId,
    source: 'stripe',
    stripeInvoiceId: invoice.id,
    number: invoice.number ?? invoice.id,
    status: invoiceStatusOf(invoice),
    currency: invoice.currency,
    periodStart: seconds(periodStart),
    periodEnd: seconds(periodEnd),
    lines: invoiceLinesOf(material),
    amountPaid: invoice.amount_paid,
    issuedAt: seconds(invoice.status_transitions?.finalized_at ?? invoice.created),
    dueAt: invoice.due_date ? seconds(invoice.due_date) : null,
    paidAt: invoice.status_transitions?.paid_at
      ? seconds(invoice.status_transitions.paid_at)
      : null,
    hostedUrl: invoice.hosted_invoice_url ?? null,
    stripeEventAt: at,
  });
  if (!saved) return 'ignored: older than state';
  if (saved.total !== invoice.total)
    log.warn(
      { tenantId, invoice: invoice.id, mirrored: saved.total, stripe: invoice.total },
      'billing.invoice_total_differs',
    );
  const label = invoice.number ?? invoice.id;
  if (event.type === 'invoice.paid')
    await recordInvoicePaid(tx, tenantId, new Date(), `Invoice ${label} paid`);
  if (event.type === 'invoice.payment_failed')
    await recordPaymentFailed(tx, tenantId, at, `Payment of invoice ${label} failed`);
  return 'applied';
}

const INVOICE_EVENTS = new Set(['invoice.finalized', 'invoice.paid', 'invoice.payment_failed']);
const SUBSCRIPTION_EVENTS = new Set([
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
]);

/** Applies one verified event; returns whether it was new and what processing did. */
export async function processStripeEvent(
  event: Stripe.Event,
): Promise<{ duplicate: boolean; outcome: Outcome | null }> {
  const seen = await withPlatform((tx) =>
    tx.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, event.id)),
  );
  if (seen.length) return { duplicate: true, outcome: null };
  const material = INVOICE_EVENTS.has(event.type)
    ? await invoiceMaterial(event.data.object as Stripe.Invoice)
    : null;
  return withPlatform(async (tx) => {
    // The dedup row first: a concurrent delivery of the same event waits here on the primary
    // key until this transaction ends, then finds the row (or takes over if this one failed).
    const inserted = await tx
      .insert(stripeEvents)
      .values({
        id: event.id,
        type: event.type,
        createdAt: seconds(event.created),
        outcome: 'processing',
        payload: event as unknown as Record<string, unknown>,
      })
      .onConflictDoNothing()
      .returning({ id: stripeEvents.id });
    if (!inserted.length) return { duplicate: true, outcome: null };
    let outcome: Outcome;
    if (event.type === 'checkout.session.completed')
      outcome = await checkoutCompleted(tx, event, event.data.object);
    else if (SUBSCRIPTION_EVENTS.has(event.type))
      outcome = await subscriptionChanged(tx, event, event.data.object as Stripe.Subscription);
    else if (material) outcome = await invoiceEvent(tx, event, material);
    else outcome = 'ignored: unhandled type';
    await tx.update(stripeEvents).set({ outcome }).where(eq(stripeEvents.id, event.id));
    return { duplicate: false, outcome };
  });
}

/**
 * POST /api/webhooks/stripe. Stripe mode only (internal mode → 404). A missing or bad signature,
 * or a timestamp older than 300 s → 400 without detail; a processing failure → 500 (Stripe
 * retries); otherwise 200 `{ received: true }` (with `duplicate: true` for an event seen before).
 */
export const handleStripeWebhook: SignedWebhookHandler = Object.assign(
  async (request: Request): Promise<Response> => {
    if (billingMode() !== 'stripe') return errorJson(404, 'not_found', 'Not found.');
    const { STRIPE_WEBHOOK_SECRET } = env();
    const signature = request.headers.get('stripe-signature');
    if (!signature || !STRIPE_WEBHOOK_SECRET)
      return errorJson(400, 'invalid_input', 'Missing Stripe-Signature header.');
    const body = await request.text();
    let event: Stripe.Event;
    try {
      event = stripeClient().webhooks.constructEvent(
        body,
        signature,
        STRIPE_WEBHOOK_SECRET,
        STRIPE_WEBHOOK_TOLERANCE_SECONDS,
      );
    } catch {
      return errorJson(
        400,
        'invalid_input',
        'Invalid Stripe signature, or a timestamp outside the tolerance window.',
      );
    }
    try {
      const { duplicate, outcome } = await processStripeEvent(event);
      log.info(
        { stripeEvent: event.id, type: event.type, duplicate, outcome },
        'billing.stripe_webhook_processed',
      );
      return Response.json(duplicate ? { received: true, duplicate: true } : { received: true }, {
        headers: { 'cache-control': 'no-store' },
      });
    } catch (error) {
      log.error(
        { err: error, stripeEvent: event.id, type: event.type },
        'billing.stripe_webhook_failed',
      );
      return errorJson(500, 'internal', 'The event could not be processed; Stripe will retry.');
    }
  },
  { guard: 'stripe-signature' as const },
);
