import 'server-only';
import { eq, sql } from 'drizzle-orm';
import { getDatabase } from '@/db/runtime';
import { withPlatform, type Transaction } from '@/db/scope';
import {
  tenants,
  users,
  type FeatureOverrides,
  type LimitOverrides,
  type TenantBranding,
  type TenantSettings,
  type TenantStatus,
} from '@/db/schema';
import { isFeatureEnabled } from '@/lib/plans';
import {
  accountPolicyOf,
  mfaPolicyOf,
  sessionPolicyOf,
  type AccountPolicy,
  type MfaPolicy,
  type SessionPolicy,
} from '@/lib/auth/policy';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { hashPassword, verifyPassword } from '@/lib/passwords';
import { AppError } from '@/lib/errors';
import { insertTenantWithOwner, assertSlugFree } from './registry';
import {
  DEFAULT_PRIMARY_COLOR,
  type RegisterTenantInput,
  type TenantSettingsInput,
} from './schemas';

export * from './schemas';
export * from './status';
export { assertBelowLimit, type CountedLimit } from './limits';
export {
  accountPolicySchema,
  DEFAULT_ACCOUNT_POLICY,
  DEFAULT_SESSION_POLICY,
  emailDomainAllowed,
  mfaPolicySchema,
  passwordProblem,
  sessionPolicySchema,
  type AccountPolicy,
  type MfaPolicy,
  type SessionPolicy,
} from '@/lib/auth/policy';
export {
  findTenant,
  getTenant,
  listTenants,
  provisionTenant,
  provisionTenantIn,
  type ProvisionedTenant,
  updateTenant,
  UNUSABLE_PASSWORD,
  type TenantDetailDTO,
  type TenantDTO,
  type TenantPage,
} from './registry';
import { consumeRateLimit, rateLimitPolicies } from '@/lib/ratelimit';

export type TenantContextDTO = {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: string;
  featureOverrides: FeatureOverrides;
  limitOverrides: LimitOverrides;
  branding: Required<Pick<TenantBranding, 'primaryColor'>> & Pick<TenantBranding, 'logoUrl'>;
  sessionPolicy: SessionPolicy;
  accountPolicy: AccountPolicy;
  mfaPolicy: MfaPolicy;
};

type ResolvedRow = {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: string;
  settings: TenantSettings | null;
  feature_overrides: FeatureOverrides | null;
  limit_overrides: LimitOverrides | null;
};

/**
 * The tenant a host's slug names, or null when there is none (archived tenants answer as
 * if they did not exist). Runs as the application role through a definer function that
 * answers for one slug only, so a tenant request can never list tenants.
 */
export async function resolveTenantBySlug(slug: string): Promise<TenantContextDTO | null> {
  const { db } = await getDatabase();
  const result = (await db.execute(
    sql`select id, slug, name, status, plan, settings, feature_overrides, limit_overrides from tenantry_resolve_tenant(${slug})`,
  )) as unknown as { rows: ResolvedRow[] };
  const row = result.rows[0];
  if (!row || row.status === 'archived') return null;
  const entitled = {
    plan: row.plan,
    featureOverrides: row.feature_overrides ?? {},
    limitOverrides: row.limit_overrides ?? {},
  };
  // Without the custom_branding feature the portal wears the default colours, whatever is saved.
  const branded = isFeatureEnabled(entitled, 'custom_branding');
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    ...entitled,
    branding: {
      primaryColor: (branded && row.settings?.branding?.primaryColor) || DEFAULT_PRIMARY_COLOR,
      logoUrl: branded ? row.settings?.branding?.logoUrl : undefined,
    },
    sessionPolicy: sessionPolicyOf(row.settings?.security),
    accountPolicy: accountPolicyOf(row.settings?.security),
    mfaPolicy: mfaPolicyOf(row.settings?.security),
  };
}

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
    throw new AppError(
      'rate_limited',
      'Too many workspaces were created from your network. Try again later.',
      {
        retryAfterSeconds: allowance.retryAfterSeconds,
      },
    );
  }
  return withPlatform(async (tx) => {
    await assertSlugFree(tx, input.slug);
    const userId = await findOrCreateOwner(tx, input);
    const tenant = await insertTenantWithOwner(tx, {
      slug: input.slug,
      name: input.name,
      ownerId: userId,
      actor: { type: 'user', id: userId },
      via: 'sign_up',
      request,
    });
    return { tenantId: tenant.id, slug: tenant.slug, userId };
  });
}

async function findOrCreateOwner(tx: Transaction, input: RegisterTenantInput): Promise<string> {
  const [existing] = await tx
    .select({ id: users.id, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, input.ownerEmail));
  if (existing) {
    if (!(await verifyPassword(input.ownerPassword, existing.passwordHash))) {
      throw new AppError('conflict', 'An account with this e-mail exists.', {
        fieldErrors: {
          ownerPassword: [
            'An account with this e-mail exists: enter its password to add a workspace.',
          ],
        },
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

/**
 * What the settings form changes. Branding (`primaryColor`, with `logoUrl` beside it) is a
 * change only when sent: leaving both out keeps the saved branding as it is.
 */
export type TenantSettingsChange = Pick<TenantSettingsInput, 'name'> &
  Partial<Pick<TenantSettingsInput, 'logoUrl' | 'primaryColor'>>;

/**
 * Renames the tenant and, with the custom_branding feature, changes its branding. Without the
 * feature, sending branding is refused (feature_disabled) rather than silently dropped; the
 * plan is read from the tenant's row in this transaction, not from what the caller believes.
 */
export async function updateTenantSettings(
  tx: Transaction,
  params: TenantSettingsChange & { tenantId: string; actor: Actor; request?: RequestMeta },
): Promise<void> {
  const [current] = await tx
    .select({
      name: tenants.name,
      settings: tenants.settings,
      plan: tenants.plan,
      featureOverrides: tenants.featureOverrides,
    })
    .from(tenants)
    .where(eq(tenants.id, params.tenantId));
  if (!current) throw new AppError('not_found', 'Tenant not found.');
  const before = current.settings.branding ?? {};
  let branding: TenantBranding = before;
  if (params.primaryColor !== undefined || params.logoUrl !== undefined) {
    if (!isFeatureEnabled(current, 'custom_branding')) {
      throw new AppError(
        'feature_disabled',
        'A custom logo and colour are not part of this workspace’s plan; only the name can change.',
      );
    }
    branding = {
      primaryColor: params.primaryColor ?? before.primaryColor ?? DEFAULT_PRIMARY_COLOR,
      logoUrl: params.logoUrl,
    };
  }
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
      before: { name: current.name, branding: before },
      after: { name: params.name, branding },
    },
    request: params.request,
  });
}

export { withTenant, withPlatform } from '@/db/scope';

type PolicyChange<P> = { tenantId: string; policy: P; actor: Actor; request?: RequestMeta };

/**
 * Merges one policy into the tenant's security settings (the session and account policies
 * share that object) and audits it with the policy in force before and the new one.
 */
async function updateSecurityPolicy<P extends SessionPolicy | AccountPolicy | MfaPolicy>(
  tx: Transaction,
  params: PolicyChange<P> & { action: string; policyOf: (stored: unknown) => P },
): Promise<void> {
  const [current] = await tx
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, params.tenantId));
  if (!current) throw new AppError('not_found', 'Tenant not found.');
  await tx
    .update(tenants)
    .set({
      settings: {
        ...current.settings,
        security: { ...current.settings.security, ...params.policy },
      },
      updatedAt: sql`now()`,
    })
    .where(eq(tenants.id, params.tenantId));
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: params.action,
    target: { type: 'tenant', id: params.tenantId },
    metadata: { before: params.policyOf(current.settings.security), after: params.policy },
    request: params.request,
  });
}

/** Changes the tenant's session policy; sessions outside the new one end at their next request. */
export function updateSessionPolicy(
  tx: Transaction,
  params: PolicyChange<SessionPolicy>,
): Promise<void> {
  return updateSecurityPolicy(tx, {
    ...params,
    action: 'tenant.session_policy_updated',
    policyOf: sessionPolicyOf,
  });
}

/** Changes the tenant's rules for new accounts (password, invitable e-mail domains). */
export function updateAccountPolicy(
  tx: Transaction,
  params: PolicyChange<AccountPolicy>,
): Promise<void> {
  return updateSecurityPolicy(tx, {
    ...params,
    action: 'tenant.account_policy_updated',
    policyOf: accountPolicyOf,
  });
}

/** Requires (or stops requiring) a second factor at sign-in; members without one enrol next time. */
export function updateMfaPolicy(tx: Transaction, params: PolicyChange<MfaPolicy>): Promise<void> {
  return updateSecurityPolicy(tx, {
    ...params,
    action: 'tenant.mfa_policy_updated',
    policyOf: mfaPolicyOf,
  });
}
