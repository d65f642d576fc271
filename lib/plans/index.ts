import { z } from 'zod';
import type { FeatureOverrides, LimitOverrides, OverageOverrides } from '@/db/schema';

/**
 * Plans, their feature toggles and resource limits. The catalogue lives in code (a plan change
 * is a deploy, reviewed like any other); a tenant may carry overrides of both, set by operators.
 */

export const features = {
  api_access: 'Tenant REST API and API keys',
  custom_branding: 'Own logo and colour on the portal',
} as const;
export type Feature = keyof typeof features;
export const featureNames = Object.keys(features) as Feature[];

export const limits = {
  members: 'Members',
  documents: 'Documents',
  storage_bytes: 'Storage (bytes)',
  api_requests_per_minute: 'API requests per minute',
  api_requests_per_minute_per_key: 'API requests per minute, per API key',
  api_calls_per_month: 'API calls per month',
  compute_ms_per_month: 'Compute (server milliseconds) per month',
  egress_bytes_per_month: 'Network egress (bytes) per month',
  feature_uses_per_month: 'Metered feature uses per month',
} as const;
export type Limit = keyof typeof limits;
export const limitNames = Object.keys(limits) as Limit[];

export const planIds = ['free', 'pro', 'business', 'enterprise'] as const;
export type PlanId = (typeof planIds)[number];

/**
 * What happens when a metered allowance is used up: `block` refuses the work (402 with the limit
 * and its reset), `allow` serves it and counts the excess as overage for billing, `notify` serves
 * it and only tells the tenant's admins. Admins are notified at 80 % and 100 % under every policy.
 */
export const overagePolicies = ['block', 'allow', 'notify'] as const;
export type OveragePolicy = (typeof overagePolicies)[number];

/**
 * The limits that are allowances on a usage metric (lib/metering), and that metric. Monthly
 * ones reset at the start of each calendar month (UTC); gauges (storage, members) never reset.
 */
export const meteredLimits = {
  api_calls_per_month: { metric: 'api_calls', monthly: true },
  compute_ms_per_month: { metric: 'compute_ms', monthly: true },
  egress_bytes_per_month: { metric: 'egress_bytes', monthly: true },
  feature_uses_per_month: { metric: 'feature_usage', monthly: true },
  storage_bytes: { metric: 'storage_bytes', monthly: false },
  members: { metric: 'active_members', monthly: false },
} as const satisfies Partial<Record<Limit, { metric: string; monthly: boolean }>>;
export type MeteredLimit = keyof typeof meteredLimits;
export const meteredLimitNames = Object.keys(meteredLimits) as MeteredLimit[];

/** null = unlimited. */
type LimitValues = Record<Limit, number | null>;
/**
 * What usage past an allowance costs under the `allow` policy: `unitAmount` (minor units of the
 * plan's currency) for every `per` units of the metric or part of them, e.g. 50 cents per 10,000
 * API calls. Members are never overage (adding one past the limit is refused).
 */
export type OveragePrice = { unitAmount: number; per: number; unit: string };

/** A plan's price: a monthly base in minor units, and what each metered overage costs. */
export type PlanPricing = {
  currency: 'usd';
  monthlyAmount: number;
  overagePrices: Partial<Record<MeteredLimit, OveragePrice>>;
};

export type Plan = {
  id: PlanId;
  name: string;
  features: Record<Feature, boolean>;
  limits: LimitValues;
  overage: Record<MeteredLimit, OveragePolicy>;
  pricing: PlanPricing;
  /** Days of free trial the first time a tenant takes this plan (0: none). */
  trialDays: number;
  /** Daily scheduled backups kept (the oldest beyond this are deleted); manual ones likewise. */
  backupsKept: number;
};

const MB = 1024 * 1024;
const GB = 1024 * MB;
const HOUR_MS = 60 * 60 * 1000;

/** The same overage prices on every paid plan; only the allowances differ. */
const standardOveragePrices: PlanPricing['overagePrices'] = {
  api_calls_per_month: { unitAmount: 50, per: 10_000, unit: 'calls' },
  compute_ms_per_month: { unitAmount: 10, per: HOUR_MS, unit: 'compute hours' },
  egress_bytes_per_month: { unitAmount: 9, per: GB, unit: 'GB' },
  feature_uses_per_month: { unitAmount: 1, per: 1, unit: 'uses' },
  storage_bytes: { unitAmount: 10, per: GB, unit: 'GB' },
};

export const plans: Readonly<Record<PlanId, Plan>> = {
  free: {
    id: 'free',
    name: 'Free',
    features: { api_access: false, custom_branding: false },
    limits: {
      members: 3,
      documents: 100,
      storage_bytes: 100 * MB,
      api_requests_per_minute: 60,
      api_requests_per_minute_per_key: 60,
      api_calls_per_month: 10_000,
      compute_ms_per_month: 60 * 60 * 1000,
      egress_bytes_per_month: 1 * GB,
      feature_uses_per_month: 100,
    },
    overage: {
      api_calls_per_month: 'block',
      compute_ms_per_month: 'block',
      egress_bytes_per_month: 'block',
      feature_uses_per_month: 'block',
      storage_bytes: 'block',
      members: 'block',
    },
    pricing: { currency: 'usd', monthlyAmount: 0, overagePrices: {} },
    trialDays: 0,
    backupsKept: 3,
  },
  pro: {
    id: 'pro',
    name: 'Pro',
    features: { api_access: true, custom_branding: true },
    limits: {
      members: 20,
      documents: 10_000,
      storage_bytes: 10 * GB,
      api_requests_per_minute: 600,
      api_requests_per_minute_per_key: 300,
      api_calls_per_month: 1_000_000,
      compute_ms_per_month: 50 * 60 * 60 * 1000,
      egress_bytes_per_month: 100 * GB,
      feature_uses_per_month: 10_000,
    },
    overage: {
      api_calls_per_month: 'allow',
      compute_ms_per_month: 'allow',
      egress_bytes_per_month: 'allow',
      feature_uses_per_month: 'allow',
      storage_bytes: 'notify',
      members: 'block',
    },
    pricing: { currency: 'usd', monthlyAmount: 4_900, overagePrices: standardOveragePrices },
    trialDays: 14,
    backupsKept: 14,
  },
  business: {
    id: 'business',
    name: 'Business',
    features: { api_access: true, custom_branding: true },
    limits: {
      members: 200,
      documents: 100_000,
      storage_bytes: 100 * GB,
      api_requests_per_minute: 3_000,
      api_requests_per_minute_per_key: 1_500,
      api_calls_per_month: 10_000_000,
      compute_ms_per_month: 500 * 60 * 60 * 1000,
      egress_bytes_per_month: 1024 * GB,
      feature_uses_per_month: 100_000,
    },
    overage: {
      api_calls_per_month: 'allow',
      compute_ms_per_month: 'allow',
      egress_bytes_per_month: 'allow',
      feature_uses_per_month: 'allow',
      storage_bytes: 'allow',
      members: 'block',
    },
    pricing: { currency: 'usd', monthlyAmount: 29_900, overagePrices: standardOveragePrices },
    trialDays: 14,
    backupsKept: 30,
  },
  enterprise: {
    id: 'enterprise',
    name: 'Enterprise',
    features: { api_access: true, custom_branding: true },
    limits: {
      members: null,
      documents: null,
      storage_bytes: null,
      api_requests_per_minute: 10_000,
      api_requests_per_minute_per_key: 5_000,
      api_calls_per_month: null,
      compute_ms_per_month: null,
      egress_bytes_per_month: null,
      feature_uses_per_month: null,
    },
    overage: {
      api_calls_per_month: 'notify',
      compute_ms_per_month: 'notify',
      egress_bytes_per_month: 'notify',
      feature_uses_per_month: 'notify',
      storage_bytes: 'notify',
      members: 'block',
    },
    pricing: { currency: 'usd', monthlyAmount: 199_900, overagePrices: standardOveragePrices },
    trialDays: 0,
    backupsKept: 90,
  },
};

export const planIdSchema = z.enum(planIds, { message: `Choose a plan: ${planIds.join(', ')}.` });

export const featureOverridesSchema = z
  .partialRecord(z.enum(featureNames as [Feature, ...Feature[]]), z.boolean())
  .describe('Features switched on (true) or off (false) for this tenant, whatever its plan says.');

export const limitOverridesSchema = z
  .partialRecord(
    z.enum(limitNames as [Limit, ...Limit[]]),
    z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
  )
  .describe('Limits replacing the plan’s for this tenant; null means unlimited.');

export const overageOverridesSchema = z
  .partialRecord(
    z.enum(meteredLimitNames as [MeteredLimit, ...MeteredLimit[]]),
    z.enum(overagePolicies),
  )
  .describe('Overage policies replacing the plan’s for this tenant, by metered limit.');

/** What entitlements depend on: a tenant's plan and its overrides. */
export type Entitled = {
  plan: string;
  featureOverrides?: FeatureOverrides | null;
  limitOverrides?: LimitOverrides | null;
  overageOverrides?: OverageOverrides | null;
};

function planOf(tenant: Entitled): Plan {
  // An unknown plan id (a plan retired from the catalogue) gets the free plan's entitlements.
  return plans[tenant.plan as PlanId] ?? plans.free;
}

/** The one answer to "is feature X on for this tenant". */
export function isFeatureEnabled(tenant: Entitled, feature: Feature): boolean {
  const override = tenant.featureOverrides?.[feature];
  return typeof override === 'boolean' ? override : planOf(tenant).features[feature];
}

/** The one answer to "what is limit Y for this tenant"; null means unlimited. */
export function limitFor(tenant: Entitled, limit: Limit): number | null {
  const overrides = tenant.limitOverrides ?? {};
  if (Object.hasOwn(overrides, limit)) {
    const value = overrides[limit];
    if (value === null || (typeof value === 'number' && Number.isInteger(value) && value >= 0))
      return value;
  }
  return planOf(tenant).limits[limit];
}

/** How many backups of each kind the tenant's plan keeps (an unknown plan keeps the free plan's). */
export function backupsKeptFor(tenant: Entitled): number {
  return planOf(tenant).backupsKept;
}

/** The tenant's plan's price (an unknown plan prices as free, like its entitlements). */
export function planPricing(tenant: Entitled): PlanPricing {
  return planOf(tenant).pricing;
}

/**
 * What `overage` units past an allowance cost at `price`: whole blocks of `per` units, a part
 * block counting whole (250 calls at 50 cents per 10,000 is one block, 50 cents).
 */
export function overageCharge(
  price: OveragePrice,
  overage: number,
): { blocks: number; amount: number } {
  const blocks = overage > 0 ? Math.ceil(overage / price.per) : 0;
  return { blocks, amount: blocks * price.unitAmount };
}

export type BilledOverage = {
  limit: MeteredLimit;
  price: OveragePrice;
  blocks: number;
  amount: number;
};

/**
 * The overage a period bills: each allowance under the `allow` policy that went past it and has
 * a price. `block` and `notify` allowances never bill overage. Rating (lib/billing) turns these
 * into invoice lines; the budget cap (lib/metering) sums them.
 */
export function billedOverage(
  tenant: Entitled,
  allowances: readonly { limit: MeteredLimit; policy: OveragePolicy; overage: number }[],
): BilledOverage[] {
  const { overagePrices } = planPricing(tenant);
  return allowances.flatMap((usage) => {
    const price = overagePrices[usage.limit];
    if (usage.policy !== 'allow' || usage.overage <= 0 || !price) return [];
    return [{ limit: usage.limit, price, ...overageCharge(price, usage.overage) }];
  });
}

/** The one answer to "what happens past allowance Y for this tenant". */
export function overagePolicyFor(tenant: Entitled, limit: MeteredLimit): OveragePolicy {
  const override = tenant.overageOverrides?.[limit];
  return override && (overagePolicies as readonly string[]).includes(override)
    ? override
    : planOf(tenant).overage[limit];
}

export type Entitlements = {
  features: Record<Feature, boolean>;
  limits: Record<Limit, number | null>;
  overage: Record<MeteredLimit, OveragePolicy>;
};

/** Every feature, limit and overage policy in effect, for display and the APIs. */
export function entitlementsOf(tenant: Entitled): Entitlements {
  return {
    features: Object.fromEntries(
      featureNames.map((f) => [f, isFeatureEnabled(tenant, f)]),
    ) as Record<Feature, boolean>,
    limits: Object.fromEntries(limitNames.map((l) => [l, limitFor(tenant, l)])) as Record<
      Limit,
      number | null
    >,
    overage: Object.fromEntries(
      meteredLimitNames.map((l) => [l, overagePolicyFor(tenant, l)]),
    ) as Record<MeteredLimit, OveragePolicy>,
  };
}

/**
 * A period's base is waived while the tenant's trial covers the period's end (internal mode
 * bills at the end; Stripe's trial does the same on its side). `subscription` is the tenant's
 * billing account (lib/billing), or null when it has none.
 */
export function trialWaivesBase(
  subscription: { status: string | null; trialEndsAt: Date | null } | null,
  periodEnd: Date,
): boolean {
  return (
    subscription?.status === 'trialing' &&
    subscription.trialEndsAt !== null &&
    subscription.trialEndsAt.getTime() >= periodEnd.getTime()
  );
}
