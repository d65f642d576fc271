import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter, rateLimitPolicies, type RateLimitPolicy } from './index';
import { createMemoryStore } from './memory-store';

vi.mock('@/lib/log', () => ({ log: { warn: vi.fn() }, logSecurityEvent: vi.fn() }));

const policy: RateLimitPolicy = { name: 'test', limit: 3, windowSeconds: 60, failMode: 'closed' };
const WINDOW_MS = policy.windowSeconds * 1000;
/** A whole number of windows since the epoch, so each test starts at a window boundary. */
const WINDOW_START = WINDOW_MS * 29_000_000;

describe('memory rate limiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(WINDOW_START);
  });
  afterEach(() => vi.useRealTimers());

  it('allows up to the limit, then refuses until the window ends', async () => {
    const limiter = createRateLimiter({ store: 'memory' });
    const remaining = [];
    for (let i = 0; i < 3; i++)
      remaining.push((await limiter.consumeRateLimit(policy, 'acme:ann@example.com')).remaining);
    expect(remaining).toEqual([2, 1, 0]);

    vi.advanceTimersByTime(10_000);
    expect(await limiter.consumeRateLimit(policy, 'acme:ann@example.com')).toEqual({
      allowed: false,
      remaining: 0,
      retryAfterSeconds: 50,
      resetSeconds: 50,
      storeUnavailable: false,
    });
    expect(await limiter.peekRateLimit(policy, 'acme:ann@example.com')).toMatchObject({
      allowed: false,
      retryAfterSeconds: 50,
    });
  });

  it('reports retryAfterSeconds 0 while attempts remain', async () => {
    const limiter = createRateLimiter({ store: 'memory' });
    expect(await limiter.consumeRateLimit(policy, 'k')).toEqual({
      allowed: true,
      remaining: 2,
      retryAfterSeconds: 0,
      resetSeconds: 60,
      storeUnavailable: false,
    });
  });

  it('peek does not consume', async () => {
    const limiter = createRateLimiter({ store: 'memory' });
    for (let i = 0; i < 5; i++) {
      expect(await limiter.peekRateLimit(policy, 'k')).toEqual({
        allowed: true,
        remaining: 3,
        retryAfterSeconds: 0,
        resetSeconds: 60,
        storeUnavailable: false,
      });
    }
    await limiter.consumeRateLimit(policy, 'k');
    expect((await limiter.peekRateLimit(policy, 'k')).remaining).toBe(2);
    expect((await limiter.peekRateLimit(policy, 'k')).remaining).toBe(2);
  });

  it('reset forgets the attempts of that key only', async () => {
    const limiter = createRateLimiter({ store: 'memory' });
    for (let i = 0; i < 3; i++) {
      await limiter.consumeRateLimit(policy, 'a');
      await limiter.consumeRateLimit(policy, 'b');
    }
    await limiter.resetRateLimit(policy, 'a');
    expect((await limiter.peekRateLimit(policy, 'a')).allowed).toBe(true);
    expect((await limiter.peekRateLimit(policy, 'b')).allowed).toBe(false);
  });

  it('keeps keys and policies apart', async () => {
    const limiter = createRateLimiter({ store: 'memory' });
    const other: RateLimitPolicy = { ...policy, name: 'other' };
    for (let i = 0; i < 3; i++) await limiter.consumeRateLimit(policy, 'acme:ann@example.com');
    expect((await limiter.peekRateLimit(policy, 'globex:ann@example.com')).allowed).toBe(true);
    expect((await limiter.peekRateLimit(other, 'acme:ann@example.com')).allowed).toBe(true);
    expect(
      (await createRateLimiter({ store: 'memory' }).peekRateLimit(policy, 'acme:ann@example.com'))
        .allowed,
    ).toBe(true);
  });

  it('slides: the previous window counts in proportion to what is left of it', async () => {
    const limiter = createRateLimiter({ store: 'memory' });
    for (let i = 0; i < 3; i++) await limiter.consumeRateLimit(policy, 'k');

    vi.setSystemTime(WINDOW_START + WINDOW_MS); // previous window counts fully: floor(1 × 3)
    expect((await limiter.peekRateLimit(policy, 'k')).allowed).toBe(false);
    vi.setSystemTime(WINDOW_START + WINDOW_MS + 1); // floor(0.99… × 3) = 2
    expect((await limiter.peekRateLimit(policy, 'k')).remaining).toBe(1);
    vi.setSystemTime(WINDOW_START + WINDOW_MS * 1.5); // floor(0.5 × 3) = 1
    expect((await limiter.consumeRateLimit(policy, 'k')).remaining).toBe(1);
    vi.setSystemTime(WINDOW_START + WINDOW_MS * 3); // both windows are over
    expect((await limiter.peekRateLimit(policy, 'k')).remaining).toBe(3);
  });

  it('prunes expired entries so memory stays bounded', async () => {
    const store = createMemoryStore();
    for (let i = 0; i < 100; i++) await store.consume(policy, `key-${i}`);
    expect(store.size()).toBe(100);

    vi.setSystemTime(WINDOW_START + WINDOW_MS * 2 + 60_000);
    await store.peek(policy, 'someone-else');
    expect(store.size()).toBe(0);
  });

  it('declares the sign-in policies', () => {
    expect(rateLimitPolicies.signInPerAccount).toMatchObject({
      limit: 5,
      windowSeconds: 900,
      failMode: 'closed',
    });
    expect(rateLimitPolicies.signInPerIp).toMatchObject({
      limit: 30,
      windowSeconds: 900,
      failMode: 'closed',
    });
  });
});

describe('default rate limiter', () => {
  beforeEach(() => {
    vi.resetModules();
    vi.stubEnv('UPSTASH_REDIS_REST_URL', '');
    vi.stubEnv('UPSTASH_REDIS_REST_TOKEN', '');
  });
  afterEach(() => vi.unstubAllEnvs());

  it('uses the memory store without Upstash configuration', async () => {
    const { consumeRateLimit, peekRateLimit, resetRateLimit } = await import('./index');
    for (let i = 0; i < 3; i++) await consumeRateLimit(policy, 'k');
    expect((await peekRateLimit(policy, 'k')).allowed).toBe(false);
    await resetRateLimit(policy, 'k');
    expect((await peekRateLimit(policy, 'k')).allowed).toBe(true);
  });

  it('warns in production that memory counts serve one instance only', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    const { peekRateLimit } = await import('./index');
    const { log } = await import('@/lib/log');
    await peekRateLimit(policy, 'k');
    await peekRateLimit(policy, 'k');
    expect(log.warn).toHaveBeenCalledTimes(1);
  });
});
