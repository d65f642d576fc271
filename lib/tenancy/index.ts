import 'server-only';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { getDatabase } from '@/db/runtime';
import { withPlatform, type Transaction } from '@/db/scope';
import { isUniqueViolation } from '@/db/errors';
import { memberships, tenants, users, type TenantBranding, type TenantStatus } from '@/db/schema';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { hashPassword, verifyPassword } from '@/lib/passwords';
import { AppError } from '@/lib/errors';
import { slugSchema } from '@/lib/host';
import { consumeRateLimit, rateLimitPolicies } from '@/lib/ratelimit';

export const emailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email({ message: 'Enter a valid e-mail address.' }));
export const newPasswordSchema = z
  .string()
  .min(10, 'Use at least 10 characters.')
  .max(200, 'Use at most 200 characters.');

export const registerTenantInput = z.object({
  name: z.string().trim().min(2, 'Enter your organisation’s name.').max(100, 'Keep the name under 100 characters.'),
  slug: slugSchema,
  ownerEmail: emailSchema,
  ownerPassword: newPasswordSchema,
});
export type RegisterTenantInput = z.infer<typeof registerTenantInput>;

const colorSchema = z.string().trim().regex(/^#[0-9a-fA-F]{6}$/, 'Use a colour like #4f46e5.');
const logoUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/, message: 'Use an http(s) address of an image.' }));

export const tenantSettingsInput = z.object({
  name: z.string().trim().min(2, 'Enter a name.').max(100, 'Keep the name under 100 characters.'),
  logoUrl: z.union([z.literal(''), logoUrlSchema]).transform((value) => value || undefined),
  primaryColor: colorSchema,
});
export type TenantSettingsInput = z.infer<typeof tenantSettingsInput>;

export const DEFAULT_PRIMARY_COLOR = '#4f46e5';

export type TenantContextDTO = {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  branding: Required<Pick<TenantBranding, 'primaryColor'>> & Pick<TenantBranding, 'logoUrl'>;
};

type ResolvedRow = { id: string; slug: string; name: string; status: TenantStatus; settings: { branding?: TenantBranding } | null };

/**
 * The tenant a host's slug names, or null when there is none (archived tenants answer as
 * if they did not exist). Runs as the application role through a definer function that
 * answers for one slug only, so a tenant request can never list tenants.
 */
export async function resolveTenantBySlug(slug: string): Promise<TenantContextDTO | null> {
  const { db } = await getDatabase();
  const result = (await db.execute(
    sql`select id, slug, name, status, settings from tenantry_resolve_tenant(${slug})`,
  )) as unknown as { rows: ResolvedRow[] };
  const row = result.rows[0];
  if (!row || row.status === 'archived') return null;
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    branding: {
      primaryColor: row.settings?.branding?.primaryColor ?? DEFAULT_PRIMARY_COLOR,
      logoUrl: row.settings?.branding?.logoUrl,
    },
  };
}

const slugTaken = () =>
  new AppError('conflict', 'That address is taken.', { fieldErrors: { slug: ['This address is taken. Choose another.'] } });

/**
 * Sign-up: tenant, owner and membership in one platform transaction — all or nothing.
 * An existing account may own a new tenant only by proving its password.
 */
export async function registerTenant(
  input: RegisterTenantInput,
  request: RequestMeta = {},
): Promise<{ tenantId: string; slug: string; userId: string }> {
  const allowance = await consumeRateLimit(rateLimitPolicies.signUpPerIp, request.ip ?? 'unknown');
  if (!allowance.allowed) {
    throw new AppError('rate_limited', 'Too many workspaces were created from your network. Try again later.', {
      retryAfterSeconds: allowance.retryAfterSeconds,
    });
  }
  try {
    return await withPlatform(async (tx) => {
      const [taken] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, input.slug));
      if (taken) throw slugTaken();

      const userId = await findOrCreateOwner(tx, input);
      const [tenant] = await tx
        .insert(tenants)
        .values({
          slug: input.slug,
          name: input.name,
          status: 'active',
          plan: 'free',
          settings: { branding: { primaryColor: DEFAULT_PRIMARY_COLOR } },
        })
        .returning({ id: tenants.id, slug: tenants.slug });
      if (!tenant) throw new Error('tenant insert returned no row');
      await tx.insert(memberships).values({ tenantId: tenant.id, userId, role: 'owner' });
      await recordAudit(tx, {
        tenantId: tenant.id,
        actor: { type: 'user', id: userId },
        action: 'tenant.created',
        target: { type: 'tenant', id: tenant.id },
        metadata: { slug: tenant.slug, via: 'sign_up' },
        request,
      });
      return { tenantId: tenant.id, slug: tenant.slug, userId };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'tenants_slug_key')) throw slugTaken();
    throw error;
  }
}

async function findOrCreateOwner(tx: Transaction, input: RegisterTenantInput): Promise<string> {
  const [existing] = await tx
    .select({ id: users.id, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, input.ownerEmail));
  if (existing) {
    if (!(await verifyPassword(input.ownerPassword, existing.passwordHash))) {
      throw new AppError('conflict', 'An account with this e-mail exists.', {
        fieldErrors: { ownerPassword: ['An account with this e-mail exists: enter its password to add a workspace.'] },
      });
    }
    return existing.id;
  }
  const [user] = await tx
    .insert(users)
    .values({
      email: input.ownerEmail,
      name: input.ownerEmail.split('@')[0] ?? input.ownerEmail,
      passwordHash: await hashPassword(input.ownerPassword),
    })
    .returning({ id: users.id });
  if (!user) throw new Error('user insert returned no row');
  return user.id;
}

export async function updateTenantSettings(
  tx: Transaction,
  params: TenantSettingsInput & { tenantId: string; actor: Actor; request?: RequestMeta },
): Promise<void> {
  const [current] = await tx
    .select({ name: tenants.name, settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, params.tenantId));
  if (!current) throw new AppError('not_found', 'Tenant not found.');
  const branding: TenantBranding = { primaryColor: params.primaryColor, logoUrl: params.logoUrl };
  await tx
    .update(tenants)
    .set({ name: params.name, settings: { ...current.settings, branding }, updatedAt: sql`now()` })
    .where(eq(tenants.id, params.tenantId));
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'tenant.settings_updated',
    target: { type: 'tenant', id: params.tenantId },
    metadata: {
      before: { name: current.name, branding: current.settings.branding ?? {} },
      after: { name: params.name, branding },
    },
    request: params.request,
  });
}

export { withTenant, withPlatform } from '@/db/scope';
