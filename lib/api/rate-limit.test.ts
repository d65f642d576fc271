import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { plans } from '@/lib/plans';
import { createRateLimiter, type RateLimitDecision, type RateLimitPolicy } from '@/lib/ratelimit';
import {
  apiRateLimitPolicies,
  consumeApiRateLimit,
  rateLimitHeaders,
  shouldReportRateLimited,
  tighterWindow,
  type ApiWindowResult,
} from './rate-limit';

vi.mock('@/lib/log', () => ({ log: { warn: vi.fn() }, logSecurityEvent: vi.fn() }));

/** A whole number of minutes since the epoch, so each test starts at a window boundary. */
const WINDOW_START = 60_000 * 29_000_000;

const tenantWith = (limits: Record<string, number | null>, id = 'tenant-a') => ({
  id,
  plan: 'pro',
  limitOverrides: limits,
});

function memory() {
  const limiter = createRateLimiter({ store: 'memory' });
  const calls: string[] = [];
  const consume = (policy: RateLimitPolicy, key: string) => {
    calls.push(`${policy.name}:${policy.limit}:${key}`);
    return limiter.consumeRateLimit(policy, key);
  };
  return { consume, calls };
}

describe('apiRateLimitPolicies', () => {
  it('takes both windows from the plan, overrides first, one minute each; null is no window', () => {
    expect(apiRateLimitPolicies({ plan: 'pro' }, 'open')).toEqual({
      key: {
        name: 'api-key',
        limit: plans.pro.limits.api_requests_per_minute_per_key,
        windowSeconds: 60,
        failMode: 'open',
      },
      tenant: {
        name: 'api-tenant',
        limit: plans.pro.limits.api_requests_per_minute,
        windowSeconds: 60,
        failMode: 'open',
      },
    });
    expect(
      apiRateLimitPolicies(
        {
          plan: 'pro',
          limitOverrides: { api_requests_per_minute: 3, api_requests_per_minute_per_key: null },
        },
        'closed',
      ),
    ).toEqual({
      key: null,
      tenant: { name: 'api-tenant', limit: 3, windowSeconds: 60, failMode: 'closed' },
    });
  });
});

describe('consumeApiRateLimit', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(WINDOW_START);
  });
  afterEach(() => vi.useRealTimers());

  it('counts down the tighter window and describes it in the headers', async () => {
    const { consume } = memory();
    const tenant = tenantWith({ api_requests_per_minute: 4, api_requests_per_minute_per_key: 3 });
    vi.advanceTimersByTime(15_000);
    const first = await consumeApiRateLimit({ tenant, keyId: 'k1', failMode: 'open' }, consume);
    expect(first).toMatchObject({ allowed: true, storeUnavailable: false, retryAfterSeconds: 0 });
    expect(rateLimitHeaders(first)).toEqual({
      'RateLimit-Limit': '3',
      'RateLimit-Remaining': '2',
      'RateLimit-Reset': '45',
    });
    // Two more keys: each one's window is fresh, the tenant's (4, three spent) is now the tighter.
    await consumeApiRateLimit({ tenant, keyId: 'k2', failMode: 'open' }, consume);
    const third = await consumeApiRateLimit({ tenant, keyId: 'k3', failMode: 'open' }, consume);
    expect(rateLimitHeaders(third)).toEqual({
      'RateLimit-Limit': '4',
      'RateLimit-Remaining': '1',
      'RateLimit-Reset': '45',
    });
  });

  it('refuses on the key’s window without spending the tenant’s', async () => {
    const { consume, calls } = memory();
    const tenant = tenantWith({ api_requests_per_minute: 10, api_requests_per_minute_per_key: 2 });
    for (let i = 0; i < 2; i++)
      expect(
        (await consumeApiRateLimit({ tenant, keyId: 'k1', failMode: 'open' }, consume)).allowed,
      ).toBe(true);
    vi.advanceTimersByTime(20_000);
    calls.length = 0;
    const refused = await consumeApiRateLimit({ tenant, keyId: 'k1', failMode: 'open' }, consume);
    expect(refused).toMatchObject({
      allowed: false,
      storeUnavailable: false,
      retryAfterSeconds: 40,
      binding: { window: 'key', limit: 2, remaining: 0 },
    });
    expect(rateLimitHeaders(refused)).toEqual({
      'RateLimit-Limit': '2',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '40',
    });
    expect(calls).toEqual(['api-key:2:tenant-a:k1']);
    // The tenant's window saw two requests, not three.
    const other = await consumeApiRateLimit({ tenant, keyId: 'k2', failMode: 'open' }, consume);
    expect(other.binding).toMatchObject({ window: 'key', remaining: 1 });
    expect(calls.at(-1)).toBe('api-tenant:10:tenant-a');
  });

  it('refuses on the tenant’s window when the keys together reach it, tenants apart', async () => {
    const { consume } = memory();
    const tenant = tenantWith({ api_requests_per_minute: 2, api_requests_per_minute_per_key: 5 });
    await consumeApiRateLimit({ tenant, keyId: 'k1', failMode: 'open' }, consume);
    await consumeApiRateLimit({ tenant, keyId: 'k2', failMode: 'open' }, consume);
    const refused = await consumeApiRateLimit({ tenant, keyId: 'k3', failMode: 'open' }, consume);
    expect(refused).toMatchObject({
      allowed: false,
      binding: { window: 'tenant', limit: 2, remaining: 0 },
    });
    const other = tenantWith(
      { api_requests_per_minute: 2, api_requests_per_minute_per_key: 5 },
      'b',
    );
    expect(
      (await consumeApiRateLimit({ tenant: other, keyId: 'k3', failMode: 'open' }, consume))
        .allowed,
    ).toBe(true);
  });

  it('has no window, no count and no headers when both limits are unlimited', async () => {
    const { consume, calls } = memory();
    const tenant = tenantWith({
      api_requests_per_minute: null,
      api_requests_per_minute_per_key: null,
    });
    const outcome = await consumeApiRateLimit({ tenant, keyId: 'k', failMode: 'open' }, consume);
    expect(outcome).toEqual({
      allowed: true,
      storeUnavailable: false,
      retryAfterSeconds: 0,
      binding: null,
    });
    expect(calls).toEqual([]);
    expect(rateLimitHeaders(outcome)).toEqual({});
    expect(rateLimitHeaders(undefined)).toEqual({});
  });

  it('lets the fail mode decide when the store does not answer, and asks it only once', async () => {
    for (const failMode of ['open', 'closed'] as const) {
      const consume = vi.fn(async (policy: RateLimitPolicy): Promise<RateLimitDecision> => ({
        allowed: policy.failMode === 'open',
        remaining: policy.failMode === 'open' ? policy.limit : 0,
        retryAfterSeconds: policy.failMode === 'open' ? 0 : 30,
        resetSeconds: 30,
        storeUnavailable: true,
      }));
      const outcome = await consumeApiRateLimit(
        { tenant: tenantWith({}), keyId: 'k', failMode },
        consume,
      );
      expect(outcome).toEqual({
        allowed: failMode === 'open',
        storeUnavailable: true,
        retryAfterSeconds: failMode === 'open' ? 0 : 30,
        binding: null,
      });
      expect(consume).toHaveBeenCalledTimes(1);
      expect(rateLimitHeaders(outcome)).toEqual({});
    }
  });
});

describe('tighterWindow', () => {
  const window = (overrides: Partial<ApiWindowResult>): ApiWindowResult => ({
    window: 'key',
    limit: 10,
    allowed: true,
    remaining: 5,
    retryAfterSeconds: 0,
    resetSeconds: 30,
    storeUnavailable: false,
    ...overrides,
  });
  it('prefers fewer remaining, then the smaller limit, then the earlier reset', () => {
    const a = window({ remaining: 1 });
    const b = window({ window: 'tenant', remaining: 2 });
    expect(tighterWindow(a, b)).toBe(a);
    expect(tighterWindow(b, a)).toBe(a);
    const small = window({ limit: 5 });
    expect(tighterWindow(window({}), small)).toBe(small);
    expect(tighterWindow(small, window({}))).toBe(small);
    const soon = window({ resetSeconds: 10 });
    expect(tighterWindow(window({}), soon)).toBe(soon);
    expect(tighterWindow(soon, window({}))).toBe(soon);
  });
});

describe('shouldReportRateLimited', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(WINDOW_START);
  });
  afterEach(() => vi.useRealTimers());

  it('says yes once per key and minute', async () => {
    const { consume } = memory();
    const a = { tenantId: 't', keyId: 'a' };
    expect(await shouldReportRateLimited(a, consume)).toBe(true);
    expect(await shouldReportRateLimited(a, consume)).toBe(false);
    expect(await shouldReportRateLimited({ tenantId: 't', keyId: 'b' }, consume)).toBe(true);
    vi.advanceTimersByTime(61_000);
    expect(await shouldReportRateLimited(a, consume)).toBe(true);
  });
});
