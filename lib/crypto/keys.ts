import { DecryptionError, keyVersionOf, openField, sealField } from './envelope';
import { AppError } from '@/lib/errors';
import type { KeyProviders } from './master-key';
import type { SealedColumn, SealedTable } from './sealed-columns';

/** Where a value of a sealed column lives (the tenant is the keyring's). */
export type SealedAt<T extends SealedTable = SealedTable> = {
  table: T;
  column: SealedColumn<T>;
  rowId: string;
};

/** A tenant's usable data keys, unwrapped, for one transaction. */
export type Keyring = {
  readonly tenantId: string;
  /** The version new writes use; null when the tenant has no key yet (nothing sealed). */
  readonly activeVersion: number | null;
  /** Seals under the active version (a keyring loaded for writing always has one). */
  seal<T extends SealedTable>(plaintext: string, at: SealedAt<T>): string;
  /** Opens a value sealed under any version this tenant still holds. */
  open<T extends SealedTable>(value: string, at: SealedAt<T>): string;
  /** The data key of a version (backups seal whole archives with it). */
  key(version: number): Buffer;
  /** Re-seals a value under `version` (the key job), or returns it untouched when it is already. */
  reseal<T extends SealedTable>(value: string, at: SealedAt<T>, version: number): string;
};

/** A tenant_keys row as the keyring reads it. */
export type KeyRow = {
  version: number;
  wrapped_key: string | null;
  kek_id: string;
  status: string;
};

const SEALED = /^v1:\d+:[A-Za-z0-9_-]{38,}$/;

/**
 * Whether a stored value is sealed. Values written before encryption existed are plaintext until
 * the key job's initial re-encryption seals them; they read as they are meanwhile.
 */
export function isSealed(value: string): boolean {
  return SEALED.test(value);
}

// Unwrapping goes to the key provider (a KMS call in a cloud set-up): keep what was unwrapped,
// keyed by the wrapped bytes, so a re-wrapped or destroyed key is never served from here.
const MAX_CACHED_KEYS = 10_000;
const unwrapped = new Map<string, Buffer>();

async function unwrapKey(providers: KeyProviders, tenantId: string, row: KeyRow): Promise<Buffer> {
  const provider = providers.byId.get(row.kek_id);
  if (!provider) {
    throw new Error(
      `Data key ${row.version} of tenant ${tenantId} is wrapped by master key "${row.kek_id}", which is not configured (ENCRYPTION_PREVIOUS_MASTER_KEYS).`,
    );
  }
  const cacheKey = `${tenantId}:${row.version}:${row.kek_id}:${row.wrapped_key}`;
  const cached = unwrapped.get(cacheKey);
  if (cached) return cached;
  const key = await provider.unwrap(Buffer.from(row.wrapped_key!, 'base64'), tenantId);
  if (unwrapped.size >= MAX_CACHED_KEYS) unwrapped.delete(unwrapped.keys().next().value!);
  unwrapped.set(cacheKey, key);
  return key;
}

/** A tenant whose keys were destroyed (crypto-shredding): its sealed data is gone for good. */
export function keysDestroyedError(): AppError {
  return new AppError(
    'conflict',
    "This workspace's encryption keys have been destroyed; its data can no longer be read or written.",
  );
}

/** The keyring of a tenant's key rows: each wrapped key unwrapped by the provider that wrapped it. */
export async function keyringFrom(
  tenantId: string,
  rows: KeyRow[],
  providers: KeyProviders,
): Promise<Keyring> {
  const keys = new Map<number, Buffer>();
  await Promise.all(
    rows
      .filter((row) => row.wrapped_key !== null)
      .map(async (row) => keys.set(row.version, await unwrapKey(providers, tenantId, row))),
  );
  const activeVersion = rows.find((row) => row.status === 'active')?.version ?? null;
  const destroyed = rows.some((row) => row.status === 'destroyed');
  const keyOf = (version: number) => {
    const key = keys.get(version);
    if (!key) {
      if (destroyed) throw keysDestroyedError();
      throw new DecryptionError(`Key version ${version} is not one of this tenant's keys.`);
    }
    return key;
  };
  const context = (at: SealedAt) => ({ tenantId, ...at });
  const sealWith = (version: number, plaintext: string, at: SealedAt) =>
    sealField({ version, key: keyOf(version) }, plaintext, context(at));
  const open = (value: string, at: SealedAt) =>
    isSealed(value) ? openField(keyOf, value, context(at)) : value;
  return {
    tenantId,
    activeVersion,
    seal(plaintext, at) {
      if (activeVersion === null) throw new Error('This keyring was not loaded for writing.');
      return sealWith(activeVersion, plaintext, at);
    },
    open,
    key: keyOf,
    reseal(value, at, version) {
      if (isSealed(value) && keyVersionOf(value) === version) return value;
      return sealWith(version, open(value, at), at);
    },
  };
}
