import 'server-only';
import { count, eq, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/scope';
import { documents, memberships, tenants } from '@/db/schema';
import { AppError } from '@/lib/errors';
import { limitFor, limits, type Limit } from '@/lib/plans';

const counted = {
  members: { table: memberships, tenantColumn: memberships.tenantId, noun: 'members' },
  documents: { table: documents, tenantColumn: documents.tenantId, noun: 'documents' },
} as const;
export type CountedLimit = keyof typeof counted & Limit;

/**
 * Refuses to add one more row when the tenant is at its limit. Runs in the caller's tenant (or
 * platform) transaction, before the insert; a per-tenant advisory lock makes concurrent adds
 * queue, so two requests cannot both take the last place.
 */
export async function assertBelowLimit(
  tx: Transaction,
  params: { tenantId: string; limit: CountedLimit },
): Promise<void> {
  const [tenant] = await tx
    .select({
      plan: tenants.plan,
      featureOverrides: tenants.featureOverrides,
      limitOverrides: tenants.limitOverrides,
    })
    .from(tenants)
    .where(eq(tenants.id, params.tenantId));
  if (!tenant) throw new AppError('not_found', 'This workspace does not exist.');
  const max = limitFor(tenant, params.limit);
  if (max === null) return;
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`${params.tenantId}:${params.limit}`}, 0))`,
  );
  const { table, tenantColumn, noun } = counted[params.limit];
  const [row] = await tx
    .select({ n: count() })
    .from(table)
    .where(eq(tenantColumn, params.tenantId));
  if ((row?.n ?? 0) >= max) {
    throw new AppError(
      'limit_reached',
      `This workspace has reached its limit of ${max.toLocaleString('en')} ${noun} (${limits[params.limit].toLowerCase()}). Remove some, or ask an admin to upgrade the plan.`,
    );
  }
}
