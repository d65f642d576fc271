import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { apiKeys, documents, memberships, tenants, users } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  uniqueSlug,
} from '@/db/testing';
import { authenticateApiKey } from '@/lib/api-keys';
import { listAuditEvents } from '@/lib/audit';
import { verifyPassword } from '@/lib/passwords';
import { plans } from '@/lib/plans';
import {
  assertBelowLimit,
  canTransition,
  getTenant,
  listTenants,
  listTenantsInput,
  metadataSchema,
  provisionTenant,
  provisionTenantInput,
  resolveTenantBySlug,
  statusTransitions,
  UNUSABLE_PASSWORD,
  updateTenant,
  updateTenantInput,
} from './index';

let handle: DatabaseHandle;
const operator = { type: 'operator' as const, id: null };

beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

const provision = (overrides: Record<string, unknown> = {}) =>
  provisionTenant(
    provisionTenantInput.parse({
      slug: uniqueSlug('prov'),
      name: 'Provisioned',
      ownerEmail: `${uniqueSlug('o')}@example.test`,
      ...overrides,
    }),
    {
      actor: { type: 'platform', id: null },
      via: 'platform_api',
      request: { requestId: 'req-prov' },
    },
  );

describe('provisionTenant', () => {
  it('creates tenant, owner, membership and a first API key, with plan defaults, and audits it', async () => {
    const { tenant, apiKey } = await provision({
      plan: 'business',
      metadata: { crm_id: 'C-1' },
      apiKey: { name: 'bootstrap', scopes: ['documents:read'] },
    });
    expect(tenant).toMatchObject({
      status: 'active',
      plan: 'business',
      metadata: { crm_id: 'C-1' },
    });
    expect(tenant.entitlements).toEqual({
      features: plans.business.features,
      limits: plans.business.limits,
      overage: plans.business.overage,
    });
    expect(tenant.overageOverrides).toEqual({});
    const [owner] = await withTenant(tenant.id, (tx) => tx.select().from(memberships));
    expect(owner?.role).toBe('owner');
    const [user] = await withPlatform((tx) =>
      tx.select().from(users).where(eq(users.id, owner!.userId)),
    );
    expect(user?.passwordHash).toBe(UNUSABLE_PASSWORD);
    expect(await verifyPassword('anything-at-all', UNUSABLE_PASSWORD)).toBe(false);
    expect(apiKey?.key).toMatch(/^tnry_/);
    expect(
      await withTenant(tenant.id, (tx) =>
        authenticateApiKey(tx, { tenantId: tenant.id, key: apiKey!.key }),
      ),
    ).toMatchObject({
      scopes: ['documents:read'],
    });
    const trail = await withTenant(tenant.id, (tx) => listAuditEvents(tx, { tenantId: tenant.id }));
    expect(trail.map((e) => [e.action, e.actorType])).toEqual(
      expect.arrayContaining([
        ['tenant.created', 'platform'],
        ['api_key.created', 'platform'],
      ]),
    );
    const resolved = await resolveTenantBySlug(tenant.slug);
    expect(resolved).toMatchObject({ plan: 'business', featureOverrides: {}, limitOverrides: {} });
  });

  it('makes an existing account the owner, keeps its password, and hashes a given one for a new account', async () => {
    const existing = await createMember((await createTenant()).id);
    const { tenant, apiKey } = await provision({
      ownerEmail: existing.email,
      ownerPassword: 'ignored-for-existing',
    });
    expect(apiKey).toBeNull();
    const [membership] = await withTenant(tenant.id, (tx) => tx.select().from(memberships));
    expect(membership?.userId).toBe(existing.userId);

    const email = `${uniqueSlug('new')}@example.test`;
    const fresh = await provision({ ownerEmail: email, ownerPassword: 'a-brand-new-password' });
    const [user] = await withPlatform((tx) =>
      tx.select().from(users).where(eq(users.email, email)),
    );
    expect(await verifyPassword('a-brand-new-password', user!.passwordHash)).toBe(true);
    expect(fresh.tenant.plan).toBe('free');
  });

  it('refuses a taken slug, also when the race is lost at insert time, leaving nothing behind', async () => {
    const taken = await createTenant();
    await expect(provision({ slug: taken.slug })).rejects.toMatchObject({ code: 'slug_taken' });
    const slug = uniqueSlug('race');
    const results = await Promise.allSettled([provision({ slug }), provision({ slug })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(
      (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason,
    ).toMatchObject({ code: 'slug_taken' });
  });

  it('validates input: reserved slugs, unknown plans, metadata keys and size', () => {
    const result = provisionTenantInput.safeParse({
      slug: 'admin',
      name: 'x',
      ownerEmail: 'nope',
      plan: 'gold',
      metadata: { 'Bad Key': 'v' },
    });
    expect(result.success).toBe(false);
    expect(new Set(result.error!.issues.map((i) => String(i.path[0])))).toEqual(
      new Set(['slug', 'name', 'ownerEmail', 'plan', 'metadata']),
    );
    expect(
      metadataSchema.safeParse(
        Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
      ).success,
    ).toBe(false);
    expect(
      metadataSchema.safeParse(
        Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(500)])),
      ).success,
    ).toBe(false);
    expect(metadataSchema.safeParse({ region: 'eu-west', 'crm.id': '42' }).success).toBe(true);
  });
});

describe('listTenants', () => {
  const prefix = uniqueSlug('lst');
  const names = ['Charlie', 'alpha', 'Bravo', 'delta 100%', 'echo_5'];
  beforeAll(async () => {
    const base = Date.now() - 60_000;
    for (const [i, name] of names.entries()) {
      const { id } = await createTenant({
        slug: `${prefix}-${i}`,
        name: `${prefix} ${name}`,
        status: i % 2 ? 'suspended' : 'active',
        plan: i < 2 ? 'pro' : 'free',
      });
      // One second apart: rows created in the same clock tick would tie on created_at, and the
      // order between them would fall to their random ids.
      await withPlatform((tx) =>
        tx
          .update(tenants)
          .set({ createdAt: new Date(base + i * 1000) })
          .where(eq(tenants.id, id)),
      );
    }
  });
  const page = (input: Record<string, unknown>) =>
    withPlatform((tx) => listTenants(tx, listTenantsInput.parse({ q: prefix, ...input })));

  it('searches slug and name, newest first by default, and pages with a cursor without repeats', async () => {
    const first = await page({ limit: 2 });
    expect(first.data.map((t) => t.slug)).toEqual([`${prefix}-4`, `${prefix}-3`]);
    const second = await page({ limit: 2, cursor: first.nextCursor });
    const third = await page({ limit: 2, cursor: second.nextCursor });
    expect([...second.data, ...third.data].map((t) => t.slug)).toEqual([
      `${prefix}-2`,
      `${prefix}-1`,
      `${prefix}-0`,
    ]);
    expect(third.nextCursor).toBeNull();
  });

  it('sorts by name case-insensitively and by slug, across pages', async () => {
    const byName = await page({ sort: 'name', limit: 3 });
    const rest = await page({ sort: 'name', limit: 3, cursor: byName.nextCursor });
    expect([...byName.data, ...rest.data].map((t) => t.name.slice(prefix.length + 1))).toEqual([
      'alpha',
      'Bravo',
      'Charlie',
      'delta 100%',
      'echo_5',
    ]);
    const bySlug = await page({ sort: 'slug', limit: 10 });
    expect(bySlug.data.map((t) => t.slug)).toEqual(names.map((_, i) => `${prefix}-${i}`));
  });

  it('filters by status and plan, and treats % and _ in the search as text', async () => {
    expect((await page({ status: 'suspended' })).data.map((t) => t.slug)).toEqual([
      `${prefix}-3`,
      `${prefix}-1`,
    ]);
    expect((await page({ plan: 'pro', status: 'active' })).data.map((t) => t.slug)).toEqual([
      `${prefix}-0`,
    ]);
    expect((await page({ q: `${prefix} delta 100%` })).data).toHaveLength(1);
    expect((await page({ q: '%' })).data.every((t) => t.name.includes('%'))).toBe(true);
    expect((await page({ q: `${prefix} echo_` })).data).toHaveLength(1);
  });

  it('refuses a forged cursor', async () => {
    await expect(page({ cursor: 'bm9wZQ' })).rejects.toMatchObject({
      code: 'invalid_input',
      fieldErrors: { cursor: expect.any(Array) },
    });
  });
});

describe('getTenant and updateTenant', () => {
  it('reports member and document counts, and 404 for an unknown id', async () => {
    const tenant = await createTenant();
    await createMember(tenant.id);
    await createMember(tenant.id);
    await withTenant(tenant.id, (tx) =>
      tx.insert(documents).values({ tenantId: tenant.id, title: 'one' }),
    );
    expect(await withPlatform((tx) => getTenant(tx, tenant.id))).toMatchObject({
      memberCount: 2,
      documentCount: 1,
    });
    await expect(
      withPlatform((tx) => getTenant(tx, '00000000-0000-4000-8000-000000000000')),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      withPlatform((tx) =>
        updateTenant(tx, {
          id: '00000000-0000-4000-8000-000000000000',
          changes: {},
          actor: operator,
        }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('changes status along the machine only, auditing actor, reason and both states', async () => {
    const tenant = await createTenant({ status: 'trial' });
    const change = (status: string, reason = 'testing the machine') =>
      withPlatform((tx) =>
        updateTenant(tx, {
          id: tenant.id,
          changes: updateTenantInput.parse({ status, reason }),
          actor: operator,
          request: { requestId: 'r1' },
        }),
      );
    expect((await change('active')).status).toBe('active');
    expect((await change('suspended')).status).toBe('suspended');
    await expect(change('past_due')).rejects.toMatchObject({
      code: 'invalid_transition',
      fieldErrors: { status: expect.any(Array) },
    });
    expect((await change('archived')).status).toBe('archived');
    await expect(change('active')).rejects.toMatchObject({ code: 'invalid_transition' });
    expect((await change('suspended')).status).toBe('suspended');
    const trail = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'tenant.status_changed' }),
    );
    expect(trail).toHaveLength(4);
    const [latest] = await withPlatform((tx) =>
      tx.execute(
        `select actor_type, metadata from audit_events where tenant_id = '${tenant.id}' and action = 'tenant.status_changed' order by created_at desc limit 1`,
      ),
    ).then(
      (r) =>
        (r as unknown as { rows: { actor_type: string; metadata: Record<string, string> }[] }).rows,
    );
    expect(latest).toEqual({
      actor_type: 'operator',
      metadata: { from: 'archived', to: 'suspended', reason: 'testing the machine' },
    });
  });

  it('requires a reason with a status change and refuses unknown fields', () => {
    expect(updateTenantInput.safeParse({ status: 'suspended' }).error?.issues[0]?.path).toEqual([
      'reason',
    ]);
    expect(updateTenantInput.safeParse({ owner: 'x' }).success).toBe(false);
  });

  it('changes name, plan, metadata and overrides, one audit event each; the same status is no event', async () => {
    const tenant = await createTenant({ plan: 'free' });
    const updated = await withPlatform((tx) =>
      updateTenant(tx, {
        id: tenant.id,
        changes: updateTenantInput.parse({
          name: 'Renamed Co',
          status: 'active',
          reason: 'no-op',
          plan: 'pro',
          metadata: { region: 'eu' },
          features: { custom_branding: false },
          limits: { documents: 5, members: null },
        }),
        actor: operator,
      }),
    );
    expect(updated).toMatchObject({ name: 'Renamed Co', plan: 'pro', metadata: { region: 'eu' } });
    expect(updated.entitlements.features).toEqual({ api_access: true, custom_branding: false });
    expect(updated.entitlements.limits).toMatchObject({
      documents: 5,
      members: null,
      api_requests_per_minute: plans.pro.limits.api_requests_per_minute,
    });
    const actions = (
      await withTenant(tenant.id, (tx) => listAuditEvents(tx, { tenantId: tenant.id }))
    )
      .map((e) => e.action)
      .sort();
    expect(actions).toEqual([
      'tenant.metadata_updated',
      'tenant.overrides_updated',
      'tenant.plan_changed',
      'tenant.renamed',
    ]);
  });

  it('sets, keeps and clears overage policy overrides, auditing before and after', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    const update = (changes: Record<string, unknown>) =>
      withPlatform((tx) =>
        updateTenant(tx, {
          id: tenant.id,
          changes: updateTenantInput.parse(changes),
          actor: operator,
          request: { requestId: 'r-overage' },
        }),
      );
    const overrideEvents = async () =>
      (
        await withTenant(tenant.id, (tx) =>
          listAuditEvents(tx, { tenantId: tenant.id, action: 'tenant.overrides_updated' }),
        )
      ).reverse();

    const set = await update({ overage: { api_calls_per_month: 'block', storage_bytes: 'allow' } });
    expect(set.overageOverrides).toEqual({ api_calls_per_month: 'block', storage_bytes: 'allow' });
    expect(set.entitlements.overage).toEqual({
      ...plans.pro.overage,
      api_calls_per_month: 'block',
      storage_bytes: 'allow',
    });

    // Other overrides leave the overage ones as they are.
    const kept = await update({ limits: { documents: 7 } });
    expect(kept.overageOverrides).toEqual({ api_calls_per_month: 'block', storage_bytes: 'allow' });

    const cleared = await update({ overage: {} });
    expect(cleared.overageOverrides).toEqual({});
    expect(cleared.entitlements.overage).toEqual(plans.pro.overage);
    expect(cleared.limitOverrides).toEqual({ documents: 7 });

    const events = await overrideEvents();
    expect(events.map((event) => [event.actorType, event.metadata])).toEqual([
      [
        'operator',
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
        'operator',
        {
          before: {
            features: {},
            limits: {},
            overage: { api_calls_per_month: 'block', storage_bytes: 'allow' },
          },
          after: {
            features: {},
            limits: { documents: 7 },
            overage: { api_calls_per_month: 'block', storage_bytes: 'allow' },
          },
        },
      ],
      [
        'operator',
        {
          before: {
            features: {},
            limits: { documents: 7 },
            overage: { api_calls_per_month: 'block', storage_bytes: 'allow' },
          },
          after: { features: {}, limits: { documents: 7 }, overage: {} },
        },
      ],
    ]);
  });

  it('refuses an unknown overage policy, and one for a limit that is not metered', async () => {
    const bad = updateTenantInput.safeParse({ overage: { api_calls_per_month: 'throttle' } });
    expect(bad.error?.issues.map((issue) => issue.path)).toEqual([
      ['overage', 'api_calls_per_month'],
    ]);
    expect(updateTenantInput.safeParse({ overage: { documents: 'block' } }).success).toBe(false);
    expect(updateTenantInput.safeParse({ overage: { api_calls_per_month: null } }).success).toBe(
      false,
    );
    const tenant = await createTenant();
    const [row] = await withPlatform((tx) =>
      tx
        .select({ overage: tenants.overageOverrides })
        .from(tenants)
        .where(eq(tenants.id, tenant.id)),
    );
    expect(row?.overage).toEqual({});
  });

  it('lists each status’ allowed next states in one table', () => {
    expect(canTransition('trial', 'active')).toBe(true);
    expect(canTransition('archived', 'active')).toBe(false);
    for (const [from, targets] of Object.entries(statusTransitions))
      expect(targets).not.toContain(from);
  });
});

describe('assertBelowLimit and the branding feature', () => {
  it('refuses one more member at the plan limit with a clear message, and allows unlimited', async () => {
    const tenant = await createTenant({ plan: 'free' });
    for (let i = 0; i < plans.free.limits.members!; i++) await createMember(tenant.id);
    await expect(
      withTenant(tenant.id, (tx) =>
        assertBelowLimit(tx, { tenantId: tenant.id, limit: 'members' }),
      ),
    ).rejects.toMatchObject({
      code: 'limit_reached',
      message: expect.stringContaining('limit of 3 members'),
    });
    await withPlatform((tx) =>
      tx
        .update(tenants)
        .set({ limitOverrides: { members: null } })
        .where(eq(tenants.id, tenant.id)),
    );
    await expect(
      withTenant(tenant.id, (tx) =>
        assertBelowLimit(tx, { tenantId: tenant.id, limit: 'members' }),
      ),
    ).resolves.toBeUndefined();
    await expect(
      withTenant('00000000-0000-4000-8000-000000000000', (tx) =>
        assertBelowLimit(tx, {
          tenantId: '00000000-0000-4000-8000-000000000000',
          limit: 'documents',
        }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('shows saved branding only while custom_branding is on', async () => {
    const tenant = await createTenant({ plan: 'free' });
    await withPlatform((tx) =>
      tx
        .update(tenants)
        .set({
          settings: { branding: { primaryColor: '#112233', logoUrl: 'https://cdn.example/l.png' } },
        })
        .where(eq(tenants.id, tenant.id)),
    );
    expect((await resolveTenantBySlug(tenant.slug))?.branding).toEqual({
      primaryColor: '#4f46e5',
      logoUrl: undefined,
    });
    await withPlatform((tx) =>
      tx
        .update(tenants)
        .set({ featureOverrides: { custom_branding: true } })
        .where(eq(tenants.id, tenant.id)),
    );
    expect((await resolveTenantBySlug(tenant.slug))?.branding).toEqual({
      primaryColor: '#112233',
      logoUrl: 'https://cdn.example/l.png',
    });
  });
});

describe('api_keys table', () => {
  it('keeps keys of one tenant out of another tenant’s transaction', async () => {
    const { tenant } = await provision({
      plan: 'pro',
      apiKey: { name: 'k', scopes: ['documents:read'] },
    });
    const other = await createTenant();
    expect(await withTenant(other.id, (tx) => tx.select().from(apiKeys))).toEqual([]);
    expect(await withTenant(tenant.id, (tx) => tx.select().from(apiKeys))).toHaveLength(1);
  });
});
