import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { withPlatform, withTenant } from '@/db/scope';
import { tenants } from '@/db/schema';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { searchActivityEvents } from '@/lib/activity';
import { createApiKey, type ApiScope } from '@/lib/api-keys';
import type * as EnvModule from '@/lib/env';
import { log } from '@/lib/log';
import type * as RateLimitModule from '@/lib/ratelimit';
import { createRateLimiter, type RateLimiter } from '@/lib/ratelimit';
import { startUpstashBridge } from '@/test-support/upstash-rest-bridge';
import * as collection from '@/app/api/v1/documents/route';

// The real tenant route → the real @upstash/ratelimit → @upstash/redis → REST bridge → Redis on
// 127.0.0.1:6379. Only the choice of limiter and of the fail mode are test-controlled: lib/env
// and the default limiter are read once per process.
const state = vi.hoisted(() => ({
  limiter: undefined as RateLimiter | undefined,
  failMode: 'open' as 'open' | 'closed',
}));

vi.mock('@/lib/ratelimit', async (importOriginal) => {
  const actual = await importOriginal<typeof RateLimitModule>();
  return {
    ...actual,
    consumeRateLimit: (...args: Parameters<RateLimiter['consumeRateLimit']>) =>
      state.limiter!.consumeRateLimit(...args),
  };
});

vi.mock('@/lib/env', async (importOriginal) => {
  const actual = await importOriginal<typeof EnvModule>();
  return {
    ...actual,
    env: () => ({ ...actual.env(), API_RATE_LIMIT_FAIL_MODE: state.failMode }),
  };
});

const REDIS_URL = 'redis://127.0.0.1:6379';
const TINY = { api_requests_per_minute: 5, api_requests_per_minute_per_key: 3 };

let handle: DatabaseHandle;
let bridge: Awaited<ReturnType<typeof startUpstashBridge>>;
type Tenant = { id: string; slug: string };

const upstash = (url = bridge.url) =>
  createRateLimiter({ store: 'upstash', url, token: bridge.token });

beforeAll(async () => {
  handle = await setupTestDatabase();
  bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: randomUUID() });
  state.limiter = upstash();
});
afterAll(async () => {
  await bridge.close();
  await teardownTestDatabase(handle);
});
afterEach(() => {
  state.limiter = upstash();
  state.failMode = 'open';
  vi.restoreAllMocks();
});

/** A pro tenant whose limits are overridden to tiny ones, with fresh windows of its own. */
async function tinyTenant(): Promise<Tenant> {
  const tenant = await createTenant({ plan: 'pro' });
  await withPlatform((tx) =>
    tx.update(tenants).set({ limitOverrides: TINY }).where(eq(tenants.id, tenant.id)),
  );
  return tenant;
}

async function keyFor(tenant: Tenant, scopes: ApiScope[] = ['documents:read']) {
  const created = await withTenant(tenant.id, (tx) =>
    createApiKey(tx, {
      tenantId: tenant.id,
      name: 'rate-limit test',
      scopes,
      actor: { type: 'system', id: null },
    }),
  );
  return { id: created.id, key: created.key };
}

function call(tenant: Tenant, key: string, method: 'GET' | 'POST' = 'GET') {
  const headers: Record<string, string> = {
    'x-request-id': randomUUID(),
    host: `${tenant.slug}.localhost:3000`,
    'x-tenantry-tenant': tenant.slug,
    authorization: `Bearer ${key}`,
  };
  const init: RequestInit = { method, headers };
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify({ title: 'Rate-limited?' });
  }
  const request = new Request(`http://${tenant.slug}.localhost:3000/api/v1/documents`, init);
  const handler = method === 'GET' ? collection.GET : collection.POST;
  return handler(request, { params: Promise.resolve({}) });
}

const rateLimit = (response: Response) => ({
  limit: response.headers.get('ratelimit-limit'),
  remaining: response.headers.get('ratelimit-remaining'),
  reset: Number(response.headers.get('ratelimit-reset')),
});

async function rateLimitedEvents(tenantId: string) {
  const page = await withTenant(tenantId, (tx) =>
    searchActivityEvents(tx, { tenantId, stream: 'security', limit: 100 }),
  );
  return page.data.filter((event) => event.action === 'api.rate_limited');
}

/**
 * The windows are aligned to the minute (sliding over the previous one): a test that straddles a
 * boundary would see its earlier requests count fractionally. Start well inside a minute.
 */
async function awayFromWindowEdge() {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 54_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
}

describe('tenant API rate limits on the real Redis', () => {
  it('counts down per key in RateLimit-* headers, then answers 429 with Retry-After, logged once', async () => {
    await awayFromWindowEdge();
    const tenant = await tinyTenant();
    const a = await keyFor(tenant);

    // Unknown keys are refused before the limiter: no headers, and nothing of the budget spent.
    for (let i = 0; i < 4; i++) {
      const unknown = await call(tenant, `tnry_${'x'.repeat(43)}`);
      expect(unknown.status).toBe(401);
      expect(unknown.headers.get('ratelimit-limit')).toBeNull();
    }

    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await call(tenant, a.key);
      expect(response.status).toBe(200);
      const headers = rateLimit(response);
      expect(headers.limit).toBe('3');
      expect(headers.reset).toBeGreaterThanOrEqual(1);
      expect(headers.reset).toBeLessThanOrEqual(60);
      remaining.push(headers.remaining);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    for (let i = 0; i < 3; i++) {
      const refused = await call(tenant, a.key);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({
        error: {
          code: 'rate_limited',
          message: expect.stringContaining('this API key: 3 per minute'),
        },
      });
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(rateLimit(refused)).toEqual({ limit: '3', remaining: '0', reset: retryAfter });
      expect(refused.headers.get('cache-control')).toBe('no-store');
    }

    // Three refusals, one row: at most one per key and minute.
    const events = await rateLimitedEvents(tenant.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorType: 'api_key',
      actorId: a.id,
      channel: 'api',
      metadata: { window: 'key', limit: 3, windowSeconds: 60, operation: 'listDocuments' },
    });

    // The counts live in Redis, shared by every instance: a new limiter refuses as well.
    state.limiter = upstash();
    expect((await call(tenant, a.key)).status).toBe(429);
  });

  it('keeps keys apart until the tenant’s window is spent, and tenants apart', async () => {
    await awayFromWindowEdge();
    const tenant = await tinyTenant();
    const a = await keyFor(tenant);
    const b = await keyFor(tenant);
    for (let i = 0; i < 3; i++) expect((await call(tenant, a.key)).status).toBe(200);
    expect((await call(tenant, a.key)).status).toBe(429);

    // Key a's refusals spent nothing of the tenant's 5: key b has exactly two left, and the
    // tenant's window, now the tighter, is what the headers describe.
    const first = await call(tenant, b.key);
    expect(first.status).toBe(200);
    expect(rateLimit(first)).toMatchObject({ limit: '5', remaining: '1' });
    const second = await call(tenant, b.key);
    expect(rateLimit(second)).toMatchObject({ limit: '5', remaining: '0' });
    const refused = await call(tenant, b.key);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({
      error: { code: 'rate_limited', message: expect.stringContaining('this workspace: 5 per') },
    });
    expect(rateLimit(refused)).toMatchObject({ limit: '5', remaining: '0' });

    const events = await rateLimitedEvents(tenant.id);
    expect(events.map((event) => [event.actorId, event.metadata.window]).sort()).toEqual(
      [
        [a.id, 'key'],
        [b.id, 'tenant'],
      ].sort(),
    );

    // Another tenant with the same limits is untouched.
    const other = await tinyTenant();
    const otherKey = await keyFor(other);
    const fresh = await call(other, otherKey.key);
    expect(fresh.status).toBe(200);
    expect(rateLimit(fresh)).toMatchObject({ limit: '3', remaining: '2' });
    expect(await rateLimitedEvents(other.id)).toEqual([]);
  });

  it('counts refused requests of an authenticated key too, with the headers on the error', async () => {
    await awayFromWindowEdge();
    const tenant = await tinyTenant();
    const reader = await keyFor(tenant, ['documents:read']);
    const denied = await call(tenant, reader.key, 'POST');
    expect(denied.status).toBe(403);
    expect(rateLimit(denied)).toMatchObject({ limit: '3', remaining: '2' });
  });

  it('sends the plan’s limits when the tenant has no overrides', async () => {
    await awayFromWindowEdge();
    const tenant = await createTenant({ plan: 'business' });
    const { key } = await keyFor(tenant);
    const response = await call(tenant, key);
    expect(response.status).toBe(200);
    // business: 3,000 per workspace, 1,500 per key — the key's window is the tighter.
    expect(rateLimit(response)).toMatchObject({ limit: '1500', remaining: '1499' });
  });
});

describe('tenant API rate limits when Redis is down', () => {
  async function downLimiter() {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return upstash(`http://127.0.0.1:${port}`);
  }

  function storeUnavailableLines(warn: { mock: { calls: unknown[][] } }) {
    return warn.mock.calls
      .map(([fields]) => fields as Record<string, unknown>)
      .filter((fields) => fields.event === 'ratelimit.store_unavailable');
  }

  it('fails open by default: the request is served without RateLimit-* and the outage is logged', async () => {
    const tenant = await tinyTenant();
    const { key } = await keyFor(tenant);
    state.limiter = await downLimiter();
    const warn = vi.spyOn(log, 'warn');
    for (let i = 0; i < 5; i++) {
      const response = await call(tenant, key);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBeNull();
    }
    const lines = storeUnavailableLines(warn);
    // One line per request: the tenant's window is not tried once the key's store has failed.
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ security: true, policy: 'api-key', failMode: 'open' });
    expect(await rateLimitedEvents(tenant.id)).toEqual([]);
  });

  it('fails closed when configured: 503 unavailable with Retry-After, logged', async () => {
    const tenant = await tinyTenant();
    const { key } = await keyFor(tenant);
    state.limiter = await downLimiter();
    state.failMode = 'closed';
    const warn = vi.spyOn(log, 'warn');
    const refused = await call(tenant, key);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      error: { code: 'unavailable', message: expect.stringContaining('rate limits') },
    });
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('ratelimit-limit')).toBeNull();
    expect(storeUnavailableLines(warn)).toEqual([
      expect.objectContaining({ security: true, policy: 'api-key', failMode: 'closed' }),
    ]);
    expect(await rateLimitedEvents(tenant.id)).toEqual([]);

    // Redis back: served and counted again.
    state.limiter = upstash();
    const served = await call(tenant, key);
    expect(served.status).toBe(200);
    expect(rateLimit(served)).toMatchObject({ limit: '3', remaining: '2' });
  });
});
