import { z } from 'zod';
import type { FeatureOverrides, LimitOverrides } from '@/db/schema';

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
} as const;
export type Limit = keyof typeof limits;
export const limitNames = Object.keys(limits) as Limit[];

export const planIds = ['free', 'pro', 'business', 'enterprise'] as const;
export type PlanId = (typeof planIds)[number];

/** null = unlimited. */
type LimitValues = Record<Limit, number | null>;
export type Plan = {
  id: PlanId;
  name: string;
  features: Record<Feature, boolean>;
  limits: LimitValues;
};

const MB = 1024 * 1024;
const GB = 1024 * MB;

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
    },
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
    },
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
    },
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
    },
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

/** What entitlements depend on: a tenant's plan and its overrides. */
export type Entitled = {
  plan: string;
  featureOverrides?: FeatureOverrides | null;
  limitOverrides?: LimitOverrides | null;
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

export type Entitlements = {
  features: Record<Feature, boolean>;
  limits: Record<Limit, number | null>;
};

/** Every feature and limit in effect, for display and the APIs. */
export function entitlementsOf(tenant: Entitled): Entitlements {
  return {
    features: Object.fromEntries(
      featureNames.map((f) => [f, isFeatureEnabled(tenant, f)]),
    ) as Record<Feature, boolean>,
    limits: Object.fromEntries(limitNames.map((l) => [l, limitFor(tenant, l)])) as Record<
      Limit,
      number | null
    >,
  };
}
