import 'server-only';
import { sql } from 'drizzle-orm';
import { queryRows, type Transaction } from '@/db/scope';
import { generateDataKey, type KeyProvider } from './envelope';
import { keyringFrom, keysDestroyedError, type KeyRow, type Keyring } from './keys';
import { keyProviders } from './master-key';

/** A new data key wrapped by the current master key, ready to insert. */
export async function newWrappedKey(
  tenantId: string,
  provider: KeyProvider = keyProviders().current,
): Promise<{ wrappedKey: string; kekId: string }> {
  const wrapped = await provider.wrap(generateDataKey(), tenantId);
  return { wrappedKey: wrapped.toString('base64'), kekId: provider.keyId };
}

async function selectKeys(tx: Transaction, tenantId: string, lock: boolean): Promise<KeyRow[]> {
  if (!lock) {
    return queryRows<KeyRow>(
      tx,
      sql`select version, wrapped_key, kek_id, status from tenant_keys where tenant_id = ${tenantId} order by version`,
    );
  }
  // A writer holds the active key row FOR KEY SHARE until it commits, and retiring a version
  // takes FOR UPDATE on it: the key job cannot retire a version a write is still sealing under.
  return queryRows<KeyRow>(
    tx,
    sql`with active as (
          select version from tenant_keys
          where tenant_id = ${tenantId} and status = 'active' for key share
        )
        select k.version, k.wrapped_key, k.kek_id, k.status
        from tenant_keys k left join active a on a.version = k.version
        where k.tenant_id = ${tenantId} order by k.version`,
  );
}

/** The tenant's keys for reading what it stored (no lock; no key is created). */
export async function readingKeyring(tx: Transaction, tenantId: string): Promise<Keyring> {
  return keyringFrom(tenantId, await selectKeys(tx, tenantId, false), keyProviders());
}

/**
 * The tenant's keys for writing: its active version locked until the transaction ends, created
 * (version 1) on the tenant's first sealed write. A tenant whose keys were destroyed cannot
 * write anything sealed again.
 */
export async function writingKeyring(tx: Transaction, tenantId: string): Promise<Keyring> {
  let rows = await selectKeys(tx, tenantId, true);
  if (rows.some((row) => row.status === 'destroyed')) throw keysDestroyedError();
  if (!rows.some((row) => row.status === 'active')) {
    if (rows.length > 0) throw new Error(`Tenant ${tenantId} has keys but none is active.`);
    const { wrappedKey, kekId } = await newWrappedKey(tenantId);
    await tx.execute(
      sql`insert into tenant_keys (tenant_id, version, wrapped_key, kek_id) values (${tenantId}, 1, ${wrappedKey}, ${kekId}) on conflict do nothing`,
    );
    rows = await selectKeys(tx, tenantId, true);
  }
  return keyringFrom(tenantId, rows, keyProviders());
}
