import 'server-only';
import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Transaction } from '@/db/scope';
import { actorTypes, apiKeys, auditEvents, users, type ActorType } from '@/db/schema';
import { AppError, type FieldErrors } from '@/lib/errors';
import { recordAudit, type Actor, type RequestMeta } from './index';

/** What the log can be narrowed by. `action` ending in "." is a prefix ("auth." = every sign-in event). */
export type AuditFilters = {
  actorType?: ActorType;
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** First UTC day included, `YYYY-MM-DD`. */
  from?: string;
  /** Last UTC day included, `YYYY-MM-DD`. */
  to?: string;
};

/** One event as the viewer and the exports show it, with the actor's name where the tenant may see it. */
export type AuditRecordDTO = {
  id: string;
  seq: number;
  createdAt: Date;
  action: string;
  actorType: ActorType;
  actorId: string | null;
  /** The member's name (or the API key's name); null for a former member, an operator, or no actor. */
  actorName: string | null;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  ip: string | null;
  metadata: Record<string, unknown>;
  /** The event's link in the tenant's hash chain, for checking an export against the database later. */
  hash: string;
};

export type AuditPage = { data: AuditRecordDTO[]; nextCursor: string | null };

export const AUDIT_PAGE_SIZE = 50;
export const AUDIT_EXPORT_MAX = 10_000;

// ---------------------------------------------------------------------------------------------
// The URL's query → filters

/** Query values arrive as strings (or repeated, as arrays); an empty field of a GET form is "no filter". */
const blank = (value: unknown) => {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.trim() === '' ? undefined : first;
};
const field = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());

const pickActor = 'Choose someone from the list.';
const pageSize = 'Show between 1 and 100 events a page.';
const day = z.iso.date({ message: 'Use a date like 2025-01-31.' });

/**
 * The query parameters every log's viewer shares (its GET form, its page links and the export
 * URLs), with the cursor format of that log's paging. `actor` is a member's user id or an actor
 * type (`api_key`, `operator`, `platform`, `system`, `anonymous`, `user` for every member).
 * Parse with `parseLogSearch`, which drops bad values and reports them instead of failing the
 * whole page.
 */
export function logSearchInput(cursor: z.ZodType<string>) {
  return z
    .object({
      actor: field(
        z.union([z.enum(actorTypes, { message: pickActor }), z.uuid({ message: pickActor })], {
          message: pickActor,
        }),
      ),
      action: field(
        z
          .string()
          .trim()
          .max(100, 'Keep the action under 100 characters.')
          .regex(
            /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.?$/,
            'An action looks like document.created, or a prefix like auth.',
          ),
      ),
      targetType: field(
        z
          .string()
          .trim()
          .max(50, 'Keep the target type under 50 characters.')
          .regex(/^[a-z][a-z0-9_]*$/, 'A target type looks like document or api_key.'),
      ),
      targetId: field(z.string().trim().max(200, 'Keep the target id under 200 characters.')),
      from: field(day),
      to: field(day),
      cursor: field(cursor),
      limit: z.preprocess(
        blank,
        z.coerce
          .number({ message: pageSize })
          .int(pageSize)
          .min(1, pageSize)
          .max(100, pageSize)
          .default(AUDIT_PAGE_SIZE),
      ),
    })
    .refine((input) => !input.from || !input.to || input.from <= input.to, {
      path: ['to'],
      message: 'The end date is before the start date.',
    })
    .transform(({ actor, ...rest }) => {
      const filters: AuditFilters & { cursor?: string; limit: number } = { ...rest };
      if (actor && (actorTypes as readonly string[]).includes(actor))
        filters.actorType = actor as ActorType;
      else if (actor) filters.actorId = actor;
      return filters;
    });
}
export type LogSearchSchema = ReturnType<typeof logSearchInput>;
export type LogSearchInput = z.output<LogSearchSchema>;

/** The audit log's query parameters: its cursor is the `seq` of the last event shown. */
export const auditSearchInput = logSearchInput(
  z.string().regex(/^[1-9][0-9]{0,15}$/, 'That page link is not valid.'),
);
export type AuditSearchInput = LogSearchInput;

/**
 * Parses a page's query like the documents list does — a bad value never breaks the page — but
 * field by field: each invalid value is dropped (the rest still filter) and reported, so the
 * form can say which one was ignored.
 */
export function parseLogSearch(
  schema: LogSearchSchema,
  query: Record<string, string | string[] | undefined>,
): { input: LogSearchInput; fieldErrors: FieldErrors } {
  const remaining: Record<string, unknown> = { ...query };
  const fieldErrors: FieldErrors = {};
  let result = schema.safeParse(remaining);
  // At most two rounds fail: the fields, then (once they are valid) the order of the dates.
  for (let round = 0; !result.success && round < 2; round++) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0]);
      (fieldErrors[key] ??= []).push(issue.message);
      delete remaining[key];
    }
    result = schema.safeParse(remaining);
  }
  // Not reached with these fields; should a later one fail twice, the page drops every filter.
  return { input: result.success ? result.data : schema.parse({}), fieldErrors };
}

/** `parseLogSearch` for the audit log. */
export function parseAuditSearch(query: Record<string, string | string[] | undefined>): {
  input: AuditSearchInput;
  fieldErrors: FieldErrors;
} {
  return parseLogSearch(auditSearchInput, query);
}

/** The query string for the same filters: page links and export URLs keep what the viewer chose. */
export function auditSearchQuery(
  filters: AuditFilters & { cursor?: string | null; limit?: number },
): string {
  const query = new URLSearchParams();
  const set = (key: string, value: string | number | null | undefined) => {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  };
  set('actor', filters.actorId ?? filters.actorType);
  set('action', filters.action);
  set('targetType', filters.targetType);
  set('targetId', filters.targetId);
  set('from', filters.from);
  set('to', filters.to);
  if (filters.limit !== AUDIT_PAGE_SIZE) set('limit', filters.limit);
  set('cursor', filters.cursor);
  return query.toString();
}

/** The filters alone, without paging: what an export records about itself (JSON drops the unset). */
export function filtersOf(params: AuditFilters): AuditFilters {
  const { actorType, actorId, action, targetType, targetId, from, to } = params;
  return { actorType, actorId, action, targetType, targetId, from, to };
}

// ---------------------------------------------------------------------------------------------
// Queries

const recordColumns = {
  id: auditEvents.id,
  seq: auditEvents.seq,
  createdAt: auditEvents.createdAt,
  action: auditEvents.action,
  actorType: auditEvents.actorType,
  actorId: auditEvents.actorId,
  userName: users.name,
  userEmail: users.email,
  keyName: apiKeys.name,
  targetType: auditEvents.targetType,
  targetId: auditEvents.targetId,
  requestId: auditEvents.requestId,
  ip: auditEvents.ip,
  metadata: auditEvents.metadata,
  hash: auditEvents.hash,
};

const startOfDay = (date: string) => new Date(`${date}T00:00:00.000Z`);
const startOfNextDay = (date: string) => new Date(startOfDay(date).getTime() + 86_400_000);

/** The columns a log is filtered by: the audit trail and the access and security logs share them. */
export type FilterableLog = Record<
  'actorType' | 'actorId' | 'action' | 'targetType' | 'targetId' | 'createdAt',
  AnyPgColumn
>;

/** The WHERE conditions of `filters` over a log's columns (absent filters add none). */
export function filterConditions(log: FilterableLog, filters: AuditFilters): SQL[] {
  const where: Array<SQL | undefined> = [
    filters.actorType ? eq(log.actorType, filters.actorType) : undefined,
    filters.actorId ? eq(log.actorId, filters.actorId) : undefined,
    filters.action?.endsWith('.')
      ? sql`starts_with(${log.action}, ${filters.action})`
      : filters.action
        ? eq(log.action, filters.action)
        : undefined,
    filters.targetType ? eq(log.targetType, filters.targetType) : undefined,
    filters.targetId ? eq(log.targetId, filters.targetId) : undefined,
    filters.from ? gte(log.createdAt, startOfDay(filters.from)) : undefined,
    filters.to ? lt(log.createdAt, startOfNextDay(filters.to)) : undefined,
  ];
  return where.filter((condition): condition is SQL => condition !== undefined);
}

function conditions(params: AuditFilters & { tenantId: string; beforeSeq?: number }): SQL[] {
  return [
    // Explicit, though RLS would catch its absence: the backstop is not the only guard.
    eq(auditEvents.tenantId, params.tenantId),
    ...(params.beforeSeq !== undefined ? [lt(auditEvents.seq, params.beforeSeq)] : []),
    ...filterConditions(auditEvents, params),
  ];
}

/**
 * Newest first by `seq`, the order the chain numbered them in (index (tenant_id, seq)). Actor
 * names come from `users`, whose policy shows a tenant only its current members: a removed
 * member or an operator keeps just their id. API keys show their name.
 */
function selectRecords(
  tx: Transaction,
  params: AuditFilters & { tenantId: string; beforeSeq?: number },
  limit: number,
) {
  return tx
    .select(recordColumns)
    .from(auditEvents)
    .leftJoin(
      users,
      and(eq(users.id, auditEvents.actorId), inArray(auditEvents.actorType, ['user', 'operator'])),
    )
    .leftJoin(
      apiKeys,
      and(
        eq(apiKeys.tenantId, auditEvents.tenantId),
        eq(apiKeys.id, auditEvents.actorId),
        eq(auditEvents.actorType, 'api_key'),
      ),
    )
    .where(and(...conditions(params)))
    .orderBy(desc(auditEvents.seq))
    .limit(limit);
}

type RecordRow = Awaited<ReturnType<typeof selectRecords>>[number];

function toRecord(row: RecordRow): AuditRecordDTO {
  return {
    id: row.id,
    seq: row.seq,
    createdAt: row.createdAt,
    action: row.action,
    actorType: row.actorType,
    actorId: row.actorId,
    actorName: row.userName ?? row.keyName,
    actorEmail: row.userEmail,
    targetType: row.targetType,
    targetId: row.targetId,
    requestId: row.requestId,
    ip: row.ip,
    metadata: row.metadata,
    hash: row.hash,
  };
}

function decodeCursor(cursor: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(cursor))
    throw new AppError('invalid_input', 'The cursor is not valid.', {
      fieldErrors: { cursor: ['Not a valid cursor.'] },
    });
  return Number(cursor);
}

/** One page of the tenant's audit trail, keyset-paginated on `seq` (no repeats, no skips). */
export async function searchAuditEvents(
  tx: Transaction,
  params: AuditFilters & { tenantId: string; cursor?: string; limit: number },
): Promise<AuditPage> {
  const beforeSeq = params.cursor ? decodeCursor(params.cursor) : undefined;
  const rows = await selectRecords(tx, { ...params, beforeSeq }, params.limit + 1);
  const page = rows.slice(0, params.limit).map(toRecord);
  const last = page.at(-1);
  return {
    data: page,
    nextCursor: rows.length > params.limit && last ? String(last.seq) : null,
  };
}

export type AuditExportFormat = 'csv' | 'json';
export type AuditExport = { rows: AuditRecordDTO[]; truncated: boolean };

/**
 * Every matching event, newest first, up to `max` (10,000): narrow the dates for more. The
 * export is itself data access, so it is audited (`audit.exported`, with its filters and row
 * count) in the same transaction, after the read — the export never contains its own event.
 */
export async function exportAuditEvents(
  tx: Transaction,
  params: AuditFilters & {
    tenantId: string;
    format: AuditExportFormat;
    actor: Actor;
    request?: RequestMeta;
    max?: number;
  },
): Promise<AuditExport> {
  const max = Math.min(params.max ?? AUDIT_EXPORT_MAX, AUDIT_EXPORT_MAX);
  const found = await selectRecords(tx, params, max + 1);
  const rows = found.slice(0, max).map(toRecord);
  const truncated = found.length > max;
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'audit.exported',
    metadata: { format: params.format, filters: filtersOf(params), rows: rows.length, truncated },
    request: params.request,
  });
  return { rows, truncated };
}

// ---------------------------------------------------------------------------------------------
// Export formats

const csvColumns: ReadonlyArray<CsvColumn<AuditRecordDTO>> = [
  ['seq', (row) => String(row.seq)],
  ['created_at', (row) => row.createdAt.toISOString()],
  ['action', (row) => row.action],
  ['actor_type', (row) => row.actorType],
  ['actor_id', (row) => row.actorId ?? ''],
  ['actor_name', (row) => row.actorName ?? ''],
  ['actor_email', (row) => row.actorEmail ?? ''],
  ['target_type', (row) => row.targetType ?? ''],
  ['target_id', (row) => row.targetId ?? ''],
  ['request_id', (row) => row.requestId ?? ''],
  ['ip', (row) => row.ip ?? ''],
  ['metadata', (row) => JSON.stringify(row.metadata)],
  ['hash', (row) => row.hash],
];

/**
 * One CSV cell. A value a spreadsheet would run as a formula (= + - @, or a leading tab or CR)
 * gets a leading apostrophe — names, titles and targets are user input. Then RFC 4180: quoted
 * when it holds a comma, quote or line break, with quotes doubled.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One CSV column: its header and how a row's cell reads. */
export type CsvColumn<T> = readonly [header: string, value: (row: T) => string];

/** RFC 4180 CSV with a header row and CRLF line ends, every cell through `csvCell`. */
export function toCsvWith<T>(columns: ReadonlyArray<CsvColumn<T>>, rows: readonly T[]): string {
  const lines = [
    columns.map(([header]) => header),
    ...rows.map((row) => columns.map(([, value]) => csvCell(value(row)))),
  ];
  return lines.map((cells) => `${cells.join(',')}\r\n`).join('');
}

/** The audit log as CSV; metadata is a JSON cell. */
export function toCsv(rows: readonly AuditRecordDTO[]): string {
  return toCsvWith(csvColumns, rows);
}

/** A JSON array of the events, metadata objects intact, times in ISO 8601 UTC. */
export function toJson(rows: readonly object[]): string {
  return JSON.stringify(rows, null, 2);
}

// ---------------------------------------------------------------------------------------------
// Labels

/** A group of a log's actions, for its filter and its labels. */
export type ActionGroup = {
  prefix: string;
  label: string;
  actions: Readonly<Record<string, string>>;
};

/** Readable names of the actions the application records, grouped by what they are about. */
export const auditActionGroups: ReadonlyArray<ActionGroup> = [
  {
    prefix: 'auth.',
    label: 'Sign-in',
    actions: {
      'auth.signed_in': 'Signed in',
      'auth.signed_out': 'Signed out',
      'auth.sign_in_failed': 'Sign-in failed',
      'auth.mfa_verified': 'Second factor verified',
      'auth.recovery_code_used': 'Recovery code used',
    },
  },
  {
    prefix: 'mfa.',
    label: 'Two-factor',
    actions: {
      'mfa.enrolled': 'Two-factor sign-in turned on',
      'mfa.removed': 'Two-factor sign-in turned off',
      'mfa.recovery_codes_regenerated': 'Recovery codes regenerated',
    },
  },
  {
    prefix: 'document.',
    label: 'Documents',
    actions: {
      'document.created': 'Document created',
      'document.updated': 'Document edited',
      'document.deleted': 'Document deleted',
    },
  },
  {
    prefix: 'member.',
    label: 'Members',
    actions: {
      'member.joined': 'Member joined',
      'member.role_changed': 'Member’s role changed',
      'member.removed': 'Member removed',
    },
  },
  {
    prefix: 'invitation.',
    label: 'Invitations',
    actions: {
      'invitation.created': 'Invitation sent',
      'invitation.revoked': 'Invitation revoked',
      'invitation.accepted': 'Invitation accepted',
      'invitation.accept_failed': 'Invitation acceptance failed',
    },
  },
  {
    prefix: 'api_key.',
    label: 'API keys',
    actions: { 'api_key.created': 'API key created', 'api_key.revoked': 'API key revoked' },
  },
  {
    prefix: 'tenant.',
    label: 'Workspace',
    actions: {
      'tenant.created': 'Workspace created',
      'tenant.settings_updated': 'Settings changed',
      'tenant.session_policy_updated': 'Session policy changed',
      'tenant.mfa_policy_updated': 'Two-factor policy changed',
      'tenant.renamed': 'Workspace renamed',
      'tenant.status_changed': 'Status changed',
      'tenant.plan_changed': 'Plan changed',
      'tenant.metadata_updated': 'Metadata changed',
      'tenant.overrides_updated': 'Plan overrides changed',
    },
  },
  {
    prefix: 'sso.',
    label: 'Single sign-on',
    actions: {
      'sso.configured': 'Single sign-on configured',
      'sso.removed': 'Single sign-on removed',
      'sso.identity_linked': 'Single sign-on identity linked',
    },
  },
  {
    prefix: 'audit.',
    label: 'Audit log',
    actions: { 'audit.exported': 'Audit log exported' },
  },
  {
    prefix: 'billing.',
    label: 'Billing',
    actions: {
      'billing.plan_changed': 'Plan chosen',
      'billing.checkout_started': 'Checkout started',
      'billing.portal_opened': 'Billing portal opened',
      'billing.budget_updated': 'Budget changed',
      'billing.budget_removed': 'Budget removed',
    },
  },
  {
    prefix: 'encryption.',
    label: 'Encryption',
    actions: {
      'encryption.key_rotated': 'Encryption key rotated',
      'encryption.policy_updated': 'Key rotation policy changed',
      'encryption.keys_destroyed': 'Encryption keys destroyed',
    },
  },
  {
    prefix: 'backup.',
    label: 'Backups',
    actions: {
      'backup.requested': 'Backup requested',
      'backup.restore_requested': 'Restore requested',
      'backup.restored': 'Backup restored',
      'backup.exported': 'Exported to another instance',
      'backup.imported': 'Imported from another instance',
      'backup.cloned': 'Created from another workspace’s backup',
    },
  },
  {
    prefix: 'invoice.',
    label: 'Invoices',
    actions: { 'invoice.marked_paid': 'Invoice marked paid', 'invoice.voided': 'Invoice voided' },
  },
];

/**
 * The label function of a log's actions: "document.created" → "Document created", a prefix →
 * "Any … event", and an action without a label reads as its own words.
 */
export function actionLabeller(groups: ReadonlyArray<ActionGroup>): (action: string) => string {
  const actionLabels = new Map(groups.flatMap((group) => Object.entries(group.actions)));
  const prefixLabels = new Map(
    groups.map((group) => [group.prefix, `Any ${group.label.toLowerCase()} event`]),
  );
  return (action) => {
    const known = actionLabels.get(action) ?? prefixLabels.get(action);
    if (known) return known;
    const words = action.replace(/\.$/, '').replaceAll(/[._]+/g, ' ').trim();
    return words.charAt(0).toUpperCase() + words.slice(1);
  };
}

/** "document.created" → "Document created"; an action without a label reads as its own words. */
export const auditActionLabel = actionLabeller(auditActionGroups);
