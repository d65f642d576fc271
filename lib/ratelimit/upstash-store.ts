import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import type { RateLimitPolicy } from './index';
import type { RateLimitStore } from './store';

const keyPrefix = (policy: RateLimitPolicy) => `tenantry:rl:${policy.name}`;

/** @upstash/ratelimit times out `limit()` itself, but not `getRemaining()` or our DEL. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`rate-limit store did not answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sliding windows in Redis through Upstash's REST API: counts are shared by every instance. */
export function createUpstashStore(options: {
  url: string;
  token: string;
  timeoutMs: number;
}): RateLimitStore {
  const { timeoutMs } = options;
  const redis = new Redis({
    url: options.url,
    token: options.token,
    // One quick retry for a dropped connection; more would not fit in the timeout anyway.
    retry: { retries: 1, backoff: () => 50 },
    enableTelemetry: false,
  });
  // One limiter per policy *and* limit: the tenant API's policies carry each tenant's own limit
  // under one name (one key prefix), so a plan change keeps the counts already made.
  const limiters = new Map<string, Ratelimit>();

  function limiterFor(policy: RateLimitPolicy): Ratelimit {
    const cacheKey = `${policy.name}:${policy.limit}:${policy.windowSeconds}`;
    let limiter = limiters.get(cacheKey);
    if (!limiter) {
      limiter = new Ratelimit({
        redis,
        limiter: Ratelimit.slidingWindow(policy.limit, `${policy.windowSeconds} s`),
        prefix: keyPrefix(policy),
        analytics: false,
        timeout: timeoutMs,
        // Its in-process "blocked" cache would survive a reset made by another instance.
        ephemeralCache: false,
        enableProtection: false,
      });
      limiters.set(cacheKey, limiter);
    }
    return limiter;
  }

  return {
    async peek(policy, id) {
      const { remaining, reset } = await withTimeout(
        limiterFor(policy).getRemaining(id),
        timeoutMs,
      );
      return { remaining, resetAt: reset };
    },
    async consume(policy, id) {
      const response = await limiterFor(policy).limit(id);
      // After its timeout the library answers success: true; we let the fail mode decide instead.
      if (response.reason === 'timeout')
        throw new Error(`rate-limit store did not answer within ${timeoutMs} ms`);
      return { success: response.success, remaining: response.remaining, resetAt: response.reset };
    },
    async reset(policy, id) {
      // `resetUsedTokens()` runs a Lua SCAN over the whole keyspace; delete the window buckets the
      // algorithm reads instead (`<prefix>:<id>:<window number>`), ± one for clock skew between instances.
      const windowMs = policy.windowSeconds * 1000;
      const window = Math.floor(Date.now() / windowMs);
      const keys = [window - 1, window, window + 1].map((w) => `${keyPrefix(policy)}:${id}:${w}`);
      await withTimeout(redis.del(...keys), timeoutMs);
    },
  };
}
