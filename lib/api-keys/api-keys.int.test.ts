import { createHash, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DatabaseHandle } from '@/db/client';
import { apiKeys, auditEvents, tenants } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  TEST_PASSWORD,
} from '@/db/testing';
import {
  runTenantAction,
  type ResolvedRequest,
  type TenantActionHandler,
} from '@/lib/actions/pipeline';
import type { Actor } from '@/lib/audit';
import type { ViewerDTO } from '@/lib/auth';
import { authenticateWithPassword } from '@/lib/auth/sign-in';
import { resolveViewer } from '@/lib/auth/viewer';
import { resolveTenantBySlug, type TenantContextDTO } from '@/lib/tenancy';
import {
  authenticateApiKey,
  createApiKey,
  createApiKeyInput,
  hasScope,
  listApiKeys,
  revokeApiKey,
  type ApiScope,
  type CreatedApiKey,
} from './index';

let handle: DatabaseHandle;
let pro: TenantContextDTO;
let other: TenantContextDTO;
const system: Actor = { type: 'system', id: null };

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

async function resolved(slug: string): Promise<TenantContextDTO> {
  const tenant = await resolveTenantBySlug(slug);
  if (!tenant) throw new Error(`no tenant ${slug}`);
  return tenant;
}

/** A key created straight through the domain function, bypassing the input schema. */
function create(
  tenant: TenantContextDTO,
  overrides: Partial<{ name: string; scopes: ApiScope[]; expiresAt: Date }> = {},
) {
  return withTenant(tenant.id, (tx) =>
    createApiKey(tx, {
      tenantId: tenant.id,
      actor: system,
      name: overrides.name ?? 'Test key',
      scopes: overrides.scopes ?? ['documents:read'],
      expiresAt: overrides.expiresAt,
    }),
  );
}

function authenticate(tenantId: string, key: string) {
  return withTenant(tenantId, (tx) => authenticateApiKey(tx, { tenantId, key }));
}

async function keyRow(id: string) {
  const [row] = await withPlatform((tx) => tx.select().from(apiKeys).where(eq(apiKeys.id, id)));
  if (!row) throw new Error(`no api key ${id}`);
  return row;
}

async function auditOf(tenantId: string, targetId: string) {
  return withPlatform((tx) =>
    tx
      .select({
        action: auditEvents.action,
        actorType: auditEvents.actorType,
        actorId: auditEvents.actorId,
        requestId: auditEvents.requestId,
        metadata: auditEvents.metadata,
      })
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.targetId, targetId)))
      .orderBy(auditEvents.createdAt),
  );
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  pro = await resolved((await createTenant({ plan: 'pro' })).slug);
  other = await resolved((await createTenant({ plan: 'pro' })).slug);
});
afterAll(() => teardownTestDatabase(handle));

describe('createApiKey', () => {
  it('returns the key once and stores only its sha256 hash, its prefix and its scopes', async () => {
    const created = await withTenant(pro.id, (tx) =>
      createApiKey(tx, {
        tenantId: pro.id,
        actor: system,
        request: { requestId: 'req-create', ip: '192.0.2.1' },
        ...createApiKeyInput.parse({
          name: ' Billing sync ',
          scopes: ['documents:read', 'documents:write', 'documents:read'],
        }),
      }),
    );
    expect(created.key).toMatch(/^tnry_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 13));

    const row = await keyRow(created.id);
    expect(row).toMatchObject({
      tenantId: pro.id,
      name: 'Billing sync',
      prefix: created.prefix,
      keyHash: sha256(created.key),
      scopes: ['documents:read', 'documents:write'],
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    // The secret part appears nowhere in the row (the prefix is shown in the UI by design).
    expect(JSON.stringify(row)).not.toContain(created.key.slice(13));

    const [listed] = (
      await withTenant(pro.id, (tx) => listApiKeys(tx, { tenantId: pro.id }))
    ).filter((key) => key.id === created.id);
    expect(listed).toEqual({
      id: created.id,
      name: 'Billing sync',
      prefix: created.prefix,
      scopes: ['documents:read', 'documents:write'],
      createdAt: expect.any(Date),
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
      status: 'active',
    });
    expect(JSON.stringify(listed)).not.toContain(created.key);
  });

  it('records api_key.created with the actor and request, without the key, and keeps its creator', async () => {
    const actor: Actor = {
      type: 'user',
      id: (await createMember(pro.id, { role: 'owner' })).userId,
    };
    const created = await withTenant(pro.id, (tx) =>
      createApiKey(tx, {
        tenantId: pro.id,
        actor,
        request: { requestId: 'req-audit' },
        name: 'Audited',
        scopes: ['documents:read'],
      }),
    );
    expect((await keyRow(created.id)).createdBy).toBe(actor.id);
    const trail = await auditOf(pro.id, created.id);
    expect(trail).toEqual([
      {
        action: 'api_key.created',
        actorType: 'user',
        actorId: actor.id,
        requestId: 'req-audit',
        metadata: {
          name: 'Audited',
          prefix: created.prefix,
          scopes: ['documents:read'],
          expiresAt: null,
        },
      },
    ]);
    expect(JSON.stringify(trail)).not.toContain(created.key);
  });
});

describe('createApiKeyInput', () => {
  const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

  it('accepts a future date (end of that day, UTC) and an omitted or empty expiry', () => {
    const date = tomorrow();
    expect(
      createApiKeyInput.parse({ name: 'k', scopes: 'documents:read', expiresAt: date }),
    ).toEqual({
      name: 'k',
      scopes: ['documents:read'],
      expiresAt: new Date(`${date}T23:59:59.999Z`),
    });
    expect(
      createApiKeyInput.parse({ name: 'k', scopes: ['documents:read'], expiresAt: '' }).expiresAt,
    ).toBeUndefined();
    expect(
      createApiKeyInput.parse({ name: 'k', scopes: ['documents:read'] }).expiresAt,
    ).toBeUndefined();
  });

  it.each([
    [
      'an expiry in the past',
      { name: 'k', scopes: ['documents:read'], expiresAt: '2020-01-01' },
      'expiresAt',
    ],
    [
      'a past instant',
      {
        name: 'k',
        scopes: ['documents:read'],
        expiresAt: new Date(Date.now() - 60_000).toISOString(),
      },
      'expiresAt',
    ],
    ['no scope', { name: 'k', expiresAt: '' }, 'scopes'],
    ['an unknown scope', { name: 'k', scopes: ['documents:read', 'tenants:admin'] }, 'scopes'],
    ['a blank name', { name: '  ', scopes: ['documents:read'] }, 'name'],
  ])('refuses %s', (_label, input, field) => {
    const parsed = createApiKeyInput.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path[0])).toContain(field);
  });
});

describe('authenticateApiKey', () => {
  it('accepts an active key on its own tenant and reports its scopes', async () => {
    const created = await create(pro, { scopes: ['documents:read', 'documents:delete'] });
    const key = await authenticate(pro.id, created.key);
    expect(key).toEqual({ id: created.id, scopes: ['documents:read', 'documents:delete'] });
    expect(hasScope(key!, 'documents:delete')).toBe(true);
    expect(hasScope(key!, 'documents:write')).toBe(false);
  });

  it('refuses malformed and unknown keys', async () => {
    const created = await create(pro);
    expect(await authenticate(pro.id, 'not-a-key')).toBeNull();
    expect(await authenticate(pro.id, `${created.key}x`)).toBeNull();
    expect(await authenticate(pro.id, `tnry_${'A'.repeat(43)}`)).toBeNull();
  });

  it('refuses an expired key', async () => {
    const created = await create(pro, { expiresAt: new Date(Date.now() + 60_000) });
    expect(await authenticate(pro.id, created.key)).not.toBeNull();
    await withPlatform((tx) =>
      tx
        .update(apiKeys)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(apiKeys.id, created.id)),
    );
    expect(await authenticate(pro.id, created.key)).toBeNull();
    const [listed] = (
      await withTenant(pro.id, (tx) => listApiKeys(tx, { tenantId: pro.id }))
    ).filter((key) => key.id === created.id);
    expect(listed?.status).toBe('expired');
  });

  it('refuses a revoked key', async () => {
    const created = await create(pro);
    await withTenant(pro.id, (tx) =>
      revokeApiKey(tx, { tenantId: pro.id, actor: system, id: created.id }),
    );
    expect(await authenticate(pro.id, created.key)).toBeNull();
  });

  it('refuses another tenant’s key, whichever tenant id is claimed', async () => {
    const created = await create(pro);
    expect(await authenticate(other.id, created.key)).toBeNull();
    // Claiming the key's tenant inside another tenant's transaction: RLS still hides the row.
    expect(
      await withTenant(other.id, (tx) =>
        authenticateApiKey(tx, { tenantId: pro.id, key: created.key }),
      ),
    ).toBeNull();
  });

  it('stamps last_used_at, at most once a minute', async () => {
    const created = await create(pro);
    await authenticate(pro.id, created.key);
    const first = (await keyRow(created.id)).lastUsedAt;
    expect(first).toBeInstanceOf(Date);

    await authenticate(pro.id, created.key);
    expect((await keyRow(created.id)).lastUsedAt).toEqual(first);

    const earlier = new Date(first!.getTime() - 2 * 60_000);
    await withPlatform((tx) =>
      tx.update(apiKeys).set({ lastUsedAt: earlier }).where(eq(apiKeys.id, created.id)),
    );
    await authenticate(pro.id, created.key);
    expect((await keyRow(created.id)).lastUsedAt!.getTime()).toBeGreaterThan(earlier.getTime());
  });
});

describe('revokeApiKey', () => {
  it('revokes once and records one event however often it is asked', async () => {
    const created = await create(pro);
    const revoke = () =>
      withTenant(pro.id, (tx) =>
        revokeApiKey(tx, {
          tenantId: pro.id,
          actor: system,
          request: { requestId: 'req-revoke' },
          id: created.id,
        }),
      );
    await revoke();
    const revokedAt = (await keyRow(created.id)).revokedAt;
    expect(revokedAt).toBeInstanceOf(Date);
    await revoke();
    expect((await keyRow(created.id)).revokedAt).toEqual(revokedAt);

    const trail = await auditOf(pro.id, created.id);
    expect(trail.map((event) => event.action)).toEqual(['api_key.created', 'api_key.revoked']);
    expect(trail[1]).toMatchObject({
      actorType: 'system',
      requestId: 'req-revoke',
      metadata: { name: 'Test key', prefix: created.prefix },
    });
  });

  it('answers not_found for an unknown key or another tenant’s, and changes nothing', async () => {
    const theirs = await create(other);
    await expect(
      withTenant(pro.id, (tx) =>
        revokeApiKey(tx, { tenantId: pro.id, actor: system, id: randomUUID() }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      withTenant(pro.id, (tx) =>
        revokeApiKey(tx, { tenantId: pro.id, actor: system, id: theirs.id }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      withTenant(pro.id, (tx) =>
        revokeApiKey(tx, { tenantId: other.id, actor: system, id: theirs.id }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect((await keyRow(theirs.id)).revokedAt).toBeNull();
    expect(await authenticate(other.id, theirs.key)).not.toBeNull();
  });
});

describe('row-level security on api_keys', () => {
  it('keeps each tenant’s keys out of the other’s transactions', async () => {
    const mine = await create(pro, { name: 'Mine' });
    const theirs = await create(other, { name: 'Theirs' });

    const seenByPro = await withTenant(pro.id, (tx) =>
      tx.select({ id: apiKeys.id, tenantId: apiKeys.tenantId }).from(apiKeys),
    );
    expect(seenByPro.map((row) => row.id)).toContain(mine.id);
    expect(seenByPro.map((row) => row.id)).not.toContain(theirs.id);
    expect(new Set(seenByPro.map((row) => row.tenantId))).toEqual(new Set([pro.id]));

    expect(await withTenant(pro.id, (tx) => listApiKeys(tx, { tenantId: other.id }))).toEqual([]);
    const updated = await withTenant(pro.id, (tx) =>
      tx
        .update(apiKeys)
        .set({ revokedAt: sql`now()` })
        .where(eq(apiKeys.id, theirs.id))
        .returning({ id: apiKeys.id }),
    );
    expect(updated).toEqual([]);
    await expect(
      withTenant(pro.id, (tx) =>
        createApiKey(tx, {
          tenantId: other.id,
          actor: system,
          name: 'Planted',
          scopes: ['documents:read'],
        }),
      ),
    ).rejects.toThrow();
    expect(
      (await withTenant(other.id, (tx) => listApiKeys(tx, { tenantId: other.id }))).map(
        (key) => key.name,
      ),
    ).not.toContain('Planted');
  });
});

/**
 * The settings page's actions (app/t/[tenant]/settings/api-keys/actions.ts) declare exactly
 * these definitions; here they run through the same pipeline with a request resolved by hand.
 */
describe('the API key actions', () => {
  const gate = { permission: 'api_keys:manage', feature: 'api_access' } as const;
  const createDefinition = { name: 'api_key.create', input: createApiKeyInput, ...gate };
  const revokeInput = z.object({ id: z.uuid({ message: 'Unknown key.' }) });
  const revokeDefinition = { name: 'api_key.revoke', input: revokeInput, ...gate };
  const createHandler: TenantActionHandler<typeof createApiKeyInput, CreatedApiKey> = ({
    tx,
    ctx,
    input,
  }) =>
    createApiKey(tx, { tenantId: ctx.tenant.id, actor: ctx.actor, request: ctx.request, ...input });
  const revokeHandler: TenantActionHandler<typeof revokeInput, void> = ({ tx, ctx, input }) =>
    revokeApiKey(tx, {
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      request: ctx.request,
      id: input.id,
    });

  async function signedIn(
    tenant: TenantContextDTO,
    role: 'owner' | 'admin' | 'member',
  ): Promise<ViewerDTO> {
    const person = await createMember(tenant.id, { role });
    const outcome = await authenticateWithPassword({
      tenant,
      email: person.email,
      password: TEST_PASSWORD,
      request: {},
    });
    if (!outcome.ok) throw new Error('sign-in failed');
    return (await resolveViewer(tenant, { sessionId: outcome.sessionId, tenantId: tenant.id }))!;
  }

  function request(
    tenant: TenantContextDTO,
    viewer: ViewerDTO,
    requestId: string = randomUUID(),
  ): ResolvedRequest {
    return {
      request: { requestId, ip: '127.0.0.1', tenantSlug: tenant.slug },
      tenant: async () => tenant,
      viewer: async () => viewer,
    };
  }

  function form(fields: Array<[string, string]>): FormData {
    const data = new FormData();
    for (const [name, value] of fields) data.append(name, value);
    return data;
  }

  async function keyCount(tenantId: string) {
    return (await withTenant(tenantId, (tx) => listApiKeys(tx, { tenantId }))).length;
  }

  it('lets an admin create a key from checkbox fields; the key comes back once, audited as the admin', async () => {
    const tenant = await resolved((await createTenant({ plan: 'pro' })).slug);
    const admin = await signedIn(tenant, 'admin');
    const result = await runTenantAction(
      request(tenant, admin, 'req-action'),
      createDefinition,
      createHandler,
      form([
        ['name', 'CI'],
        ['scopes', 'documents:read'],
        ['scopes', 'documents:write'],
        ['expiresAt', ''],
      ]),
    );
    expect(result).toMatchObject({
      ok: true,
      data: { key: expect.stringMatching(/^tnry_/), prefix: expect.any(String) },
    });
    if (!result.ok) return;
    expect(await authenticate(tenant.id, result.data.key)).toEqual({
      id: result.data.id,
      scopes: ['documents:read', 'documents:write'],
    });
    expect(await auditOf(tenant.id, result.data.id)).toEqual([
      expect.objectContaining({
        action: 'api_key.created',
        actorType: 'user',
        actorId: admin.userId,
        requestId: 'req-action',
      }),
    ]);
  });

  it('reports field errors and creates nothing for bad input', async () => {
    const tenant = await resolved((await createTenant({ plan: 'pro' })).slug);
    const owner = await signedIn(tenant, 'owner');
    const result = await runTenantAction(
      request(tenant, owner),
      createDefinition,
      createHandler,
      form([
        ['name', ''],
        ['expiresAt', '2001-02-03'],
      ]),
    );
    expect(result).toMatchObject({
      ok: false,
      code: 'invalid_input',
      fieldErrors: {
        name: [expect.any(String)],
        scopes: [expect.any(String)],
        expiresAt: ['Choose a time in the future.'],
      },
    });
    expect(await keyCount(tenant.id)).toBe(0);
  });

  it('refuses members', async () => {
    const tenant = await resolved((await createTenant({ plan: 'pro' })).slug);
    const member = await signedIn(tenant, 'member');
    const key = await create(tenant);
    expect(
      await runTenantAction(
        request(tenant, member),
        createDefinition,
        createHandler,
        form([
          ['name', 'x'],
          ['scopes', 'documents:read'],
        ]),
      ),
    ).toMatchObject({ ok: false, code: 'forbidden' });
    expect(
      await runTenantAction(
        request(tenant, member),
        revokeDefinition,
        revokeHandler,
        form([['id', key.id]]),
      ),
    ).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(await keyCount(tenant.id)).toBe(1);
    expect(await authenticate(tenant.id, key.key)).not.toBeNull();
  });

  it('refuses both actions on a plan without api_access, whatever the page showed', async () => {
    const free = await resolved((await createTenant({ plan: 'free' })).slug);
    const owner = await signedIn(free, 'owner');
    expect(
      await runTenantAction(
        request(free, owner),
        createDefinition,
        createHandler,
        form([
          ['name', 'x'],
          ['scopes', 'documents:read'],
        ]),
      ),
    ).toMatchObject({
      ok: false,
      code: 'feature_disabled',
      message: expect.stringContaining('plan'),
    });
    expect(await keyCount(free.id)).toBe(0);

    // A key made while the plan had the API, then the plan loses it: it cannot be managed either.
    const downgraded = await resolved((await createTenant({ plan: 'pro' })).slug);
    const downgradedOwner = await signedIn(downgraded, 'owner');
    const key = await create(downgraded);
    await withPlatform((tx) =>
      tx
        .update(tenants)
        .set({ featureOverrides: { api_access: false } })
        .where(eq(tenants.id, downgraded.id)),
    );
    const now = await resolved(downgraded.slug);
    expect(
      await runTenantAction(
        request(now, downgradedOwner),
        revokeDefinition,
        revokeHandler,
        form([['id', key.id]]),
      ),
    ).toMatchObject({
      ok: false,
      code: 'feature_disabled',
    });
    expect((await keyRow(key.id)).revokedAt).toBeNull();
  });

  it('lets an operator override switch the feature on for a free tenant', async () => {
    const free = await resolved((await createTenant({ plan: 'free' })).slug);
    await withPlatform((tx) =>
      tx
        .update(tenants)
        .set({ featureOverrides: { api_access: true } })
        .where(eq(tenants.id, free.id)),
    );
    const tenant = await resolved(free.slug);
    const owner = await signedIn(tenant, 'owner');
    const result = await runTenantAction(
      request(tenant, owner),
      createDefinition,
      createHandler,
      form([
        ['name', 'x'],
        ['scopes', 'documents:read'],
      ]),
    );
    expect(result.ok).toBe(true);
  });

  it('revokes through the action once, and answers not_found for another tenant’s key', async () => {
    const tenant = await resolved((await createTenant({ plan: 'pro' })).slug);
    const owner = await signedIn(tenant, 'owner');
    const key = await create(tenant);
    const theirs = await create(other);
    expect(
      await runTenantAction(
        request(tenant, owner),
        revokeDefinition,
        revokeHandler,
        form([['id', key.id]]),
      ),
    ).toEqual({ ok: true, data: undefined });
    expect(
      await runTenantAction(
        request(tenant, owner),
        revokeDefinition,
        revokeHandler,
        form([['id', key.id]]),
      ),
    ).toEqual({ ok: true, data: undefined });
    expect(
      (await auditOf(tenant.id, key.id)).filter((event) => event.action === 'api_key.revoked'),
    ).toEqual([expect.objectContaining({ actorType: 'user', actorId: owner.userId })]);
    expect(
      await runTenantAction(
        request(tenant, owner),
        revokeDefinition,
        revokeHandler,
        form([['id', theirs.id]]),
      ),
    ).toMatchObject({
      ok: false,
      code: 'not_found',
    });
    expect(
      await runTenantAction(
        request(tenant, owner),
        revokeDefinition,
        revokeHandler,
        form([['id', 'nope']]),
      ),
    ).toMatchObject({
      ok: false,
      code: 'invalid_input',
    });
    expect((await keyRow(theirs.id)).revokedAt).toBeNull();
  });
});
