import 'server-only';
import { desc, eq, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { queryRows, withPlatform, type Transaction } from '@/db/scope';
import {
  keyRotations,
  tenantEncryptionPolicies,
  tenantKeys,
  type TenantKeyStatus,
} from '@/db/schema';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { log } from '@/lib/log';
import { startSchedule } from '@/lib/schedule';
import { newWrappedKey } from './keyring';
import { keyProviders } from './master-key';
import { runRotation, startRotation, type RotationReason } from './rotation';

export type KeyVersionDTO = {
  version: number;
  status: TenantKeyStatus;
  masterKeyId: string;
  createdAt: Date;
  retiredAt: Date | null;
};

export type RotationDTO = {
  id: string;
  targetVersion: number;
  reason: RotationReason;
  status: 'running' | 'done';
  totalRows: number;
  doneRows: number;
  startedAt: Date;
  finishedAt: Date | null;
};

export type EncryptionOverview = {
  keys: KeyVersionDTO[];
  rotationIntervalDays: number | null;
  /** The latest rotation, running or not. */
  rotation: RotationDTO | null;
  /** When the key job rotates next under the policy (null: no interval, or no key yet). */
  nextRotationAt: Date | null;
  destroyed: boolean;
};

type Audited = { tenantId: string; actor: Actor; request?: RequestMeta };

const DAY_MS = 86_400_000;

/** Key versions, policy and rotation progress: the settings page and the console read this. */
export async function encryptionOverview(
  tx: Transaction,
  tenantId: string,
): Promise<EncryptionOverview> {
  const keys = await tx
    .select({
      version: tenantKeys.version,
      status: tenantKeys.status,
      masterKeyId: tenantKeys.kekId,
      createdAt: tenantKeys.createdAt,
      retiredAt: tenantKeys.retiredAt,
    })
    .from(tenantKeys)
    .where(eq(tenantKeys.tenantId, tenantId))
    .orderBy(desc(tenantKeys.version));
  const [policy] = await tx
    .select({ rotationIntervalDays: tenantEncryptionPolicies.rotationIntervalDays })
    .from(tenantEncryptionPolicies)
    .where(eq(tenantEncryptionPolicies.tenantId, tenantId));
  const [rotation] = await tx
    .select({
      id: keyRotations.id,
      targetVersion: keyRotations.targetVersion,
      reason: keyRotations.reason,
      status: keyRotations.status,
      totalRows: keyRotations.totalRows,
      doneRows: keyRotations.doneRows,
      startedAt: keyRotations.startedAt,
      finishedAt: keyRotations.finishedAt,
    })
    .from(keyRotations)
    .where(eq(keyRotations.tenantId, tenantId))
    .orderBy(desc(keyRotations.startedAt))
    .limit(1);
  const interval = policy?.rotationIntervalDays ?? null;
  const active = keys.find((key) => key.status === 'active');
  return {
    keys,
    rotationIntervalDays: interval,
    rotation: rotation ?? null,
    nextRotationAt:
      interval !== null && active ? new Date(active.createdAt.getTime() + interval * DAY_MS) : null,
    destroyed: keys.some((key) => key.status === 'destroyed'),
  };
}

/** "Rotate now" (a security manager or an operator): audited as `encryption.key_rotated`. */
export async function rotateKeyNow(
  tx: Transaction,
  params: Audited,
): Promise<{ rotationId: string; version: number }> {
  const started = await startRotation(tx, {
    tenantId: params.tenantId,
    reason: 'manual',
    requestedBy: params.actor.id ?? undefined,
  });
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'encryption.key_rotated',
    target: { type: 'encryption_key', id: String(started.version) },
    metadata: { version: started.version, reason: 'manual' },
    request: params.request,
  });
  return started;
}

/**
 * Re-encrypts a rotation's rows for up to `budgetMs` (an action runs this after answering, so a
 * small tenant's rotation is done in seconds); errors are logged, and the key job carries on.
 */
export async function continueRotation(rotationId: string, budgetMs = 55_000): Promise<void> {
  try {
    await runRotation(rotationId, { deadline: Date.now() + budgetMs });
  } catch (error) {
    log.error({ err: error, rotationId }, 'encryption.rotation_failed');
  }
}

/** Sets how often the key job rotates on its own (null: only when someone asks). */
export async function saveEncryptionPolicy(
  tx: Transaction,
  params: Audited & { rotationIntervalDays: number | null },
): Promise<void> {
  const [before] = await queryRows<{ rotation_interval_days: number | null }>(
    tx,
    sql`select rotation_interval_days from tenant_encryption_policies where tenant_id = ${params.tenantId}`,
  );
  await tx.execute(
    sql`insert into tenant_encryption_policies (tenant_id, rotation_interval_days, updated_by, updated_at)
        values (${params.tenantId}, ${params.rotationIntervalDays}, ${params.actor.id}, now())
        on conflict (tenant_id) do update
        set rotation_interval_days = excluded.rotation_interval_days,
            updated_by = excluded.updated_by, updated_at = now()`,
  );
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'encryption.policy_updated',
    target: { type: 'tenant', id: params.tenantId },
    metadata: {
      before: { rotationIntervalDays: before?.rotation_interval_days ?? null },
      after: { rotationIntervalDays: params.rotationIntervalDays },
    },
    request: params.request,
  });
}

/**
 * Crypto-shredding: drops every wrapped data key of the tenant, so nothing sealed under them
 * (rows, copies of rows, backups) can be opened again by anyone, and no new key is made. Platform
 * path only; irreversible. Tenant deletion relies on it.
 */
export async function destroyTenantKeys(tx: Transaction, params: Audited): Promise<number> {
  const destroyed = await queryRows<{ version: number }>(
    tx,
    sql`update tenant_keys set status = 'destroyed', wrapped_key = null, retired_at = coalesce(retired_at, now())
        where tenant_id = ${params.tenantId} and status <> 'destroyed' returning version`,
  );
  if (destroyed.length === 0) {
    // A tenant that never sealed anything still gets a tombstone: no key may be made later.
    const { kekId } = await newWrappedKey(params.tenantId);
    await tx.execute(
      sql`insert into tenant_keys (tenant_id, version, wrapped_key, kek_id, status, retired_at)
          values (${params.tenantId}, 1, null, ${kekId}, 'destroyed', now())
          on conflict do nothing`,
    );
  }
  await tx.execute(
    sql`update key_rotations set status = 'done', finished_at = now()
        where tenant_id = ${params.tenantId} and status = 'running'`,
  );
  await recordAudit(tx, {
    tenantId: params.tenantId,
    actor: params.actor,
    action: 'encryption.keys_destroyed',
    target: { type: 'tenant', id: params.tenantId },
    metadata: { versions: destroyed.map((row) => row.version).sort((a, b) => a - b) },
    request: params.request,
  });
  return destroyed.length;
}

/**
 * Master-key rotation: re-wraps every data key still wrapped by an earlier master key under the
 * current one. Only the wrapped keys change; no row is re-encrypted. Idempotent, in batches.
 */
export async function rewrapDataKeys(
  options: { batchSize?: number; tenantIds?: string[]; database?: Database } = {},
): Promise<{ rewrapped: number }> {
  const providers = keyProviders();
  let rewrapped = 0;
  for (;;) {
    const done = await withPlatform(async (tx) => {
      const rows = await queryRows<{
        tenant_id: string;
        version: number;
        wrapped_key: string;
        kek_id: string;
      }>(
        tx,
        sql`select tenant_id, version, wrapped_key, kek_id from tenant_keys
            where wrapped_key is not null and kek_id <> ${providers.current.keyId}
              ${
                options.tenantIds
                  ? sql`and tenant_id in (${sql.join(
                      options.tenantIds.map((id) => sql`${id}::uuid`),
                      sql`, `,
                    )})`
                  : sql``
              }
            order by tenant_id, version limit ${options.batchSize ?? 500}
            for update skip locked`,
      );
      for (const row of rows) {
        const provider = providers.byId.get(row.kek_id);
        if (!provider) {
          throw new AppError(
            'invalid_input',
            `Data keys are wrapped by master key "${row.kek_id}": list it in ENCRYPTION_PREVIOUS_MASTER_KEYS to re-wrap them.`,
          );
        }
        const dataKey = await provider.unwrap(
          Buffer.from(row.wrapped_key, 'base64'),
          row.tenant_id,
        );
        const wrapped = await providers.current.wrap(dataKey, row.tenant_id);
        await tx.execute(
          sql`update tenant_keys set wrapped_key = ${wrapped.toString('base64')}, kek_id = ${providers.current.keyId}
              where tenant_id = ${row.tenant_id} and version = ${row.version}`,
        );
      }
      rewrapped += rows.length;
      return rows.length === 0;
    }, options.database);
    if (done) return { rewrapped };
  }
}

/** Starts the rotations a tenant's policy says are due (oldest active key first). */
export async function startDueRotations(now: Date, database?: Database): Promise<number> {
  const due = await withPlatform(
    (tx) =>
      queryRows<{ tenant_id: string }>(
        tx,
        sql`select k.tenant_id from tenant_encryption_policies p
            join tenant_keys k on k.tenant_id = p.tenant_id and k.status = 'active'
            where p.rotation_interval_days is not null
              and k.created_at <= ${now.toISOString()}::timestamptz - make_interval(days => p.rotation_interval_days)
              and not exists (select 1 from key_rotations r where r.tenant_id = p.tenant_id and r.status = 'running')
            order by k.created_at limit 100`,
      ),
    database,
  );
  let started = 0;
  for (const { tenant_id: tenantId } of due) {
    try {
      await withPlatform(async (tx) => {
        const { version } = await startRotation(tx, { tenantId, reason: 'scheduled' });
        await recordAudit(tx, {
          tenantId,
          actor: { type: 'system', id: null },
          action: 'encryption.key_rotated',
          target: { type: 'encryption_key', id: String(version) },
          metadata: { version, reason: 'scheduled' },
        });
      }, database);
      started += 1;
    } catch (error) {
      log.error({ err: error, tenantId }, 'encryption.scheduled_rotation_failed');
    }
  }
  return started;
}

export type KeyJobReport = { started: number; advanced: number; finished: number };

/**
 * The key job: starts due rotations, then advances running ones (oldest first) until `budgetMs`
 * is spent. A failing tenant is logged and skipped; the next pass retries it.
 */
export async function runKeyJobs(
  options: { now?: Date; budgetMs?: number; database?: Database } = {},
): Promise<KeyJobReport> {
  const deadline = Date.now() + (options.budgetMs ?? 20_000);
  const started = await startDueRotations(options.now ?? new Date(), options.database);
  const running = await withPlatform(
    (tx) =>
      queryRows<{ id: string; tenant_id: string }>(
        tx,
        sql`select id, tenant_id from key_rotations where status = 'running' order by started_at limit 50`,
      ),
    options.database,
  );
  let advanced = 0;
  let finished = 0;
  for (const rotation of running) {
    if (Date.now() >= deadline) break;
    try {
      advanced += 1;
      if (await runRotation(rotation.id, { deadline, database: options.database })) finished += 1;
    } catch (error) {
      log.error({ err: error, tenantId: rotation.tenant_id }, 'encryption.rotation_failed');
    }
  }
  return { started, advanced, finished };
}

const KEY_JOB_INTERVAL_MS = 60_000;
/** Runs the key job every minute in this process (KEY_JOBS=on); returns a stop function. */
export function startKeySchedule(intervalMs = KEY_JOB_INTERVAL_MS): () => void {
  return startSchedule('encryption', () => runKeyJobs(), { intervalMs, firstAfterMs: 5_000 });
}
