import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { memberships, tenants, users } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase, uniqueSlug } from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import { verifyPassword } from '@/lib/passwords';
import { rateLimitPolicies } from '@/lib/ratelimit';
import {
  DEFAULT_PRIMARY_COLOR,
  registerTenant,
  registerTenantInput,
  resolveTenantBySlug,
  tenantSettingsInput,
  updateTenantSettings,
  updateSessionPolicy,
  updateMfaPolicy,
  DEFAULT_SESSION_POLICY,
} from './index';

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

const email = () => `${uniqueSlug('owner')}@example.test`;

async function countWhere(slug: string, ownerEmail: string) {
  return withPlatform(async (tx) => ({
    tenants: (await tx.select().from(tenants).where(eq(tenants.slug, slug))).length,
    users: (await tx.select().from(users).where(eq(users.email, ownerEmail))).length,
  }));
}

describe('registerTenant (sign-up)', () => {
  it('creates tenant, owner and membership together and audits it', async () => {
    const input = registerTenantInput.parse({
      name: 'Initrode',
      slug: uniqueSlug('ini'),
      ownerEmail: email(),
      ownerPassword: 'long-enough-pass',
    });
    const created = await registerTenant(input, { requestId: 'req-signup', ip: '127.0.0.1' });

    const [membership] = await withTenant(created.tenantId, (tx) => tx.select().from(memberships));
    expect(membership).toMatchObject({
      tenantId: created.tenantId,
      userId: created.userId,
      role: 'owner',
    });
    const [user] = await withPlatform((tx) =>
      tx.select().from(users).where(eq(users.id, created.userId)),
    );
    expect(await verifyPassword('long-enough-pass', user!.passwordHash)).toBe(true);
    const trail = await withTenant(created.tenantId, (tx) =>
      listAuditEvents(tx, { tenantId: created.tenantId }),
    );
    expect(trail).toEqual([
      expect.objectContaining({
        action: 'tenant.created',
        actorId: created.userId,
        requestId: 'req-signup',
      }),
    ]);

    const resolved = await resolveTenantBySlug(input.slug);
    expect(resolved).toMatchObject({
      id: created.tenantId,
      name: 'Initrode',
      status: 'active',
      branding: { primaryColor: DEFAULT_PRIMARY_COLOR },
    });
  });

  it('refuses a taken slug with a field error and leaves nothing behind', async () => {
    const taken = await createTenant();
    const ownerEmail = email();
    await expect(
      registerTenant({
        name: 'Dup',
        slug: taken.slug,
        ownerEmail,
        ownerPassword: 'long-enough-pass',
      }),
    ).rejects.toMatchObject({
      code: 'slug_taken',
      fieldErrors: { slug: [expect.stringContaining('taken')] },
    });
    expect(await countWhere(taken.slug, ownerEmail)).toEqual({ tenants: 1, users: 0 });
  });

  it('maps a slug race lost at insert time to the same field error, with nothing half-created', async () => {
    const slug = uniqueSlug('race');
    const [first, second] = await Promise.allSettled([
      registerTenant({ name: 'A', slug, ownerEmail: email(), ownerPassword: 'long-enough-pass' }),
      registerTenant({ name: 'B', slug, ownerEmail: email(), ownerPassword: 'long-enough-pass' }),
    ]);
    const outcomes = [first, second].map((r) => r.status);
    expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = [first, second].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({
      code: 'slug_taken',
      fieldErrors: { slug: expect.any(Array) },
    });
    const owners = await withPlatform((tx) =>
      tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, slug)),
    );
    expect(owners).toHaveLength(1);
  });

  it('lets an existing account own a new tenant only with its password', async () => {
    const ownerEmail = email();
    const first = await registerTenant({
      name: 'One',
      slug: uniqueSlug('one'),
      ownerEmail,
      ownerPassword: 'first-password-1',
    });
    const slug = uniqueSlug('two');
    await expect(
      registerTenant({ name: 'Two', slug, ownerEmail, ownerPassword: 'wrong-password-1' }),
    ).rejects.toMatchObject({
      code: 'conflict',
      fieldErrors: { ownerPassword: expect.any(Array) },
    });
    expect(await countWhere(slug, ownerEmail)).toEqual({ tenants: 0, users: 1 });
    const second = await registerTenant({
      name: 'Two',
      slug,
      ownerEmail,
      ownerPassword: 'first-password-1',
    });
    expect(second.userId).toBe(first.userId);
  });

  it('validates the sign-up form with messages per field', () => {
    const result = registerTenantInput.safeParse({
      name: '',
      slug: 'Admin',
      ownerEmail: 'nope',
      ownerPassword: 'short',
    });
    expect(result.success).toBe(false);
    const fields = new Set(result.error?.issues.map((i) => i.path[0]));
    expect(fields).toEqual(new Set(['name', 'slug', 'ownerEmail', 'ownerPassword']));
  });
});

describe('resolveTenantBySlug', () => {
  it('answers null for unknown and archived tenants, and reports suspension', async () => {
    expect(await resolveTenantBySlug('does-not-exist')).toBeNull();
    const archived = await createTenant({ status: 'archived' });
    expect(await resolveTenantBySlug(archived.slug)).toBeNull();
    const suspended = await createTenant({ status: 'suspended' });
    expect(await resolveTenantBySlug(suspended.slug)).toMatchObject({ status: 'suspended' });
  });
});

describe('updateTenantSettings', () => {
  it('changes name and branding and audits before and after', async () => {
    const tenant = await createTenant({ name: 'Old name', plan: 'pro' });
    const input = tenantSettingsInput.parse({
      name: 'New name',
      logoUrl: 'https://cdn.example/logo.png',
      primaryColor: '#112233',
    });
    await withTenant(tenant.id, (tx) =>
      updateTenantSettings(tx, {
        tenantId: tenant.id,
        actor: { type: 'user', id: null },
        ...input,
      }),
    );
    expect(await resolveTenantBySlug(tenant.slug)).toMatchObject({
      name: 'New name',
      branding: { primaryColor: '#112233', logoUrl: 'https://cdn.example/logo.png' },
    });
    const [event] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'tenant.settings_updated' }),
    );
    expect(event).toBeDefined();
  });

  it('clears the logo with an empty value and refuses bad colours and URLs', () => {
    expect(
      tenantSettingsInput.parse({ name: 'Ok', logoUrl: '', primaryColor: '#abcdef' }).logoUrl,
    ).toBeUndefined();
    expect(
      tenantSettingsInput.safeParse({ name: 'Ok', logoUrl: '', primaryColor: 'red' }).success,
    ).toBe(false);
    expect(
      tenantSettingsInput.safeParse({
        name: 'Ok',
        logoUrl: 'javascript:alert(1)',
        primaryColor: '#abcdef',
      }).success,
    ).toBe(false);
  });

  it('without custom_branding renames but refuses branding, keeping what is saved', async () => {
    const tenant = await createTenant({ name: 'Free name', plan: 'pro' });
    const actor = { type: 'user' as const, id: null };
    await withTenant(tenant.id, (tx) =>
      updateTenantSettings(tx, {
        tenantId: tenant.id,
        actor,
        name: 'Free name',
        primaryColor: '#112233',
        logoUrl: undefined,
      }),
    );
    await withPlatform((tx) =>
      tx.update(tenants).set({ plan: 'free' }).where(eq(tenants.id, tenant.id)),
    );

    await expect(
      withTenant(tenant.id, (tx) =>
        updateTenantSettings(tx, {
          tenantId: tenant.id,
          actor,
          name: 'Sneaky',
          primaryColor: '#000000',
          logoUrl: undefined,
        }),
      ),
    ).rejects.toMatchObject({ code: 'feature_disabled' });
    await expect(
      withTenant(tenant.id, (tx) =>
        updateTenantSettings(tx, {
          tenantId: tenant.id,
          actor,
          name: 'Sneaky',
          logoUrl: 'https://cdn.example/x.png',
        }),
      ),
    ).rejects.toMatchObject({ code: 'feature_disabled' });

    await withTenant(tenant.id, (tx) =>
      updateTenantSettings(tx, { tenantId: tenant.id, actor, name: 'Renamed on free' }),
    );
    const [row] = await withPlatform((tx) =>
      tx
        .select({ name: tenants.name, settings: tenants.settings })
        .from(tenants)
        .where(eq(tenants.id, tenant.id)),
    );
    expect(row).toEqual({
      name: 'Renamed on free',
      settings: { branding: { primaryColor: '#112233' } },
    });
    // An operator switching the feature back on brings the saved branding back.
    await withPlatform((tx) =>
      tx
        .update(tenants)
        .set({ featureOverrides: { custom_branding: true } })
        .where(eq(tenants.id, tenant.id)),
    );
    expect((await resolveTenantBySlug(tenant.slug))?.branding.primaryColor).toBe('#112233');
  });

  it('with custom_branding keeps the colour when only the logo is sent', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    const actor = { type: 'user' as const, id: null };
    await withTenant(tenant.id, (tx) =>
      updateTenantSettings(tx, {
        tenantId: tenant.id,
        actor,
        name: 'Logo only',
        primaryColor: '#445566',
      }),
    );
    await withTenant(tenant.id, (tx) =>
      updateTenantSettings(tx, {
        tenantId: tenant.id,
        actor,
        name: 'Logo only',
        logoUrl: 'https://cdn.example/l.png',
      }),
    );
    expect((await resolveTenantBySlug(tenant.slug))?.branding).toEqual({
      primaryColor: '#445566',
      logoUrl: 'https://cdn.example/l.png',
    });
  });

  it('cannot reach another tenant’s row', async () => {
    const mine = await createTenant();
    const theirs = await createTenant({ name: 'Theirs' });
    await expect(
      withTenant(mine.id, (tx) =>
        updateTenantSettings(tx, {
          tenantId: theirs.id,
          actor: { type: 'user', id: null },
          name: 'Hijacked',
          primaryColor: '#000000',
          logoUrl: undefined,
        }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect((await resolveTenantBySlug(theirs.slug))?.name).toBe('Theirs');
  });
});

describe('sign-up rate limit', () => {
  it('refuses more workspaces from one address than the policy allows', async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < rateLimitPolicies.signUpPerIp.limit; i++) {
      await registerTenant(
        {
          name: 'Spam',
          slug: uniqueSlug('spam'),
          ownerEmail: email(),
          ownerPassword: 'long-enough-pass',
        },
        { ip },
      );
    }
    const slug = uniqueSlug('spam');
    await expect(
      registerTenant(
        { name: 'Spam', slug, ownerEmail: email(), ownerPassword: 'long-enough-pass' },
        { ip },
      ),
    ).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: expect.any(Number) });
    expect(await resolveTenantBySlug(slug)).toBeNull();
  });
});

describe('updateSessionPolicy', () => {
  it('stores the policy the host’s tenant then carries, keeps branding, and audits before and after', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    expect((await resolveTenantBySlug(tenant.slug))?.sessionPolicy).toEqual(DEFAULT_SESSION_POLICY);
    const policy = { sessionLifetimeHours: 8, idleTimeoutMinutes: 30 };
    await withTenant(tenant.id, (tx) =>
      updateSessionPolicy(tx, { tenantId: tenant.id, policy, actor: { type: 'user', id: null } }),
    );
    expect((await resolveTenantBySlug(tenant.slug))?.sessionPolicy).toEqual(policy);
    const [event] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'tenant.session_policy_updated' }),
    );
    expect(event?.metadata).toEqual({ before: DEFAULT_SESSION_POLICY, after: policy });
    await expect(
      withTenant(tenant.id, (tx) =>
        updateSessionPolicy(tx, {
          tenantId: '00000000-0000-4000-8000-000000000000',
          policy,
          actor: { type: 'user', id: null },
        }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('updateMfaPolicy', () => {
  it('requires MFA beside the other policies, which it leaves as they were, and audits it', async () => {
    const tenant = await createTenant();
    const policy = { sessionLifetimeHours: 8, idleTimeoutMinutes: 30 };
    const actor = { type: 'user' as const, id: null };
    await withTenant(tenant.id, (tx) =>
      updateSessionPolicy(tx, { tenantId: tenant.id, policy, actor }),
    );
    expect((await resolveTenantBySlug(tenant.slug))?.mfaPolicy).toEqual({ requireMfa: false });
    await withTenant(tenant.id, (tx) =>
      updateMfaPolicy(tx, { tenantId: tenant.id, policy: { requireMfa: true }, actor }),
    );
    const resolved = await resolveTenantBySlug(tenant.slug);
    expect(resolved?.mfaPolicy).toEqual({ requireMfa: true });
    expect(resolved?.sessionPolicy).toEqual(policy);
    const [event] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'tenant.mfa_policy_updated' }),
    );
    expect(event?.metadata).toEqual({
      before: { requireMfa: false },
      after: { requireMfa: true },
    });
  });
});
