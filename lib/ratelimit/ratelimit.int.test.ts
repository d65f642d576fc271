import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logSecurityEvent } from '@/lib/log';
import { startUpstashBridge } from '@/test-support/upstash-rest-bridge';
import { createRateLimiter, type RateLimitPolicy } from './index';

vi.mock('@/lib/log', () => ({ log: { warn: vi.fn() }, logSecurityEvent: vi.fn() }));

// Real @upstash/ratelimit → @upstash/redis → REST bridge → Redis on 127.0.0.1:6379.
const REDIS_URL = 'redis://127.0.0.1:6379';
const run = randomUUID().slice(0, 8);
const policy = (overrides: Partial<RateLimitPolicy> = {}): RateLimitPolicy => ({
  name: `int-${run}`,
  limit: 5,
  windowSeconds: 60,
  failMode: 'closed',
  ...overrides,
});

let bridge: Awaited<ReturnType<typeof startUpstashBridge>>;
let redis: Redis;

beforeAll(async () => {
  bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: randomUUID() });
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  const keys = await redis.keys(`tenantry:rl:int-${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await bridge.close();
});

beforeEach(() => vi.mocked(logSecurityEvent).mockClear());

const upstash = (url = bridge.url, extra: { token?: string; timeoutMs?: number } = {}) =>
  createRateLimiter({
    store: 'upstash',
    url,
    token: extra.token ?? bridge.token,
    timeoutMs: extra.timeoutMs,
  });

describe('upstash rate limiter on a real Redis', () => {
  it('enforces one limit across two instances sharing the store', async () => {
    const a = upstash();
    const b = upstash();
    const p = policy();
    const key = `acme:${randomUUID()}@example.com`;

    for (let i = 0; i < 3; i++) expect((await a.consumeRateLimit(p, key)).allowed).toBe(true);
    expect(await b.peekRateLimit(p, key)).toEqual({
      allowed: true,
      remaining: 2,
      retryAfterSeconds: 0,
      resetSeconds: expect.any(Number),
      storeUnavailable: false,
    });
    expect(await b.consumeRateLimit(p, key)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await b.consumeRateLimit(p, key)).toMatchObject({ allowed: true, remaining: 0 });

    const refused = await a.consumeRateLimit(p, key);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, storeUnavailable: false });
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await a.peekRateLimit(p, key)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await upstash().peekRateLimit(p, `globex:${key}`)).toMatchObject({
      allowed: true,
      remaining: 5,
    });

    await b.resetRateLimit(p, key);
    expect(await a.peekRateLimit(p, key)).toMatchObject({ allowed: true, remaining: 5 });
    expect(logSecurityEvent).not.toHaveBeenCalled();
  });

  it('applies each limit given under one policy name to the same counts', async () => {
    // The tenant API's policies carry each tenant's own limit under one name.
    const limiter = upstash();
    const key = `acme:${randomUUID()}`;
    for (let i = 0; i < 3; i++)
      expect((await limiter.consumeRateLimit(policy({ limit: 5 }), key)).allowed).toBe(true);
    expect(await limiter.consumeRateLimit(policy({ limit: 3 }), key)).toMatchObject({
      allowed: false,
      remaining: 0,
    });
    expect(await limiter.consumeRateLimit(policy({ limit: 5 }), key)).toMatchObject({
      allowed: true,
      remaining: 1,
    });
  });

  it('keeps the counts in Redis under the policy prefix, with the key hashed', async () => {
    const p = policy();
    const email = `${randomUUID()}@example.com`;
    await upstash().consumeRateLimit(p, `acme:${email}`);

    const keys = await redis.keys(`tenantry:rl:${p.name}:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => /^tenantry:rl:int-[0-9a-f]{8}:[0-9a-f]{64}:\d+$/.test(k))).toBe(true);
    expect(keys.some((k) => k.includes(email))).toBe(false);
  });
});

describe('default rate limiter', () => {
  it('uses Upstash when UPSTASH_REDIS_REST_URL is set', async () => {
    vi.resetModules();
    vi.stubEnv('UPSTASH_REDIS_REST_URL', bridge.url);
    vi.stubEnv('UPSTASH_REDIS_REST_TOKEN', bridge.token);
    try {
      const { consumeRateLimit } = await import('./index');
      const p = policy();
      const key = `acme:${randomUUID()}@example.com`;
      await consumeRateLimit(p, key);
      expect(await upstash().peekRateLimit(p, key)).toMatchObject({
        remaining: 4,
        storeUnavailable: false,
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('when the store cannot answer', () => {
  const closed = policy({ failMode: 'closed' });
  const open = policy({ failMode: 'open' });

  async function expectFailModes(limiter: ReturnType<typeof upstash>) {
    const started = Date.now();
    expect(await limiter.consumeRateLimit(closed, 'k')).toEqual({
      allowed: false,
      remaining: 0,
      retryAfterSeconds: 30,
      resetSeconds: 30,
      storeUnavailable: true,
    });
    expect(await limiter.peekRateLimit(closed, 'k')).toEqual({
      allowed: false,
      remaining: 0,
      retryAfterSeconds: 30,
      resetSeconds: 30,
      storeUnavailable: true,
    });
    expect(await limiter.consumeRateLimit(open, 'k')).toEqual({
      allowed: true,
      remaining: 5,
      retryAfterSeconds: 0,
      resetSeconds: 60,
      storeUnavailable: true,
    });
    expect(await limiter.peekRateLimit(open, 'k')).toMatchObject({
      allowed: true,
      storeUnavailable: true,
    });
    await expect(limiter.resetRateLimit(closed, 'k')).resolves.toBeUndefined();
    expect(logSecurityEvent).toHaveBeenCalledTimes(5);
    expect(logSecurityEvent).toHaveBeenCalledWith(
      'ratelimit.store_unavailable',
      expect.objectContaining({ policy: closed.name }),
    );
    return Date.now() - started;
  }

  it('fails closed or open, quickly, when nothing listens', async () => {
    const port = await closedPort();
    expect(await expectFailModes(upstash(`http://127.0.0.1:${port}`))).toBeLessThan(2000);
  });

  it('fails closed or open after the bridge is stopped', async () => {
    const own = await startUpstashBridge({ redisUrl: REDIS_URL, token: 'stopping' });
    const limiter = upstash(own.url, { token: own.token });
    expect((await limiter.consumeRateLimit(closed, `k-${randomUUID()}`)).storeUnavailable).toBe(
      false,
    );
    await own.close();
    expect(await expectFailModes(limiter)).toBeLessThan(2000);
  });

  it('fails closed or open after the timeout when the store hangs', async () => {
    const sockets = new Set<net.Socket>();
    const hanging = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hanging.address() as net.AddressInfo;
      // Five calls, each bounded by the 200 ms timeout.
      expect(
        await expectFailModes(upstash(`http://127.0.0.1:${port}`, { timeoutMs: 200 })),
      ).toBeLessThan(1500);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('fails closed when the token is refused', async () => {
    const limiter = upstash(bridge.url, { token: 'wrong' });
    expect(await limiter.peekRateLimit(closed, 'k')).toMatchObject({
      allowed: false,
      storeUnavailable: true,
    });
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
