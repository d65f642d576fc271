import 'server-only';
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Transaction } from '@/db/scope';
import {
  activityEvents,
  apiKeys,
  users,
  type ActivityChannel,
  type ActivityStream,
  type ActorType,
} from '@/db/schema';
import {
  AUDIT_EXPORT_MAX,
  filterConditions,
  logSearchInput,
  parseLogSearch,
  toCsvWith,
  type AuditFilters,
  type CsvColumn,
  type LogSearchInput,
} from '@/lib/audit';
import { AppError, type FieldErrors } from '@/lib/errors';

/** One access or security event as the viewer and the exports show it. */
export type ActivityRecordDTO = {
  id: string;
  createdAt: Date;
  stream: ActivityStream;
  action: string;
  channel: ActivityChannel | null;
  actorType: ActorType;
  actorId: string | null;
  /** The member's name (or the API key's name); null for a former member, an operator, or no actor. */
  actorName: string | null;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown>;
};

export type ActivityPage = { data: ActivityRecordDTO[]; nextCursor: string | null };

// ---------------------------------------------------------------------------------------------
// Keyset cursor: the last row's exact created_at (as Postgres text, keeping microseconds) and id.

type Cursor = { createdAt: string; id: string };

const cursorShape = z.tuple([z.string().min(1).max(64), z.guid()]);

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function readCursor(cursor: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  try {
    const parsed = cursorShape.safeParse(
      JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')),
    );
    if (!parsed.success || Number.isNaN(Date.parse(parsed.data[0]))) return null;
    return { createdAt: parsed.data[0], id: parsed.data[1] };
  } catch {
    return null;
  }
}

function decodeCursor(cursor: string): Cursor {
  const decoded = readCursor(cursor);
  if (!decoded)
    throw new AppError('invalid_input', 'The cursor is not valid.', {
      fieldErrors: { cursor: ['Not a valid cursor.'] },
    });
  return decoded;
}

/** The access and security logs' query parameters: the audit log's filters, their own cursor. */
export const activitySearchInput = logSearchInput(
  z.string().refine((cursor) => readCursor(cursor) !== null, 'That page link is not valid.'),
);

/** Parses a viewer's query, dropping (and reporting) each bad value, like `parseAuditSearch`. */
export function parseActivitySearch(query: Record<string, string | string[] | undefined>): {
  input: LogSearchInput;
  fieldErrors: FieldErrors;
} {
  return parseLogSearch(activitySearchInput, query);
}

// ---------------------------------------------------------------------------------------------
// Queries

const recordColumns = {
  id: activityEvents.id,
  createdAt: activityEvents.createdAt,
  stream: activityEvents.stream,
  action: activityEvents.action,
  channel: activityEvents.channel,
  actorType: activityEvents.actorType,
  actorId: activityEvents.actorId,
  userName: users.name,
  userEmail: users.email,
  keyName: apiKeys.name,
  targetType: activityEvents.targetType,
  targetId: activityEvents.targetId,
  requestId: activityEvents.requestId,
  ip: activityEvents.ip,
  userAgent: activityEvents.userAgent,
  metadata: activityEvents.metadata,
  cursorAt: sql<string>`${activityEvents.createdAt}::text`,
};

type Query = AuditFilters & { tenantId: string; stream: ActivityStream; after?: Cursor };

function conditions(params: Query): SQL[] {
  return [
    // Explicit, though RLS would catch its absence: the backstop is not the only guard.
    eq(activityEvents.tenantId, params.tenantId),
    eq(activityEvents.stream, params.stream),
    ...(params.after
      ? [
          sql`(${activityEvents.createdAt}, ${activityEvents.id}) < (${params.after.createdAt}::timestamptz, ${params.after.id}::uuid)`,
        ]
      : []),
    ...filterConditions(activityEvents, params),
  ];
}

/**
 * Newest first by (created_at, id) — the order of the index (tenant_id, stream, created_at desc,
 * id desc). Actor names come from `users`, whose policy shows a tenant only its current members:
 * a removed member or an operator keeps just their id. API keys show their name.
 */
function selectRecords(tx: Transaction, params: Query, limit: number) {
  return tx
    .select(recordColumns)
    .from(activityEvents)
    .leftJoin(
      users,
      and(
        eq(users.id, activityEvents.actorId),
        inArray(activityEvents.actorType, ['user', 'operator']),
      ),
    )
    .leftJoin(
      apiKeys,
      and(
        eq(apiKeys.tenantId, activityEvents.tenantId),
        eq(apiKeys.id, activityEvents.actorId),
        eq(activityEvents.actorType, 'api_key'),
      ),
    )
    .where(and(...conditions(params)))
    .orderBy(desc(activityEvents.createdAt), desc(activityEvents.id))
    .limit(limit);
}

type RecordRow = Awaited<ReturnType<typeof selectRecords>>[number];

function toRecord(row: RecordRow): ActivityRecordDTO {
  return {
    id: row.id,
    createdAt: row.createdAt,
    stream: row.stream,
    action: row.action,
    channel: row.channel,
    actorType: row.actorType,
    actorId: row.actorId,
    actorName: row.userName ?? row.keyName,
    actorEmail: row.userEmail,
    targetType: row.targetType,
    targetId: row.targetId,
    requestId: row.requestId,
    ip: row.ip,
    userAgent: row.userAgent,
    metadata: row.metadata,
  };
}

/** One page of the tenant's access or security log, keyset-paginated (no repeats, no skips). */
export async function searchActivityEvents(
  tx: Transaction,
  params: AuditFilters & {
    tenantId: string;
    stream: ActivityStream;
    cursor?: string;
    limit: number;
  },
): Promise<ActivityPage> {
  const after = params.cursor ? decodeCursor(params.cursor) : undefined;
  const rows = await selectRecords(tx, { ...params, after }, params.limit + 1);
  const page = rows.slice(0, params.limit);
  const last = page.at(-1);
  return {
    data: page.map(toRecord),
    nextCursor: rows.length > params.limit && last ? encodeCursor(last.cursorAt, last.id) : null,
  };
}

/** Every matching event, newest first, up to `max` (10,000 at most); for exports. */
export async function readActivityEvents(
  tx: Transaction,
  params: AuditFilters & { tenantId: string; stream: ActivityStream; max?: number },
): Promise<{ rows: ActivityRecordDTO[]; truncated: boolean }> {
  const max = Math.min(params.max ?? AUDIT_EXPORT_MAX, AUDIT_EXPORT_MAX);
  const found = await selectRecords(tx, params, max + 1);
  return { rows: found.slice(0, max).map(toRecord), truncated: found.length > max };
}

// ---------------------------------------------------------------------------------------------
// CSV

const csvColumns: ReadonlyArray<CsvColumn<ActivityRecordDTO>> = [
  ['created_at', (row) => row.createdAt.toISOString()],
  ['action', (row) => row.action],
  ['channel', (row) => row.channel ?? ''],
  ['actor_type', (row) => row.actorType],
  ['actor_id', (row) => row.actorId ?? ''],
  ['actor_name', (row) => row.actorName ?? ''],
  ['actor_email', (row) => row.actorEmail ?? ''],
  ['target_type', (row) => row.targetType ?? ''],
  ['target_id', (row) => row.targetId ?? ''],
  ['request_id', (row) => row.requestId ?? ''],
  ['ip', (row) => row.ip ?? ''],
  ['user_agent', (row) => row.userAgent ?? ''],
  ['metadata', (row) => JSON.stringify(row.metadata)],
  ['id', (row) => row.id],
];

/** The access or security log as RFC 4180 CSV (cells defused like the audit log's). */
export function activityToCsv(rows: readonly ActivityRecordDTO[]): string {
  return toCsvWith(csvColumns, rows);
}
