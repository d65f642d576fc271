import 'server-only';
import { withPlatform } from '@/db/scope';
import { listAuditEvents, type AuditEventDTO } from '@/lib/audit';
import { isAppError } from '@/lib/errors';
import {
  getTenant,
  listTenants,
  listTenantsInput,
  type ListTenantsInput,
  type TenantDetailDTO,
  type TenantPage,
} from '@/lib/tenancy';
import { tenantIdSchema } from './forms';

/** The console's list filters, as the URL carries them (GET form, so it works without script). */
export type TenantDirectoryFilters = Pick<
  ListTenantsInput,
  'q' | 'status' | 'plan' | 'sort' | 'cursor'
>;

export type TenantDirectory =
  | { ok: true; filters: TenantDirectoryFilters; page: TenantPage }
  | { ok: false; filters: TenantDirectoryFilters; problem: 'invalid_filters' | 'invalid_cursor' };

const PAGE_SIZE = 25;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * One page of the tenant registry for the console, from the URL's query. Keyset pages only,
 * and no count over the whole table: page 400 of 10,000 tenants costs what page 1 does.
 * Call it only after requireOperator: it reads every tenant.
 */
export async function loadTenantDirectory(
  query: Record<string, string | string[] | undefined>,
): Promise<TenantDirectory> {
  const raw = {
    q: first(query.q),
    status: first(query.status) || undefined,
    plan: first(query.plan) || undefined,
    sort: first(query.sort) || undefined,
    cursor: first(query.cursor) || undefined,
  };
  const parsed = listTenantsInput.safeParse({ ...raw, limit: PAGE_SIZE });
  if (!parsed.success) {
    return {
      ok: false,
      filters: { q: raw.q?.trim().slice(0, 100) || undefined, sort: 'created' },
      problem: 'invalid_filters',
    };
  }
  const { q, status, plan, sort, cursor } = parsed.data;
  const filters = { q, status, plan, sort, cursor };
  try {
    return { ok: true, filters, page: await withPlatform((tx) => listTenants(tx, parsed.data)) };
  } catch (error) {
    if (isAppError(error) && error.code === 'invalid_input')
      return { ok: false, filters, problem: 'invalid_cursor' };
    throw error;
  }
}

export type TenantConsole = { tenant: TenantDetailDTO; trail: AuditEventDTO[] };

/**
 * A tenant's details and its recent audit trail, or null when there is no such tenant (also
 * for malformed ids): the page answers 404. Call it only after requireOperator.
 */
export async function loadTenantConsole(
  id: string,
  options: { trailLength?: number } = {},
): Promise<TenantConsole | null> {
  if (!tenantIdSchema.safeParse(id).success) return null;
  try {
    return await withPlatform(async (tx) => {
      const tenant = await getTenant(tx, id);
      const trail = await listAuditEvents(tx, { tenantId: id, limit: options.trailLength ?? 25 });
      return { tenant, trail };
    });
  } catch (error) {
    if (isAppError(error) && error.code === 'not_found') return null;
    throw error;
  }
}
