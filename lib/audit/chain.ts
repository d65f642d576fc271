import 'server-only';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { withPlatform, type Transaction } from '@/db/scope';
import { auditEvents, tenants } from '@/db/schema';
import { AppError } from '@/lib/errors';

export type ChainBreakReason = 'hash_mismatch' | 'prev_mismatch' | 'gap';

/** The first link that does not hold: the row where verification stopped, and why. */
export type ChainBreak = { seq: number; id: string; reason: ChainBreakReason };

/** `checked` counts the links found intact (before the first broken one, if any). */
export type AuditChainResult =
  { ok: true; checked: number } | { ok: false; checked: number; firstBroken: ChainBreak };

const DEFAULT_BATCH = 1000;

/**
 * Recomputes a tenant's audit chain in seq order, a page at a time, with the database's own
 * link function (tenantry_internal.audit_event_hash, the one the insert trigger uses), and
 * reports the first link that is missing (`gap`), does not point at its predecessor's stored
 * hash (`prev_mismatch`), or whose content no longer matches its hash (`hash_mismatch`).
 * Runs in the caller's transaction: the tenant's own (withTenant) or the platform's.
 */
export async function verifyAuditChain(
  tx: Transaction,
  params: { tenantId: string; batchSize?: number },
): Promise<AuditChainResult> {
  const batchSize = params.batchSize ?? DEFAULT_BATCH;
  let checked = 0;
  let lastSeq = 0;
  let lastHash: string | null = null;
  for (;;) {
    const page = await tx
      .select({
        id: auditEvents.id,
        seq: auditEvents.seq,
        prevHash: auditEvents.prevHash,
        hash: auditEvents.hash,
        recomputed: sql<string>`tenantry_internal.audit_event_hash(${auditEvents})`,
      })
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, params.tenantId), gt(auditEvents.seq, lastSeq)))
      .orderBy(asc(auditEvents.seq))
      .limit(batchSize);
    for (const link of page) {
      const reason: ChainBreakReason | undefined =
        link.seq !== lastSeq + 1
          ? 'gap'
          : link.prevHash !== lastHash
            ? 'prev_mismatch'
            : link.hash !== link.recomputed
              ? 'hash_mismatch'
              : undefined;
      if (reason)
        return { ok: false, checked, firstBroken: { seq: link.seq, id: link.id, reason } };
      checked += 1;
      lastSeq = link.seq;
      lastHash = link.hash;
    }
    if (page.length < batchSize) return { ok: true, checked };
  }
}

export type TenantChainReport = { tenantId: string; slug: string; result: AuditChainResult };

const TENANT_PAGE = 500;

/**
 * The core of `npm run audit:verify`: verifies one tenant's chain (by slug) or every tenant's,
 * on the platform path, one transaction per tenant, yielding a report as each one finishes.
 * `batchSize` (tests) pages tenants and events alike.
 */
export async function* verifyAuditChains(
  db: Database,
  params: { slug?: string; batchSize?: number } = {},
): AsyncGenerator<TenantChainReport> {
  const pageSize = params.batchSize ?? TENANT_PAGE;
  let after = '';
  for (;;) {
    const page = await withPlatform(
      (tx) =>
        tx
          .select({ id: tenants.id, slug: tenants.slug })
          .from(tenants)
          .where(
            params.slug === undefined ? gt(tenants.slug, after) : eq(tenants.slug, params.slug),
          )
          .orderBy(asc(tenants.slug))
          .limit(pageSize),
      db,
    );
    if (params.slug !== undefined && page.length === 0) {
      throw new AppError('not_found', `No tenant with slug "${params.slug}".`);
    }
    for (const tenant of page) {
      const result = await withPlatform(
        (tx) => verifyAuditChain(tx, { tenantId: tenant.id, batchSize: params.batchSize }),
        db,
      );
      yield { tenantId: tenant.id, slug: tenant.slug, result };
    }
    if (params.slug !== undefined || page.length < pageSize) return;
    after = page.at(-1)!.slug;
  }
}

const reasonText: Record<ChainBreakReason, string> = {
  hash_mismatch: 'content does not match its hash (edited)',
  prev_mismatch: 'does not link to the previous event’s hash (previous event edited or replaced)',
  gap: 'follows a missing event (deleted)',
};

/** One line of the command's output. */
export function formatChainReport(report: TenantChainReport): string {
  const { result } = report;
  if (result.ok) return `ok      ${report.slug}: ${events(result.checked)}, chain intact`;
  const { seq, id, reason } = result.firstBroken;
  return (
    `BROKEN  ${report.slug}: first broken link at seq ${seq} (event ${id}): ${reasonText[reason]}; ` +
    `${events(result.checked)} intact before it`
  );
}

const events = (n: number) => `${n} ${n === 1 ? 'event' : 'events'}`;
