import { createHash } from 'node:crypto';
import { env } from '@/lib/env';
import { log, logSecurityEvent } from '@/lib/log';
import { createMemoryStore } from './memory-store';
import type { RateLimitStore } from './store';
import { createUpstashStore } from './upstash-store';

/** `failMode` says what to do when the store cannot answer: refuse (`closed`) or let through (`open`). */
export type RateLimitPolicy = {
  name: string;
  limit: number;
  windowSeconds: number;
  failMode: 'open' | 'closed';
};

export const rateLimitPolicies = {
  /** Failed sign-ins per `${tenantId}:${email}`. */
  signInPerAccount: {
    name: 'sign-in-account',
    limit: 5,
    windowSeconds: 15 * 60,
    failMode: 'closed',
  },
  /** Failed sign-ins per client IP, across accounts (credential stuffing). */
  signInPerIp: { name: 'sign-in-ip', limit: 30, windowSeconds: 15 * 60, failMode: 'closed' },
  /**
   * Wrong second-factor codes (TOTP or recovery) per `${tenantId}:${membershipId}`: a password
   * alone must not buy enough guesses at a 6-digit code.
   */
  mfaPerAccount: { name: 'mfa-account', limit: 5, windowSeconds: 15 * 60, failMode: 'closed' },
  /** Workspaces created per client IP (sign-up spam); availability matters more here. */
  signUpPerIp: { name: 'sign-up-ip', limit: 10, windowSeconds: 60 * 60, failMode: 'open' },
  /** Invitation acceptance attempts per client IP (each one may test a password). */
  invitationAcceptPerIp: {
    name: 'invitation-accept-ip',
    limit: 20,
    windowSeconds: 15 * 60,
    failMode: 'closed',
  },
} satisfies Record<string, RateLimitPolicy>;

/**
 * `retryAfterSeconds` is 0 while attempts remain; once none do, it is an upper bound on the wait
 * before the next attempt is allowed. `resetSeconds` is the time until the current window ends
 * (what a `RateLimit-Reset` header says). `storeUnavailable` means the policy's fail mode decided:
 * the counts are then unknown.
 */
export type RateLimitDecision = {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
  resetSeconds: number;
  storeUnavailable: boolean;
};

export type RateLimiter = {
  /** Would another attempt be allowed? Counts nothing. */
  peekRateLimit(policy: RateLimitPolicy, key: string): Promise<RateLimitDecision>;
  /** Counts one attempt (e.g. a failed sign-in); `allowed` is false when it was already over the limit. */
  consumeRateLimit(policy: RateLimitPolicy, key: string): Promise<RateLimitDecision>;
  /** Forgets the attempts counted for this key (e.g. after a successful sign-in). Best effort. */
  resetRateLimit(policy: RateLimitPolicy, key: string): Promise<void>;
};

export type RateLimiterOptions =
  { store: 'upstash'; url: string; token: string; timeoutMs?: number } | { store: 'memory' };

/** How long a client is told to wait when a closed policy's store is down. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 30;
const DEFAULT_TIMEOUT_MS = 500;

/** Keys arrive namespaced by the caller (`${tenantId}:${email}`); the store only sees a digest. */
const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

function decision(allowed: boolean, remaining: number, resetAt: number): RateLimitDecision {
  const resetSeconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
  const retryAfterSeconds = remaining > 0 ? 0 : resetSeconds;
  return { allowed, remaining, retryAfterSeconds, resetSeconds, storeUnavailable: false };
}

function storeUnavailable(policy: RateLimitPolicy, error: unknown): RateLimitDecision {
  logSecurityEvent('ratelimit.store_unavailable', {
    policy: policy.name,
    failMode: policy.failMode,
    error: (error instanceof Error ? error.message : String(error)).slice(0, 200),
  });
  return policy.failMode === 'open'
    ? {
        allowed: true,
        remaining: policy.limit,
        retryAfterSeconds: 0,
        resetSeconds: policy.windowSeconds,
        storeUnavailable: true,
      }
    : {
        allowed: false,
        remaining: 0,
        retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
        resetSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
        storeUnavailable: true,
      };
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const store: RateLimitStore =
    options.store === 'memory'
      ? createMemoryStore()
      : createUpstashStore({
          url: options.url,
          token: options.token,
          timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        });

  return {
    async peekRateLimit(policy, key) {
      try {
        const { remaining, resetAt } = await store.peek(policy, hashKey(key));
        return decision(remaining > 0, remaining, resetAt);
      } catch (error) {
        return storeUnavailable(policy, error);
      }
    },
    async consumeRateLimit(policy, key) {
      try {
        const { success, remaining, resetAt } = await store.consume(policy, hashKey(key));
        return decision(success, remaining, resetAt);
      } catch (error) {
        return storeUnavailable(policy, error);
      }
    },
    async resetRateLimit(policy, key) {
      try {
        await store.reset(policy, hashKey(key));
      } catch (error) {
        // The counts expire on their own; failing the caller's (successful) operation would not help.
        storeUnavailable(policy, error);
      }
    },
  };
}

let defaultLimiter: RateLimiter | undefined;

/** Upstash when UPSTASH_REDIS_REST_URL is set, else an in-process store that serves one instance only. */
function defaultRateLimiter(): RateLimiter {
  if (!defaultLimiter) {
    const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token, NODE_ENV } = env();
    if (url && token) {
      defaultLimiter = createRateLimiter({ store: 'upstash', url, token });
    } else {
      if (NODE_ENV === 'production') {
        log.warn(
          'rate limits are kept in memory: set UPSTASH_REDIS_REST_URL when running more than one instance',
        );
      }
      defaultLimiter = createRateLimiter({ store: 'memory' });
    }
  }
  return defaultLimiter;
}

export function peekRateLimit(policy: RateLimitPolicy, key: string): Promise<RateLimitDecision> {
  return defaultRateLimiter().peekRateLimit(policy, key);
}

export function consumeRateLimit(policy: RateLimitPolicy, key: string): Promise<RateLimitDecision> {
  return defaultRateLimiter().consumeRateLimit(policy, key);
}

export function resetRateLimit(policy: RateLimitPolicy, key: string): Promise<void> {
  return defaultRateLimiter().resetRateLimit(policy, key);
}
