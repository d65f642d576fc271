import type { FeatureOverrides, LimitOverrides, OverageOverrides } from '@/db/schema';
import {
  entitlementsOf,
  features,
  featureNames,
  limitNames,
  limits,
  meteredLimitNames,
  overagePolicies,
  overagePolicyFor,
  plans,
  type Feature,
  type Limit,
  type MeteredLimit,
  type OveragePolicy,
  type PlanId,
} from '@/lib/plans';

export type EntitlementSource = 'plan' | 'override';

export type FeatureEntitlement = {
  feature: Feature;
  label: string;
  enabled: boolean;
  planDefault: boolean;
  /** The tenant's own setting, if it has one. */
  override: boolean | undefined;
  source: EntitlementSource;
};

export type LimitEntitlement = {
  limit: Limit;
  label: string;
  /** null = unlimited. */
  value: number | null;
  planDefault: number | null;
  /** undefined = no override; null = overridden to unlimited. */
  override: number | null | undefined;
  source: EntitlementSource;
};

export type OverageEntitlement = {
  limit: MeteredLimit;
  label: string;
  policy: OveragePolicy;
  planDefault: OveragePolicy;
  /** The tenant's own policy, if it has one. */
  override: OveragePolicy | undefined;
  source: EntitlementSource;
};

export type EntitlementBreakdown = {
  plan: { id: string; name: string; known: boolean };
  features: FeatureEntitlement[];
  limits: LimitEntitlement[];
  overage: OverageEntitlement[];
};

type Entitled = {
  plan: string;
  featureOverrides: FeatureOverrides;
  limitOverrides: LimitOverrides;
  overageOverrides?: OverageOverrides;
};

/** Overage policies as the console names them (what each does: lib/plans overagePolicies). */
export const overagePolicyLabels: Record<OveragePolicy, string> = {
  block: 'Block',
  allow: 'Allow',
  notify: 'Notify',
};

function validLimitOverride(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isInteger(value) && value >= 0);
}

function validOverageOverride(value: unknown): value is OveragePolicy {
  return typeof value === 'string' && (overagePolicies as readonly string[]).includes(value);
}

/**
 * Every feature, limit and overage policy in effect for a tenant, and where each comes from: its
 * plan, or an operator's override. Reads the same rules as lib/plans (isFeatureEnabled,
 * limitFor, overagePolicyFor).
 */
export function entitlementBreakdown(tenant: Entitled): EntitlementBreakdown {
  const effective = entitlementsOf(tenant);
  const defaults = entitlementsOf({ plan: tenant.plan });
  const plan = plans[tenant.plan as PlanId];
  return {
    plan: { id: tenant.plan, name: plan?.name ?? tenant.plan, known: plan !== undefined },
    features: featureNames.map((feature) => {
      const override = tenant.featureOverrides[feature];
      const overridden = typeof override === 'boolean';
      return {
        feature,
        label: features[feature],
        enabled: effective.features[feature],
        planDefault: defaults.features[feature],
        override: overridden ? override : undefined,
        source: overridden ? 'override' : 'plan',
      };
    }),
    limits: limitNames.map((limit) => {
      const raw = Object.hasOwn(tenant.limitOverrides, limit)
        ? tenant.limitOverrides[limit]
        : undefined;
      const overridden = validLimitOverride(raw);
      return {
        limit,
        label: limits[limit],
        value: effective.limits[limit],
        planDefault: defaults.limits[limit],
        override: overridden ? raw : undefined,
        source: overridden ? 'override' : 'plan',
      };
    }),
    overage: meteredLimitNames.map((limit) => {
      const raw = tenant.overageOverrides?.[limit];
      const overridden = validOverageOverride(raw);
      return {
        limit,
        label: limits[limit],
        policy: overagePolicyFor(tenant, limit),
        planDefault: overagePolicyFor({ plan: tenant.plan }, limit),
        override: overridden ? raw : undefined,
        source: overridden ? 'override' : 'plan',
      };
    }),
  };
}

const BYTE_UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** A limit for people: "Unlimited", "10,000", or bytes in binary units ("100 MB"). */
export function formatLimit(limit: Limit, value: number | null): string {
  if (value === null) return 'Unlimited';
  if (limit !== 'storage_bytes') return value.toLocaleString('en');
  let amount = value;
  let unit = 0;
  while (amount >= 1024 && unit < BYTE_UNITS.length - 1 && amount % 1024 === 0) {
    amount /= 1024;
    unit += 1;
  }
  return `${amount.toLocaleString('en')} ${BYTE_UNITS[unit]}`;
}
