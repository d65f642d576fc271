import 'server-only';
import { withTenant, type Transaction } from '@/db/scope';
import { activityEvents, type ActivityChannel, type ActivityStream } from '@/db/schema';
import type { Actor, RequestMeta } from '@/lib/audit';
import { log, logSecurityEvent, type SecurityEvent } from '@/lib/log';

/** What the logs keep about a request: its id, the client's address and its user agent. */
export type ActivityRequest = RequestMeta & { userAgent?: string | null };

/** Reads of tenant data. A new kind of read adds its name here and a label in labels.ts. */
export type AccessAction =
  | 'document.viewed'
  | 'document.listed'
  | 'log.exported'
  | 'usage.viewed'
  | 'usage.exported'
  | 'invoice.downloaded'
  | 'backup.downloaded';

type Entry = {
  tenantId: string;
  actor: Actor;
  target?: { type: string; id?: string | null };
  metadata?: Record<string, unknown>;
  request?: ActivityRequest;
};

/** One read: who read what, through which channel. */
export type AccessEntry = Entry & { action: AccessAction; channel: ActivityChannel };

/** One security event; `channel` when it is known where the request came from. */
export type SecurityEntry = Entry & { action: SecurityEvent; channel?: ActivityChannel | null };

/** The channel an actor works through: members use the web portal, keys and the platform the API. */
export function channelOf(actor: Actor): ActivityChannel | null {
  if (actor.type === 'user') return 'web';
  if (actor.type === 'api_key' || actor.type === 'platform') return 'api';
  return null;
}

function insert(
  tx: Transaction,
  stream: ActivityStream,
  entry: Entry & { action: string; channel?: ActivityChannel | null },
) {
  return tx.insert(activityEvents).values({
    tenantId: entry.tenantId,
    stream,
    action: entry.action,
    channel: entry.channel ?? null,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    requestId: entry.request?.requestId ?? null,
    ip: entry.request?.ip?.slice(0, 64) ?? null,
    userAgent: entry.request?.userAgent?.slice(0, 512) ?? null,
    metadata: entry.metadata ?? {},
  });
}

/**
 * Records a read in the tenant's access log, in the caller's transaction (one INSERT beside the
 * read it describes). The log is not hash-chained, so this takes no lock: reads never wait on
 * each other.
 */
export async function recordAccess(tx: Transaction, entry: AccessEntry): Promise<void> {
  await insert(tx, 'access', entry);
}

/**
 * Records a security event in the tenant's security log, in the caller's transaction, and writes
 * the pino security line (`security: true`, the event name) that alerting watches. The line is
 * written first, so alerting sees the event even if the transaction later rolls back. E-mail
 * addresses stay in the database row and out of the log line.
 */
export async function recordSecurityEvent(tx: Transaction, entry: SecurityEntry): Promise<void> {
  const { email: _email, ...details } = entry.metadata ?? {};
  logSecurityEvent(entry.action, {
    tenantId: entry.tenantId,
    requestId: entry.request?.requestId,
    ip: entry.request?.ip,
    channel: entry.channel ?? undefined,
    actorType: entry.actor.type,
    actorId: entry.actor.id ?? undefined,
    targetType: entry.target?.type,
    targetId: entry.target?.id ?? undefined,
    ...details,
  });
  await insert(tx, 'security', entry);
}

/**
 * `recordSecurityEvent` in a transaction of its own, for the paths that have none open — or
 * whose transaction is being rolled back (a refusal). Best effort: the pino line is always
 * written, and a failure to store the row is logged, never thrown, so recording a refusal cannot
 * turn it into a 500.
 */
export async function reportSecurityEvent(entry: SecurityEntry): Promise<void> {
  try {
    await withTenant(entry.tenantId, (tx) => recordSecurityEvent(tx, entry));
  } catch (error) {
    log.error(
      { err: error, event: entry.action, tenantId: entry.tenantId },
      'security event not stored',
    );
  }
}
