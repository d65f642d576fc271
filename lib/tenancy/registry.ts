import 'server-only';
import { and, asc, count, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { withPlatform, type Transaction } from '@/db/scope';
import {
  documents,
  memberships,
  tenants,
  users,
  type Tenant,
  type TenantStatus,
} from '@/db/schema';
import { createApiKey, type CreatedApiKey } from '@/lib/api-keys';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { hashPassword } from '@/lib/passwords';
import { entitlementsOf, type Entitlements, type PlanId } from '@/lib/plans';
import {
  DEFAULT_PRIMARY_COLOR,
  slugTaken,
  type ListTenantsInput,
  type ProvisionTenantInput,
  type TenantMetadata,
  type UpdateTenantInput,
} from './schemas';
import { canTransition } from './status';

/** A tenant as operators and the platform API see it. */
export type TenantDTO = {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: string;
  metadata: TenantMetadata;
  featureOverrides: Tenant['featureOverrides'];
  limitOverrides: Tenant['limitOverrides'];
  overageOverrides: Tenant['overageOverrides'];
  entitlements: Entitlements;
  createdAt: Date;
  updatedAt: Date;
};
export type TenantDetailDTO = TenantDTO & { memberCount: number; documentCount: number };
export type TenantPage = { data: TenantDTO[]; nextCursor: string | null };

function toDTO(row: Tenant): TenantDTO {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    plan: row.plan,
    metadata: row.metadata,
    featureOverrides: row.featureOverrides,
    limitOverrides: row.limitOverrides,
    overageOverrides: row.overageOverrides,
    entitlements: entitlementsOf(row),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * Inserts a tenant with its initial configuration (plan, default branding, metadata) and its
 * owner's membership, and audits the creation. The caller's platform transaction makes it
 * all-or-nothing.
 */
export async function insertTenantWithOwner(
  tx: Transaction,
  params: {
    slug: string;
    name: string;
    ownerId: string;
    plan?: PlanId;
    metadata?: TenantMetadata;
    actor: Actor;
    via: 'sign_up' | 'platform_api' | 'console';
    request?: RequestMeta;
  },
): Promise<Tenant> {
  const [tenant] = await tx
    .insert(tenants)
    .values({
      slug: params.slug,
      name: params.name,
      status: 'active',
      plan: params.plan ?? 'free',
      metadata: params.metadata ?? {},
      settings: { branding: { primaryColor: DEFAULT_PRIMARY_COLOR } },
    })
    // A concurrent registration that took the slug after our check: no row, and no aborted
    // transaction to untangle (an error would be).
    .onConflictDoNothing({ target: tenants.slug })
    .returning();
  if (!tenant) throw slugTaken();
  await tx
    .insert(memberships)
    .values({ tenantId: tenant.id, userId: params.ownerId, role: 'owner' });
  await recordAudit(tx, {
    tenantId: tenant.id,
    actor: params.actor,
    action: 'tenant.created',
    target: { type: 'tenant', id: tenant.id },
    metadata: { slug: tenant.slug, plan: tenant.plan, via: params.via, ownerId: params.ownerId },
    request: params.request,
  });
  return tenant;
}

export async function assertSlugFree(tx: Transaction, slug: string): Promise<void> {
  const [taken] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, slug));
  if (taken) throw slugTaken();
}

/**
 * Provisioning by the platform (API or console). The caller is trusted, so an existing account
 * becomes the owner without proving its password; a new owner without a password gets an
 * account that cannot sign in until a password is set.
 */
export async function provisionTenant(
  input: ProvisionTenantInput,
  context: ProvisionContext,
): Promise<ProvisionedTenant> {
  // Hashing (~100 ms) happens before the transaction, so it holds no connection meanwhile.
  const passwordHash = input.ownerPassword ? await hashPassword(input.ownerPassword) : undefined;
  return withPlatform((tx) => provisionTenantIn(tx, input, { ...context, passwordHash }));
}

type ProvisionContext = { actor: Actor; via: 'platform_api' | 'console'; request?: RequestMeta };
export type ProvisionedTenant = { tenant: TenantDTO; apiKey: CreatedApiKey | null };

/**
 * provisionTenant in the caller's platform transaction (the console's actions run in one).
 * `passwordHash` stands for `input.ownerPassword` when the caller hashed it already.
 */
export async function provisionTenantIn(
  tx: Transaction,
  input: ProvisionTenantInput,
  context: ProvisionContext & { passwordHash?: string },
): Promise<ProvisionedTenant> {
  await assertSlugFree(tx, input.slug);
  const [existing] = await tx
    .select({ id: users.id })
    .from(users)
    .where(eq(users.email, input.ownerEmail));
  let ownerId = existing?.id;
  if (!ownerId) {
    const passwordHash =
      context.passwordHash ??
      (input.ownerPassword ? await hashPassword(input.ownerPassword) : UNUSABLE_PASSWORD);
    const [created] = await tx
      .insert(users)
      .values({
        email: input.ownerEmail,
        name: input.ownerEmail.split('@')[0] ?? input.ownerEmail,
        passwordHash,
      })
      .returning({ id: users.id });
    ownerId = created!.id;
  }
  const tenant = await insertTenantWithOwner(tx, {
    slug: input.slug,
    name: input.name,
    ownerId,
    plan: input.plan,
    metadata: input.metadata,
    actor: context.actor,
    via: context.via,
    request: context.request,
  });
  const apiKey = input.apiKey
    ? await createApiKey(tx, {
        tenantId: tenant.id,
        ...input.apiKey,
        actor: context.actor,
        request: context.request,
      })
    : null;
  return { tenant: toDTO(tenant), apiKey };
}

/** Stored for accounts created without a password: no password verifies against it. */
export const UNUSABLE_PASSWORD = '!';

// Keyset cursor over the chosen sort: [sort key as text, id].
const cursorSchema = z.tuple([z.string().max(300), z.guid()]);
function encodeCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}
function decodeCursor(cursor: string): { key: string; id: string } {
  try {
    const [key, id] = cursorSchema.parse(
      JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')),
    );
    return { key, id };
  } catch {
    throw new AppError('invalid_input', 'The cursor is not valid.', {
      fieldErrors: { cursor: ['Not a valid cursor.'] },
    });
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The registry's list: search (slug or name), filters, sort and keyset pagination, so page
 * 400 of 10,000 tenants costs what page 1 does. Newest first by default; name and slug ascend.
 */
export async function listTenants(tx: Transaction, input: ListTenantsInput): Promise<TenantPage> {
  const after = input.cursor ? decodeCursor(input.cursor) : undefined;
  const filters: (SQL | undefined)[] = [
    input.status ? eq(tenants.status, input.status) : undefined,
    input.plan ? eq(tenants.plan, input.plan) : undefined,
    input.q
      ? or(
          ilike(tenants.slug, `%${escapeLike(input.q)}%`),
          ilike(tenants.name, `%${escapeLike(input.q)}%`),
        )
      : undefined,
  ];
  let keyText: SQL<string>;
  let order: SQL[];
  if (input.sort === 'created') {
    keyText = sql<string>`${tenants.createdAt}::text`;
    order = [desc(tenants.createdAt), desc(tenants.id)];
    if (after)
      filters.push(
        sql`(${tenants.createdAt}, ${tenants.id}) < (${after.key}::timestamptz, ${after.id}::uuid)`,
      );
  } else {
    const column = input.sort === 'name' ? sql`lower(${tenants.name})` : sql`${tenants.slug}`;
    keyText = sql<string>`${column}`;
    order = [asc(column), asc(tenants.id)];
    if (after) filters.push(sql`(${column}, ${tenants.id}) > (${after.key}, ${after.id}::uuid)`);
  }
  const rows = await tx
    .select({ tenant: tenants, cursorKey: keyText })
    .from(tenants)
    .where(and(...filters))
    .orderBy(...order)
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    data: page.map((row) => toDTO(row.tenant)),
    nextCursor:
      rows.length > input.limit && last ? encodeCursor(last.cursorKey, last.tenant.id) : null,
  };
}

/** A tenant by id (platform path), or not_found. */
export async function findTenant(tx: Transaction, id: string): Promise<TenantDTO> {
  const [row] = await tx.select().from(tenants).where(eq(tenants.id, id));
  if (!row) throw new AppError('not_found', 'Tenant not found.');
  return toDTO(row);
}

/** findTenant with its member and document counts, for the console and the platform API. */
export async function getTenant(tx: Transaction, id: string): Promise<TenantDetailDTO> {
  const tenant = await findTenant(tx, id);
  const [[members], [docs]] = await Promise.all([
    tx.select({ n: count() }).from(memberships).where(eq(memberships.tenantId, id)),
    tx.select({ n: count() }).from(documents).where(eq(documents.tenantId, id)),
  ]);
  return { ...tenant, memberCount: members?.n ?? 0, documentCount: docs?.n ?? 0 };
}

/**
 * Every operator change to a tenant goes through here: the status machine is checked, the row
 * is locked while it changes, and each kind of change is its own audit event with before and
 * after (a status change also carries the reason).
 */
export async function updateTenant(
  tx: Transaction,
  params: { id: string; changes: UpdateTenantInput; actor: Actor; request?: RequestMeta },
): Promise<TenantDTO> {
  const [current] = await tx.select().from(tenants).where(eq(tenants.id, params.id)).for('update');
  if (!current) throw new AppError('not_found', 'Tenant not found.');
  const { changes } = params;
  const audit = (action: string, metadata: Record<string, unknown>) =>
    recordAudit(tx, {
      tenantId: current.id,
      actor: params.actor,
      action,
      target: { type: 'tenant', id: current.id },
      metadata,
      request: params.request,
    });

  if (changes.status !== undefined && changes.status !== current.status) {
    if (!canTransition(current.status, changes.status)) {
      throw new AppError(
        'invalid_transition',
        `A tenant cannot go from ${current.status} to ${changes.status}.`,
        {
          fieldErrors: { status: [`Not allowed from ${current.status}.`] },
        },
      );
    }
    await audit('tenant.status_changed', {
      from: current.status,
      to: changes.status,
      reason: changes.reason,
    });
  }
  if (changes.plan !== undefined && changes.plan !== current.plan) {
    await audit('tenant.plan_changed', { from: current.plan, to: changes.plan });
  }
  if (changes.name !== undefined && changes.name !== current.name) {
    await audit('tenant.renamed', { from: current.name, to: changes.name });
  }
  if (changes.metadata !== undefined) {
    await audit('tenant.metadata_updated', { before: current.metadata, after: changes.metadata });
  }
  if (
    changes.features !== undefined ||
    changes.limits !== undefined ||
    changes.overage !== undefined
  ) {
    await audit('tenant.overrides_updated', {
      before: {
        features: current.featureOverrides,
        limits: current.limitOverrides,
        overage: current.overageOverrides,
      },
      after: {
        features: changes.features ?? current.featureOverrides,
        limits: changes.limits ?? current.limitOverrides,
        overage: changes.overage ?? current.overageOverrides,
      },
    });
  }

  const [updated] = await tx
    .update(tenants)
    .set({
      name: changes.name,
      status: changes.status,
      plan: changes.plan,
      metadata: changes.metadata,
      featureOverrides: changes.features,
      limitOverrides: changes.limits,
      overageOverrides: changes.overage,
      updatedAt: sql`now()`,
    })
    .where(eq(tenants.id, current.id))
    .returning();
  return toDTO(updated!);
}
