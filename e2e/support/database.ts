import { randomUUID } from 'node:crypto';
import { and, eq, inArray, like, lt, sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from '@/db/schema';
import {
  auditEvents,
  documents,
  memberships,
  platformSessions,
  sessions,
  tenantKeys,
  tenants,
  usageEvents,
  users,
  type MemberRole,
  type RoleColumn,
  type TenantStatus,
} from '@/db/schema';
import { localKeyProvider } from '@/lib/crypto/envelope';
import { keyringFrom } from '@/lib/crypto/keys';
import { hashPassword } from '@/lib/passwords';
import type { PlanId } from '@/lib/plans';
import {
  E2E_EMAIL_DOMAIN,
  E2E_MASTER_KEY,
  E2E_SLUG_PREFIX,
  ownerDatabaseUrl,
  tenantOrigin,
} from './env';

/**
 * Direct database access for fixtures and assertions. Every write goes through the platform
 * role (`set local role tenantry_platform` in a transaction) exactly as the app's own
 * platform path does, so the fixtures are held to the same row-level security.
 */

type Db = NodePgDatabase<typeof schema>;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type TestTenant = {
  id: string;
  slug: string;
  name: string;
  /** 'pro' unless a test asks otherwise: custom branding and the API need a paid plan. */
  plan: PlanId;
  primaryColor: string;
  /** `http://<slug>.localhost:3100` */
  origin: string;
};

export type TestOperator = {
  id: string;
  email: string;
  name: string;
  password: string;
};

export type TestUser = {
  id: string;
  email: string;
  name: string;
  password: string;
  role: MemberRole;
};

/** One password for every fixture user: scrypt is deliberately slow, so hash it once per worker. */
export const E2E_PASSWORD = 'e2e-correct-horse-battery';
let passwordHash: Promise<string> | undefined;

export function uniqueId(): string {
  return randomUUID().slice(0, 8);
}

export function uniqueSlug(): string {
  return `${E2E_SLUG_PREFIX}${uniqueId()}`;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${uniqueId()}@${E2E_EMAIL_DOMAIN}`;
}

export class E2EDatabase {
  private readonly pool: pg.Pool;
  private readonly db: Db;

  constructor(url = ownerDatabaseUrl()) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    this.db = drizzle(this.pool, { schema });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /** The platform path: a transaction as tenantry_platform, with no tenant set. */
  platform<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`set local role tenantry_platform`);
      return work(tx);
    });
  }

  async createTenant(
    overrides: {
      slug?: string;
      name?: string;
      status?: TenantStatus;
      primaryColor?: string;
      plan?: PlanId;
    } = {},
  ): Promise<TestTenant> {
    const slug = overrides.slug ?? uniqueSlug();
    const name = overrides.name ?? `E2E ${slug.slice(E2E_SLUG_PREFIX.length)} Ltd`;
    const primaryColor = overrides.primaryColor ?? '#7c3aed';
    const plan = overrides.plan ?? 'pro';
    const [row] = await this.platform((tx) =>
      tx
        .insert(tenants)
        .values({
          slug,
          name,
          status: overrides.status ?? 'active',
          plan,
          settings: { branding: { primaryColor } },
        })
        .returning({ id: tenants.id }),
    );
    if (!row) throw new Error('tenant insert returned no row');
    return { id: row.id, slug, name, plan, primaryColor, origin: tenantOrigin(slug) };
  }

  async createMember(
    tenantId: string,
    overrides: { role?: MemberRole; email?: string; name?: string } = {},
  ): Promise<TestUser> {
    passwordHash ??= hashPassword(E2E_PASSWORD);
    const role = overrides.role ?? 'member';
    const email = overrides.email ?? uniqueEmail(role);
    const name = overrides.name ?? `E2E ${role} ${email.slice(role.length + 1, role.length + 9)}`;
    const hash = await passwordHash;
    const id = await this.platform(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ email, name, passwordHash: hash })
        .returning({ id: users.id });
      if (!user) throw new Error('user insert returned no row');
      await tx.insert(memberships).values({ tenantId, userId: user.id, role });
      return user.id;
    });
    return { id, email, name, password: E2E_PASSWORD, role };
  }

  /** A platform operator (users.platform_role = 'operator'): signs in to /admin on the root domain. */
  async createOperator(): Promise<TestOperator> {
    passwordHash ??= hashPassword(E2E_PASSWORD);
    const email = uniqueEmail('operator');
    const name = `E2E operator ${email.slice('operator-'.length, 'operator-'.length + 8)}`;
    const hash = await passwordHash;
    const [user] = await this.platform((tx) =>
      tx
        .insert(users)
        .values({ email, name, passwordHash: hash, platformRole: 'operator' })
        .returning({ id: users.id }),
    );
    if (!user) throw new Error('user insert returned no row');
    return { id: user.id, email, name, password: E2E_PASSWORD };
  }

  /** An operator's console sessions: one per sign-in, revoked by sign-out. */
  async platformSessionsOf(userId: string): Promise<Array<{ revoked: boolean }>> {
    const rows = await this.platform((tx) =>
      tx
        .select({ revokedAt: platformSessions.revokedAt })
        .from(platformSessions)
        .where(eq(platformSessions.userId, userId)),
    );
    return rows.map((row) => ({ revoked: row.revokedAt !== null }));
  }

  /** A tenant's audit events (oldest first): what was done, and by whom. */
  async auditEventsOf(tenantId: string): Promise<
    Array<{
      action: string;
      actorType: string;
      actorId: string | null;
      metadata: Record<string, unknown>;
    }>
  > {
    return this.platform((tx) =>
      tx
        .select({
          action: auditEvents.action,
          actorType: auditEvents.actorType,
          actorId: auditEvents.actorId,
          metadata: auditEvents.metadata,
        })
        .from(auditEvents)
        .where(eq(auditEvents.tenantId, tenantId))
        .orderBy(auditEvents.createdAt),
    );
  }

  async setTenantStatus(tenantId: string, status: TenantStatus): Promise<void> {
    await this.platform((tx) => tx.update(tenants).set({ status }).where(eq(tenants.id, tenantId)));
  }

  /** The member's role in the tenant, or undefined once they are no longer a member. */
  async roleOf(tenantId: string, userId: string): Promise<RoleColumn | undefined> {
    const [row] = await this.platform((tx) =>
      tx
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId))),
    );
    return row?.role;
  }

  async tenantBySlug(
    slug: string,
  ): Promise<{ id: string; name: string; status: TenantStatus; plan: string } | undefined> {
    const [row] = await this.platform((tx) =>
      tx
        .select({ id: tenants.id, name: tenants.name, status: tenants.status, plan: tenants.plan })
        .from(tenants)
        .where(eq(tenants.slug, slug)),
    );
    return row;
  }

  async userByEmail(email: string): Promise<{ id: string } | undefined> {
    const [row] = await this.platform((tx) =>
      tx.select({ id: users.id }).from(users).where(eq(users.email, email)),
    );
    return row;
  }

  /** The tenant's documents with their titles opened (they are sealed under the tenant's key). */
  private async documentsOf(tenantId: string): Promise<Array<{ id: string; title: string }>> {
    return this.platform(async (tx) => {
      const keys = await tx
        .select({
          version: tenantKeys.version,
          wrapped_key: tenantKeys.wrappedKey,
          kek_id: tenantKeys.kekId,
          status: tenantKeys.status,
        })
        .from(tenantKeys)
        .where(eq(tenantKeys.tenantId, tenantId));
      const provider = localKeyProvider(Buffer.from(E2E_MASTER_KEY, 'base64'));
      const keyring = await keyringFrom(tenantId, keys, {
        current: provider,
        byId: new Map([[provider.keyId, provider]]),
      });
      const rows = await tx
        .select({ id: documents.id, title: documents.title })
        .from(documents)
        .where(eq(documents.tenantId, tenantId));
      return rows.map((row) => ({
        id: row.id,
        title: keyring.open(row.title, { table: 'documents', column: 'title', rowId: row.id }),
      }));
    });
  }

  async documentId(tenantId: string, title: string): Promise<string> {
    const row = (await this.documentsOf(tenantId)).find((doc) => doc.title === title);
    if (!row) throw new Error(`no document “${title}” in tenant ${tenantId}`);
    return row.id;
  }

  /** What the tenant's raw usage events of a metric add up to (what the server has written). */
  async usageTotal(tenantId: string, metric: string): Promise<number> {
    const [row] = await this.platform((tx) =>
      tx
        .select({ total: sql<number>`coalesce(sum(${usageEvents.value}), 0)::float8` })
        .from(usageEvents)
        .where(and(eq(usageEvents.tenantId, tenantId), eq(usageEvents.metric, metric))),
    );
    return Number(row?.total ?? 0);
  }

  async documentTitles(tenantId: string): Promise<string[]> {
    return (await this.documentsOf(tenantId)).map((doc) => doc.title);
  }

  /** The server-side sessions of a user: one per sign-in, revoked by sign-out. */
  async sessionsOf(userId: string): Promise<Array<{ revoked: boolean }>> {
    const rows = await this.platform((tx) =>
      tx
        .select({ revokedAt: sessions.revokedAt })
        .from(sessions)
        .where(eq(sessions.userId, userId)),
    );
    return rows.map((row) => ({ revoked: row.revokedAt !== null }));
  }

  /** Deleting a tenant cascades to its memberships, sessions, documents and audit trail. */
  async deleteTenants(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.platform((tx) => tx.delete(tenants).where(inArray(tenants.id, ids)));
  }

  async deleteTenantBySlug(slug: string): Promise<void> {
    await this.platform((tx) => tx.delete(tenants).where(eq(tenants.slug, slug)));
  }

  /** Users are global (one person, many tenants), so they are removed on their own. */
  async deleteUsers(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.platform((tx) => tx.delete(users).where(inArray(users.id, ids)));
  }

  async deleteUserByEmail(email: string): Promise<void> {
    await this.platform((tx) => tx.delete(users).where(eq(users.email, email)));
  }

  /**
   * Removes what an interrupted run left behind: e2e-prefixed tenants and e2e users older than
   * `minutes` (so a run sharing a reused server is not pulled from under its feet).
   */
  async purgeLeftovers(minutes = 10): Promise<{ tenants: number; users: number }> {
    const cutoff = sql`now() - make_interval(mins => ${minutes})`;
    return this.platform(async (tx) => {
      const removedTenants = await tx
        .delete(tenants)
        .where(and(like(tenants.slug, `${E2E_SLUG_PREFIX}%`), lt(tenants.createdAt, cutoff)))
        .returning({ id: tenants.id });
      const removedUsers = await tx
        .delete(users)
        .where(and(like(users.email, `%@${E2E_EMAIL_DOMAIN}`), lt(users.createdAt, cutoff)))
        .returning({ id: users.id });
      return { tenants: removedTenants.length, users: removedUsers.length };
    });
  }
}
