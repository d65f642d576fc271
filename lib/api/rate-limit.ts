import { limitFor, type Entitled } from '@/lib/plans';
import { consumeRateLimit, type RateLimitDecision, type RateLimitPolicy } from '@/lib/ratelimit';

/**
 * Tenant API rate limits: two sliding windows of one minute, from the tenant's plan (with its
 * overrides) — `api_requests_per_minute` for the whole workspace and
 * `api_requests_per_minute_per_key` for each API key, so one runaway integration cannot use up
 * what the others need. A null limit (unlimited) is no window at all.
 */

export type ApiRateLimitWindow = 'key' | 'tenant';
export type ApiRateLimitFailMode = RateLimitPolicy['failMode'];

const WINDOW_SECONDS = 60;

/** One window's answer, with the limit it was counted against. */
export type ApiWindowResult = { window: ApiRateLimitWindow; limit: number } & RateLimitDecision;

export type ApiRateLimitOutcome = {
  allowed: boolean;
  /** The store did not answer: the fail mode decided and nothing is known about the counts. */
  storeUnavailable: boolean;
  retryAfterSeconds: number;
  /**
   * The window the headers describe: the one that refused, else the tighter of those counted;
   * null when no window applies (unlimited) or the store did not answer.
   */
  binding: ApiWindowResult | null;
};

type Consume = (policy: RateLimitPolicy, key: string) => Promise<RateLimitDecision>;

/** The policies for a tenant; the names are fixed (one key prefix each), the limits its own. */
export function apiRateLimitPolicies(
  tenant: Entitled,
  failMode: ApiRateLimitFailMode,
): Record<ApiRateLimitWindow, RateLimitPolicy | null> {
  const policy = (name: string, limit: number | null): RateLimitPolicy | null =>
    limit === null ? null : { name, limit, windowSeconds: WINDOW_SECONDS, failMode };
  return {
    key: policy('api-key', limitFor(tenant, 'api_requests_per_minute_per_key')),
    tenant: policy('api-tenant', limitFor(tenant, 'api_requests_per_minute')),
  };
}

/** Fewer requests left is tighter; on a tie, the smaller limit, then the earlier reset. */
export function tighterWindow(a: ApiWindowResult, b: ApiWindowResult): ApiWindowResult {
  if (a.remaining !== b.remaining) return a.remaining < b.remaining ? a : b;
  if (a.limit !== b.limit) return a.limit < b.limit ? a : b;
  return a.resetSeconds <= b.resetSeconds ? a : b;
}

/**
 * Counts one request of an authenticated key: the key's window first, then the tenant's — only
 * when the key's allowed it, so a key hammering past its own limit spends nothing of what the
 * workspace's other keys share. One store round trip per window; after a store failure the
 * second window is not tried (the fail mode has decided, and a second timeout would double the
 * wait).
 */
export async function consumeApiRateLimit(
  params: { tenant: Entitled & { id: string }; keyId: string; failMode: ApiRateLimitFailMode },
  consume: Consume = consumeRateLimit,
): Promise<ApiRateLimitOutcome> {
  const policies = apiRateLimitPolicies(params.tenant, params.failMode);
  const identifiers: Record<ApiRateLimitWindow, string> = {
    key: `${params.tenant.id}:${params.keyId}`,
    tenant: params.tenant.id,
  };
  let binding: ApiWindowResult | null = null;
  for (const window of ['key', 'tenant'] as const) {
    const policy = policies[window];
    if (!policy) continue;
    const decision = await consume(policy, identifiers[window]);
    if (decision.storeUnavailable) {
      return {
        allowed: decision.allowed,
        storeUnavailable: true,
        retryAfterSeconds: decision.retryAfterSeconds,
        binding: null,
      };
    }
    const result: ApiWindowResult = { window, limit: policy.limit, ...decision };
    if (!decision.allowed) {
      return {
        allowed: false,
        storeUnavailable: false,
        retryAfterSeconds: decision.retryAfterSeconds,
        binding: result,
      };
    }
    binding = binding ? tighterWindow(binding, result) : result;
  }
  return { allowed: true, storeUnavailable: false, retryAfterSeconds: 0, binding };
}

/**
 * The IETF draft's `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until
 * the window ends) for the binding window; none when no window applies or the counts are unknown.
 */
export function rateLimitHeaders(outcome: ApiRateLimitOutcome | undefined): Record<string, string> {
  const binding = outcome?.binding;
  if (!binding) return {};
  return {
    'RateLimit-Limit': String(binding.limit),
    'RateLimit-Remaining': String(Math.max(0, binding.remaining)),
    'RateLimit-Reset': String(binding.resetSeconds),
  };
}

/**
 * `api.rate_limited` goes to the tenant's security log at most once per key and minute (counted
 * in the same store), not once per refused request: a client looping on 429 must not turn the
 * log into a write amplifier. Fails closed: when the store cannot say, no row is written (the
 * store's own failure is logged).
 */
export const rateLimitedReportPolicy: RateLimitPolicy = {
  name: 'api-rate-limited-report',
  limit: 1,
  windowSeconds: WINDOW_SECONDS,
  failMode: 'closed',
};

export async function shouldReportRateLimited(
  params: { tenantId: string; keyId: string },
  consume: Consume = consumeRateLimit,
): Promise<boolean> {
  const decision = await consume(rateLimitedReportPolicy, `${params.tenantId}:${params.keyId}`);
  return decision.allowed;
}
