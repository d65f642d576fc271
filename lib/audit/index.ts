import 'server-only';
import { and, desc, eq } from 'drizzle-orm';
import type { Transaction } from '@/db/scope';
import { auditEvents, type ActorType } from '@/db/schema';

export {
  formatChainReport,
  verifyAuditChain,
  verifyAuditChains,
  type AuditChainResult,
  type ChainBreak,
  type ChainBreakReason,
  type TenantChainReport,
} from './chain';
export {
  AUDIT_EXPORT_MAX,
  AUDIT_PAGE_SIZE,
  actionLabeller,
  auditActionGroups,
  auditActionLabel,
  auditSearchInput,
  auditSearchQuery,
  csvCell,
  exportAuditEvents,
  filterConditions,
  filtersOf,
  logSearchInput,
  parseAuditSearch,
  parseLogSearch,
  searchAuditEvents,
  toCsv,
  toCsvWith,
  toJson,
  type ActionGroup,
  type AuditExport,
  type AuditExportFormat,
  type AuditFilters,
  type AuditPage,
  type AuditRecordDTO,
  type AuditSearchInput,
  type CsvColumn,
  type LogSearchInput,
  type LogSearchSchema,
} from './search';

export type Actor = { type: ActorType; id: string | null };
export type RequestMeta = { requestId?: string | null; ip?: string | null };

export type AuditEntry = {
  tenantId: string;
  actor: Actor;
  action: string;
  target?: { type: string; id: string };
  metadata?: Record<string, unknown>;
  request?: RequestMeta;
};

/**
 * Writes one audit row in the caller's transaction, so the event commits with the change or not
 * at all. The database chains it (seq, prev_hash, hash) and holds the tenant's audit lock until
 * the transaction ends: record the event last, after any slow work.
 */
export async function recordAudit(tx: Transaction, entry: AuditEntry): Promise<void> {
  await tx.insert(auditEvents).values({
    tenantId: entry.tenantId,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    requestId: entry.request?.requestId ?? null,
    ip: entry.request?.ip ?? null,
    metadata: entry.metadata ?? {},
  });
}

export type AuditEventDTO = {
  id: string;
  action: string;
  actorType: ActorType;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
};

export async function listAuditEvents(
  tx: Transaction,
  params: { tenantId: string; limit?: number; action?: string },
): Promise<AuditEventDTO[]> {
  return (
    tx
      .select({
        id: auditEvents.id,
        action: auditEvents.action,
        actorType: auditEvents.actorType,
        actorId: auditEvents.actorId,
        targetType: auditEvents.targetType,
        targetId: auditEvents.targetId,
        requestId: auditEvents.requestId,
        metadata: auditEvents.metadata,
        createdAt: auditEvents.createdAt,
      })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.tenantId, params.tenantId),
          params.action ? eq(auditEvents.action, params.action) : undefined,
        ),
      )
      // Newest first; seq is the order the database chained them in, also within one transaction.
      .orderBy(desc(auditEvents.seq))
      .limit(params.limit ?? 50)
  );
}
