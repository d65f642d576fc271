import { randomUUID } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { createPglite } from '@/db/pglite';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { installDatabase } from '@/db/runtime';
import { withPlatform } from '@/db/scope';
import { memberships, tenants, users, type MemberRole, type TenantStatus } from '@/db/schema';
import { hashPassword } from '@/lib/passwords';

let template: Promise<PGlite> | undefined;

/** Migrated once per worker; each suite gets a clone (≈0.6 s instead of ≈4 s for initdb). */
function pgliteTemplate(): Promise<PGlite> {
  template ??= (async () => {
    const pglite = await createPglite();
    await runMigrations({ driver: 'pglite', pglite });
    return pglite;
  })();
  return template;
}

/**
 * The database this suite runs on, chosen by TEST_DB (see test-support/global-setup.ts),
 * installed as the process database so code under test uses it.
 */
export async function setupTestDatabase(): Promise<DatabaseHandle> {
  const testDb = inject('testDb');
  let handle: DatabaseHandle;
  if (testDb === 'pglite') {
    handle = await openDatabase({
      driver: 'pglite',
      pglite: (await (await pgliteTemplate()).clone()) as PGlite,
    });
  } else if (testDb === 'pg') {
    handle = await openDatabase({ driver: 'pg', url: inject('databaseUrl'), max: 4 });
  } else {
    handle = await openDatabase({
      driver: 'neon',
      url: inject('databaseUrl'),
      wsProxy: inject('neonWsProxy'),
      max: 4,
    });
  }
  installDatabase(handle);
  return handle;
}

export async function teardownTestDatabase(handle: DatabaseHandle): Promise<void> {
  installDatabase(undefined);
  await handle.close();
}

export const TEST_PASSWORD = 'test-password-123';
let testPasswordHash: Promise<string> | undefined;

export function uniqueSlug(prefix = 't'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createTenant(
  overrides: { slug?: string; name?: string; status?: TenantStatus; plan?: string } = {},
): Promise<{ id: string; slug: string }> {
  const slug = overrides.slug ?? uniqueSlug();
  return withPlatform(async (tx) => {
    const [row] = await tx
      .insert(tenants)
      .values({
        slug,
        name: overrides.name ?? `Tenant ${slug}`,
        status: overrides.status ?? 'active',
        plan: overrides.plan ?? 'free',
      })
      .returning({ id: tenants.id, slug: tenants.slug });
    return row!;
  });
}

export async function createMember(
  tenantId: string,
  overrides: { email?: string; role?: MemberRole; name?: string } = {},
): Promise<{ userId: string; membershipId: string; email: string }> {
  testPasswordHash ??= hashPassword(TEST_PASSWORD);
  const passwordHash = await testPasswordHash;
  const email = overrides.email ?? `${randomUUID().slice(0, 8)}@example.test`;
  return withPlatform(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email, name: overrides.name ?? email.split('@')[0]!, passwordHash })
      .onConflictDoUpdate({ target: users.email, set: { updatedAt: new Date() } })
      .returning({ id: users.id });
    const [membership] = await tx
      .insert(memberships)
      .values({ tenantId, userId: user!.id, role: overrides.role ?? 'member' })
      .returning({ id: memberships.id });
    return { userId: user!.id, membershipId: membership!.id, email };
  });
}
