import 'server-only';
import type { Transaction } from '@/db/scope';
import {
  exportAuditEvents,
  filtersOf,
  toCsv,
  toJson,
  type AuditExportFormat,
  type AuditFilters,
} from '@/lib/audit';
import { recordAccess, type ActivityRequest } from './record';
import { activityToCsv, readActivityEvents } from './search';
import type { Actor } from '@/lib/audit';

/** The three logs a tenant can read: changes (audit), reads (access), security events. */
export const logKinds = ['audit', 'access', 'security'] as const;
export type LogKind = (typeof logKinds)[number];

export function isLogKind(value: unknown): value is LogKind {
  return typeof value === 'string' && (logKinds as readonly string[]).includes(value);
}

export type LogExport = { body: string; rows: number; truncated: boolean };

/**
 * Every event of one log that matches the filters (up to 10,000, newest first), serialised as
 * CSV or JSON. An export is a read of tenant data, so it is recorded in the access log
 * (`log.exported`, channel `export`, target the log) in the same transaction, after the read: an
 * access-log export never contains its own event. An audit-log export is also recorded in the
 * audit trail itself (`audit.exported`), so its hash chain covers who took a copy of it.
 */
export async function exportLog(
  tx: Transaction,
  params: AuditFilters & {
    tenantId: string;
    log: LogKind;
    format: AuditExportFormat;
    actor: Actor;
    request?: ActivityRequest;
    max?: number;
  },
): Promise<LogExport> {
  const { tenantId, log, format, actor, request } = params;
  let result: { body: string; rows: number; truncated: boolean };
  if (log === 'audit') {
    const { rows, truncated } = await exportAuditEvents(tx, params);
    result = { body: format === 'csv' ? toCsv(rows) : toJson(rows), rows: rows.length, truncated };
  } else {
    const { rows, truncated } = await readActivityEvents(tx, { ...params, stream: log });
    result = {
      body: format === 'csv' ? activityToCsv(rows) : toJson(rows),
      rows: rows.length,
      truncated,
    };
  }
  await recordAccess(tx, {
    tenantId,
    actor,
    action: 'log.exported',
    channel: 'export',
    target: { type: 'log', id: log },
    metadata: {
      log,
      format,
      filters: filtersOf(params),
      rows: result.rows,
      truncated: result.truncated,
    },
    request,
  });
  return result;
}
