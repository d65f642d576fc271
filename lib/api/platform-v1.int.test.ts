import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { auditEvents, users } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  uniqueSlug,
} from '@/db/testing';
import * as tenantRoutes from '@/app/api/platform/v1/tenants/route';
import * as tenantByIdRoutes from '@/app/api/platform/v1/tenants/[id]/route';
import * as apiKeyRoutes from '@/app/api/platform/v1/tenants/[id]/api-keys/route';
import { authenticateApiKey } from '@/lib/api-keys';
import { listAuditEvents } from '@/lib/audit';
import { INTERNAL_HEADERS } from '@/lib/host';
import { verifyPassword } from '@/lib/passwords';
import { plans } from '@/lib/plans';
import { UNUSABLE_PASSWORD } from '@/lib/tenancy';
import type { RouteHandler } from './handler';
import {
  createTenantApiKeyOperation,
  createTenantOperation,
  getTenantOperation,
  listTenantsOperation,
  updateTenantOperation,
  type TenantWire,
} from './platform-v1';

// lib/env reads the environment once, on first use — and lib/log uses it at import time — so the
// token must be in place before any import runs.
const TOKEN = vi.hoisted(() => {
  const token = `test-platform-token-${'x'.repeat(32)}`;
  process.env.PLATFORM_API_TOKEN = token;
  return token;
});

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

type Call = {
  body?: unknown;
  rawBody?: string;
  token?: string | null;
  headers?: Record<string, string>;
  id?: string;
  query?: string;
};

async function call(handler: RouteHandler, path: string, options: Call = {}) {
  const { token = TOKEN, headers = {}, id, query = '' } = options;
  const method = handler.operation.method.toUpperCase();
  const request = new Request(`http://localhost:3000/api/platform/v1${path}${query}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': 'application/json',
      ...headers,
    },
    body:
      method === 'GET'
        ? undefined
        : (options.rawBody ??
          (options.body === undefined ? undefined : JSON.stringify(options.body))),
  });
  const response = await handler(request, {
    params: Promise.resolve<Record<string, string>>(id ? { id } : {}),
  });
  const text = await response.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON; successes are parsed with the operation's schema below
  const body = (text ? JSON.parse(text) : null) as Record<string, any>;
  // Every success answers exactly what the operation documents.
  if (response.ok && handler.operation.success.schema) handler.operation.success.schema.parse(body);
  return { status: response.status, headers: response.headers, body };
}

const email = () => `${uniqueSlug('owner')}@example.test`;

async function provision(input: Record<string, unknown> = {}) {
  const result = await call(tenantRoutes.POST, '/tenants', {
    body: { slug: uniqueSlug('api'), name: 'Provisioned Inc.', ownerEmail: email(), ...input },
  });
  expect(result.status).toBe(201);
  return result.body as {
    tenant: TenantWire;
    apiKey?: { id: string; key: string; prefix: string };
  };
}

async function auditOf(tenantId: string, action: string) {
  return withTenant(tenantId, (tx) =>
    tx
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.action, action))),
  );
}

describe('platform API authentication', () => {
  const everyRoute: [string, RouteHandler, string][] = [
    ['POST /tenants', tenantRoutes.POST, '/tenants'],
    ['GET /tenants', tenantRoutes.GET, '/tenants'],
    ['GET /tenants/{id}', tenantByIdRoutes.GET, `/tenants/${randomUUID()}`],
    ['PATCH /tenants/{id}', tenantByIdRoutes.PATCH, `/tenants/${randomUUID()}`],
    ['POST /tenants/{id}/api-keys', apiKeyRoutes.POST, `/tenants/${randomUUID()}/api-keys`],
  ];

  it.each(everyRoute)(
    '%s answers 401 without a token and with a wrong one',
    async (_name, handler, path) => {
      const missing = await call(handler, path, { token: null, body: {} });
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({
        error: { code: 'unauthenticated', message: expect.any(String) },
      });
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');

      const wrong = await call(handler, path, { token: `${TOKEN}-not`, body: {} });
      expect(wrong.status).toBe(401);
      const short = await call(handler, path, { token: 'x', body: {} });
      expect(short.status).toBe(401);
    },
  );

  it('refuses a malformed authorization header', async () => {
    const result = await call(tenantRoutes.GET, '/tenants', {
      token: null,
      headers: { authorization: `Basic ${TOKEN}` },
    });
    expect(result.status).toBe(401);
  });

  it('answers 404 when the request carries a tenant host (the platform API is root-domain only)', async () => {
    const tenant = await createTenant();
    const result = await call(tenantRoutes.GET, '/tenants', {
      headers: { [INTERNAL_HEADERS.tenantSlug]: tenant.slug },
    });
    expect(result.status).toBe(404);
    expect(result.body.error.code).toBe('not_found');
  });

  it('answers 503 when PLATFORM_API_TOKEN is not configured', async () => {
    // A fresh module graph reads a fresh environment; the suite's own modules keep theirs.
    vi.resetModules();
    const saved = process.env.PLATFORM_API_TOKEN;
    delete process.env.PLATFORM_API_TOKEN;
    try {
      const fresh = await import('@/app/api/platform/v1/tenants/route');
      const result = await call(fresh.GET, '/tenants');
      expect(result.status).toBe(503);
      expect(result.body.error.code).toBe('unavailable');
    } finally {
      process.env.PLATFORM_API_TOKEN = saved;
    }
  });
});

describe('POST /tenants', () => {
  it('provisions tenant, owner and a first API key (shown once), and audits it as the platform', async () => {
    const ownerEmail = email();
    const { tenant, apiKey } = await provision({
      ownerEmail,
      ownerPassword: 'a-long-enough-password',
      plan: 'pro',
      metadata: { crm_id: 'CRM-1', region: 'eu' },
      apiKey: { name: 'Provisioning', scopes: ['documents:read'] },
    });
    expect(tenant).toMatchObject({
      status: 'active',
      plan: 'pro',
      metadata: { crm_id: 'CRM-1', region: 'eu' },
      features: {},
      limits: {},
      overage: {},
      entitlements: {
        features: plans.pro.features,
        limits: plans.pro.limits,
        overage: plans.pro.overage,
      },
    });
    expect(apiKey).toEqual({
      id: expect.any(String),
      key: expect.stringMatching(/^tnry_/),
      prefix: apiKey!.key.slice(0, 13),
    });

    const [owner] = await withPlatform((tx) =>
      tx.select().from(users).where(eq(users.email, ownerEmail)),
    );
    expect(await verifyPassword('a-long-enough-password', owner!.passwordHash)).toBe(true);

    const trail = await withTenant(tenant.id, (tx) => listAuditEvents(tx, { tenantId: tenant.id }));
    expect(trail.map((event) => event.action).sort()).toEqual([
      'api_key.created',
      'tenant.created',
    ]);
    expect(trail.every((event) => event.actorType === 'platform')).toBe(true);

    const detail = await call(tenantByIdRoutes.GET, `/tenants/${tenant.id}`, { id: tenant.id });
    expect(detail.body.tenant).toMatchObject({ id: tenant.id, memberCount: 1, documentCount: 0 });
  });

  it('omits apiKey when none was asked for, and gives a new owner without a password an unusable one', async () => {
    const ownerEmail = email();
    const result = await provision({ ownerEmail });
    expect(result).not.toHaveProperty('apiKey');
    expect(result.tenant.plan).toBe('free');
    const [owner] = await withPlatform((tx) =>
      tx.select().from(users).where(eq(users.email, ownerEmail)),
    );
    expect(owner!.passwordHash).toBe(UNUSABLE_PASSWORD);
    expect(await verifyPassword('anything-at-all', owner!.passwordHash)).toBe(false);
    expect(await verifyPassword('', owner!.passwordHash)).toBe(false);
  });

  it('makes an existing account the owner without touching its password', async () => {
    const other = await createTenant();
    const member = await createMember(other.id);
    const [before] = await withPlatform((tx) =>
      tx.select().from(users).where(eq(users.email, member.email)),
    );
    const { tenant } = await provision({ ownerEmail: member.email });
    const [after] = await withPlatform((tx) =>
      tx.select().from(users).where(eq(users.email, member.email)),
    );
    expect(after!.passwordHash).toBe(before!.passwordHash);
    const detail = await call(tenantByIdRoutes.GET, `/tenants/${tenant.id}`, { id: tenant.id });
    expect(detail.body.tenant.memberCount).toBe(1);
  });

  it('answers 400 with field details for invalid input', async () => {
    const result = await call(tenantRoutes.POST, '/tenants', {
      body: {
        slug: 'A!',
        name: '',
        ownerEmail: 'not-an-email',
        ownerPassword: 'short',
        plan: 'gold',
        apiKey: { name: 'k', scopes: [] },
      },
    });
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('invalid_input');
    expect(Object.keys(result.body.error.details).sort()).toEqual(
      ['apiKey.scopes', 'name', 'ownerEmail', 'ownerPassword', 'plan', 'slug'].sort(),
    );
  });

  it('answers 400 for a reserved slug, a body that is not JSON, and an empty body', async () => {
    const reserved = await call(tenantRoutes.POST, '/tenants', {
      body: { slug: 'admin', name: 'Admin', ownerEmail: email() },
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.details.slug).toEqual([expect.stringContaining('reserved')]);
    const notJson = await call(tenantRoutes.POST, '/tenants', { rawBody: '{"slug":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toMatch(/JSON/);
    const empty = await call(tenantRoutes.POST, '/tenants', { rawBody: '' });
    expect(empty.status).toBe(400);
  });

  it('answers 409 slug_taken with a field error for a taken slug, creating nothing', async () => {
    const taken = await createTenant();
    const ownerEmail = email();
    const result = await call(tenantRoutes.POST, '/tenants', {
      body: { slug: taken.slug, name: 'Dup', ownerEmail },
    });
    expect(result.status).toBe(409);
    expect(result.body.error).toMatchObject({
      code: 'slug_taken',
      details: { slug: [expect.any(String)] },
    });
    const owners = await withPlatform((tx) =>
      tx.select().from(users).where(eq(users.email, ownerEmail)),
    );
    expect(owners).toHaveLength(0);
  });

  it('validates metadata: key names, value length, number of keys', async () => {
    const badKey = await call(tenantRoutes.POST, '/tenants', {
      body: {
        slug: uniqueSlug('md'),
        name: 'Meta',
        ownerEmail: email(),
        metadata: { 'Bad Key': 'x' },
      },
    });
    expect(badKey.status).toBe(400);
    expect(
      Object.keys(badKey.body.error.details).some((field) => field.startsWith('metadata')),
    ).toBe(true);

    const longValue = await call(tenantRoutes.POST, '/tenants', {
      body: {
        slug: uniqueSlug('md'),
        name: 'Meta',
        ownerEmail: email(),
        metadata: { note: 'x'.repeat(501) },
      },
    });
    expect(longValue.status).toBe(400);
    expect(longValue.body.error.details['metadata.note']).toEqual([expect.stringContaining('500')]);

    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    const many = await call(tenantRoutes.POST, '/tenants', {
      body: { slug: uniqueSlug('md'), name: 'Meta', ownerEmail: email(), metadata: tooMany },
    });
    expect(many.status).toBe(400);
    expect(many.body.error.details.metadata).toEqual([expect.stringContaining('50 keys')]);

    const notStrings = await call(tenantRoutes.POST, '/tenants', {
      body: { slug: uniqueSlug('md'), name: 'Meta', ownerEmail: email(), metadata: { count: 3 } },
    });
    expect(notStrings.status).toBe(400);
  });
});

describe('GET /tenants', () => {
  it('pages through a search with a keyset cursor, newest first, without repeats', async () => {
    const prefix = uniqueSlug('page');
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { tenant } = await provision({ slug: `${prefix}-${i}`, name: `Paged ${prefix} ${i}` });
      created.push(tenant.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?q=${prefix}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call(tenantRoutes.GET, '/tenants', { query });
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((tenant: { id: string }) => tenant.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());

    const byName = await call(tenantRoutes.GET, '/tenants', {
      query: `?q=${prefix}&sort=name&limit=100`,
    });
    expect(byName.body.data.map((tenant: { slug: string }) => tenant.slug)).toEqual(
      created.map((_, i) => `${prefix}-${i}`),
    );
    expect(byName.body.nextCursor).toBeNull();
  });

  it('filters by status and plan', async () => {
    const prefix = uniqueSlug('filter');
    const suspended = await createTenant({
      slug: `${prefix}-s`,
      status: 'suspended',
      plan: 'free',
    });
    const business = await createTenant({
      slug: `${prefix}-b`,
      status: 'active',
      plan: 'business',
    });
    await createTenant({ slug: `${prefix}-a`, status: 'active', plan: 'free' });

    const bySlug = (result: Awaited<ReturnType<typeof call>>) =>
      result.body.data.map((tenant: { id: string }) => tenant.id);
    expect(
      bySlug(await call(tenantRoutes.GET, '/tenants', { query: `?q=${prefix}&status=suspended` })),
    ).toEqual([suspended.id]);
    expect(
      bySlug(await call(tenantRoutes.GET, '/tenants', { query: `?q=${prefix}&plan=business` })),
    ).toEqual([business.id]);
    expect(
      bySlug(
        await call(tenantRoutes.GET, '/tenants', {
          query: `?q=${prefix}&plan=business&status=suspended`,
        }),
      ),
    ).toEqual([]);
    expect(
      bySlug(await call(tenantRoutes.GET, '/tenants', { query: `?q=${prefix}` })),
    ).toHaveLength(3);
  });

  it('answers 400 for bad filters, limits and cursors', async () => {
    const badStatus = await call(tenantRoutes.GET, '/tenants', { query: '?status=deleted' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.details.status).toBeDefined();
    const badLimit = await call(tenantRoutes.GET, '/tenants', { query: '?limit=1000' });
    expect(badLimit.body.error.details.limit).toBeDefined();
    const badCursor = await call(tenantRoutes.GET, '/tenants', { query: '?cursor=not-a-cursor' });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.details.cursor).toBeDefined();
  });
});

describe('GET /tenants/{id}', () => {
  it('answers 404 for an unknown id and for a malformed one alike', async () => {
    for (const id of [randomUUID(), 'not-a-uuid', "1' or '1'='1"]) {
      const result = await call(tenantByIdRoutes.GET, `/tenants/${id}`, { id });
      expect(result.status).toBe(404);
      expect(result.body.error.code).toBe('not_found');
    }
  });

  it('counts members and documents', async () => {
    const { tenant } = await provision();
    await createMember(tenant.id);
    const result = await call(tenantByIdRoutes.GET, `/tenants/${tenant.id}`, { id: tenant.id });
    expect(result.status).toBe(200);
    expect(result.body.tenant).toMatchObject({
      id: tenant.id,
      slug: tenant.slug,
      memberCount: 2,
      documentCount: 0,
    });
  });
});

describe('PATCH /tenants/{id}', () => {
  it('needs a reason to change status, then changes it and audits the reason', async () => {
    const { tenant } = await provision();
    const withoutReason = await call(tenantByIdRoutes.PATCH, `/tenants/${tenant.id}`, {
      id: tenant.id,
      body: { status: 'suspended' },
    });
    expect(withoutReason.status).toBe(400);
    expect(withoutReason.body.error.details.reason).toBeDefined();

    const changed = await call(tenantByIdRoutes.PATCH, `/tenants/${tenant.id}`, {
      id: tenant.id,
      body: { status: 'suspended', reason: 'Unpaid invoices' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.tenant.status).toBe('suspended');
    const [event] = await auditOf(tenant.id, 'tenant.status_changed');
    expect(event).toMatchObject({
      actorType: 'platform',
      metadata: { from: 'active', to: 'suspended', reason: 'Unpaid invoices' },
    });
  });

  it('answers 409 invalid_transition for a change the lifecycle forbids', async () => {
    const { tenant } = await provision();
    await call(tenantByIdRoutes.PATCH, `/tenants/${tenant.id}`, {
      id: tenant.id,
      body: { status: 'archived', reason: 'Closed account' },
    });
    const result = await call(tenantByIdRoutes.PATCH, `/tenants/${tenant.id}`, {
      id: tenant.id,
      body: { status: 'active', reason: 'Reopen directly' },
    });
    expect(result.status).toBe(409);
    expect(result.body.error).toMatchObject({
      code: 'invalid_transition',
      details: { status: [expect.any(String)] },
    });
    const detail = await call(tenantByIdRoutes.GET, `/tenants/${tenant.id}`, { id: tenant.id });
    expect(detail.body.tenant.status).toBe('archived');
  });

  it('applies feature and limit overrides, reflected in entitlements, and audits each kind of change', async () => {
    const { tenant } = await provision({ plan: 'free' });
    expect(tenant.entitlements.features.api_access).toBe(false);
    const result = await call(tenantByIdRoutes.PATCH, `/tenants/${tenant.id}`, {
      id: tenant.id,
      body: {
        name: 'Renamed Inc.',
        plan: 'pro',
        features: { api_access: false },
        limits: { members: 5, documents: null },
        metadata: { tier: 'gold' },
      },
    });
    expect(result.status).toBe(200);
    expect(result.body.tenant).toMatchObject({
      name: 'Renamed Inc.',
      plan: 'pro',
      features: { api_access: false },
      limits: { members: 5, documents: null },
      metadata: { tier: 'gold' },
      entitlements: {
        features: { api_access: false, custom_branding: true },
        limits: { members: 5, documents: null, storage_bytes: plans.pro.limits.storage_bytes },
      },
    });
    const trail = await withTenant(tenant.id, (tx) => listAuditEvents(tx, { tenantId: tenant.id }));
    expect(trail.map((event) => event.action)).toEqual(
      expect.arrayContaining([
        'tenant.renamed',
        'tenant.plan_changed',
        'tenant.overrides_updated',
        'tenant.metadata_updated',
      ]),
    );
  });

  it('sets and clears overage policy overrides, reflected in entitlements and audited', async () => {
    const { tenant } = await provision({ plan: 'pro' });
    expect(tenant.entitlements.overage).toEqual(plans.pro.overage);
    const patch = (body: unknown) =>
      call(tenantByIdRoutes.PATCH, `/tenants/${tenant.id}`, { id: tenant.id, body });

    const set = await patch({ overage: { api_calls_per_month: 'block', storage_bytes: 'allow' } });
    expect(set.status).toBe(200);
    expect(set.body.tenant.overage).toEqual({
      api_calls_per_month: 'block',
      storage_bytes: 'allow',
    });
    expect(set.body.tenant.entitlements.overage).toEqual({
      ...plans.pro.overage,
      api_calls_per_month: 'block',
      storage_bytes: 'allow',
    });
    const detail = await call(tenantByIdRoutes.GET, `/tenants/${tenant.id}`, { id: tenant.id });
    expect(detail.body.tenant.overage).toEqual(set.body.tenant.overage);

    const cleared = await patch({ overage: {} });
    expect(cleared.status).toBe(200);
    expect(cleared.body.tenant.overage).toEqual({});
    expect(cleared.body.tenant.entitlements.overage).toEqual(plans.pro.overage);

    const events = await auditOf(tenant.id, 'tenant.overrides_updated');
    expect(
      events
        .sort((a, b) => Number(a.seq) - Number(b.seq))
        .map((event) => [event.actorType, event.metadata]),
    ).toEqual([
      [
        'platform',
        {
          before: { features: {}, limits: {}, overage: {} },
          after: {
            features: {},
            limits: {},
            overage: { api_calls_per_month: 'block', storage_bytes: 'allow' },
          },
        },
      ],
      [
        'platform',
        {
          before: {
            features: {},
            limits: {},
            overage: { api_calls_per_month: 'block', storage_bytes: 'allow' },
          },
          after: { features: {}, limits: {}, overage: {} },
        },
      ],
    ]);
  });

  it('refuses an unknown overage policy or a limit without one, changing nothing', async () => {
    const { tenant } = await provision({ plan: 'pro' });
    const patch = (body: unknown) =>
      call(tenantByIdRoutes.PATCH, `/tenants/${tenant.id}`, { id: tenant.id, body });
    const unknownPolicy = await patch({ overage: { api_calls_per_month: 'throttle' } });
    expect(unknownPolicy.status).toBe(400);
    expect(unknownPolicy.body.error).toMatchObject({
      code: 'invalid_input',
      details: { 'overage.api_calls_per_month': [expect.any(String)] },
    });
    expect((await patch({ overage: { documents: 'block' } })).status).toBe(400);
    expect((await patch({ overage: 'block' })).status).toBe(400);
    const detail = await call(tenantByIdRoutes.GET, `/tenants/${tenant.id}`, { id: tenant.id });
    expect(detail.body.tenant.overage).toEqual({});
    expect(await auditOf(tenant.id, 'tenant.overrides_updated')).toEqual([]);
  });

  it('refuses unknown fields, bad overrides and bad metadata', async () => {
    const { tenant } = await provision();
    const patch = (body: unknown) =>
      call(tenantByIdRoutes.PATCH, `/tenants/${tenant.id}`, { id: tenant.id, body });
    expect((await patch({ slug: 'new-slug' })).status).toBe(400);
    expect((await patch({ features: { teleport: true } })).status).toBe(400);
    expect((await patch({ limits: { members: -1 } })).status).toBe(400);
    expect((await patch({ metadata: { '9lives': 'x' } })).status).toBe(400);
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of [randomUUID(), 'nope']) {
      const result = await call(tenantByIdRoutes.PATCH, `/tenants/${id}`, {
        id,
        body: { name: 'Ghost' },
      });
      expect(result.status).toBe(404);
    }
  });
});

describe('POST /tenants/{id}/api-keys', () => {
  it('issues a key that belongs to that tenant and authenticates there only', async () => {
    const { tenant } = await provision({ plan: 'pro' });
    const other = await provision({ plan: 'pro' });
    const result = await call(apiKeyRoutes.POST, `/tenants/${tenant.id}/api-keys`, {
      id: tenant.id,
      body: {
        name: 'CRM sync',
        scopes: ['documents:read', 'documents:write'],
        expiresAt: '2099-01-01',
      },
    });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      name: 'CRM sync',
      scopes: ['documents:read', 'documents:write'],
      expiresAt: '2099-01-01T23:59:59.999Z',
      prefix: result.body.key.slice(0, 13),
    });
    const key = result.body.key as string;

    const here = await withTenant(tenant.id, (tx) =>
      authenticateApiKey(tx, { tenantId: tenant.id, key }),
    );
    expect(here).toEqual({ id: result.body.id, scopes: ['documents:read', 'documents:write'] });
    const there = await withTenant(other.tenant.id, (tx) =>
      authenticateApiKey(tx, { tenantId: other.tenant.id, key }),
    );
    expect(there).toBeNull();

    const [event] = await auditOf(tenant.id, 'api_key.created');
    expect(event).toMatchObject({ actorType: 'platform', targetId: result.body.id });
  });

  it('answers 404 for an unknown or malformed tenant id', async () => {
    for (const id of [randomUUID(), 'zzz']) {
      const result = await call(apiKeyRoutes.POST, `/tenants/${id}/api-keys`, {
        id,
        body: { name: 'k', scopes: ['documents:read'] },
      });
      expect(result.status).toBe(404);
    }
  });

  it('answers 400 for no scopes, an unknown scope or a past expiry', async () => {
    const { tenant } = await provision();
    const post = (body: unknown) =>
      call(apiKeyRoutes.POST, `/tenants/${tenant.id}/api-keys`, { id: tenant.id, body });
    const noScopes = await post({ name: 'k', scopes: [] });
    expect(noScopes.status).toBe(400);
    expect(noScopes.body.error.details.scopes).toBeDefined();
    expect((await post({ name: 'k', scopes: ['admin:all'] })).status).toBe(400);
    const past = await post({ name: 'k', scopes: ['documents:read'], expiresAt: '2001-01-01' });
    expect(past.body.error.details.expiresAt).toBeDefined();
  });

  it('answers 409 for an archived tenant', async () => {
    const archived = await createTenant({ status: 'archived' });
    const result = await call(apiKeyRoutes.POST, `/tenants/${archived.id}/api-keys`, {
      id: archived.id,
      body: { name: 'k', scopes: ['documents:read'] },
    });
    expect(result.status).toBe(409);
    expect(result.body.error.code).toBe('conflict');
  });
});

describe('the operations behind the routes', () => {
  it('are the ones the route files are wrapped with', () => {
    expect(tenantRoutes.POST.operation).toBe(createTenantOperation);
    expect(tenantRoutes.GET.operation).toBe(listTenantsOperation);
    expect(tenantByIdRoutes.GET.operation).toBe(getTenantOperation);
    expect(tenantByIdRoutes.PATCH.operation).toBe(updateTenantOperation);
    expect(apiKeyRoutes.POST.operation).toBe(createTenantApiKeyOperation);
  });
});
