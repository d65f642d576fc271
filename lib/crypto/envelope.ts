import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Envelope encryption (issue 7, first step): each tenant's data-encryption keys (DEKs) encrypt
 * its fields with AES-256-GCM under a random 96-bit nonce, with the tenant, table, column and
 * row bound as associated data, so a ciphertext copied into another tenant or row fails to
 * open. DEKs are stored only wrapped by a key-encryption key behind KeyProvider, so a cloud KMS
 * can replace the local master key. Every sealed value names its key version.
 */

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

/** Where a sealed value lives: what its associated data binds it to. */
export type FieldContext = { tenantId: string; table: string; column: string; rowId: string };

/** Wraps and unwraps data keys; the local one below, or a cloud KMS behind the same shape. */
export type KeyProvider = {
  /** Names the key-encryption key, stored beside each wrapped key (master-key rotation). */
  readonly keyId: string;
  wrap(dataKey: Buffer, tenantId: string): Promise<Buffer>;
  unwrap(wrapped: Buffer, tenantId: string): Promise<Buffer>;
};

export class DecryptionError extends Error {
  constructor(message = 'The value cannot be decrypted with this key and context.') {
    super(message);
    this.name = 'DecryptionError';
  }
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionError('The value is truncated.');
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new DecryptionError();
  }
}

/** AES-256-GCM over bytes: `nonce ‖ ciphertext ‖ tag`, `aad` bound (backups use it whole). */
export function sealBytes(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  assertKey(key, 'A data key');
  return seal(key, plaintext, aad);
}

/** Opens `sealBytes`'s output; throws DecryptionError when the key, the bytes or `aad` differ. */
export function openBytes(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  assertKey(key, 'A data key');
  return open(key, sealed, aad);
}

function assertKey(key: Buffer, what: string): void {
  if (key.length !== KEY_BYTES) throw new Error(`${what} must be ${KEY_BYTES} bytes`);
}

/** A fresh random data key. */
export function generateDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * The default key provider: data keys wrapped with AES-256-GCM under a master key from
 * configuration, the tenant id bound as associated data (a wrapped key moved to another tenant
 * does not unwrap).
 */
export function localKeyProvider(masterKey: Buffer, keyId = 'local-1'): KeyProvider {
  assertKey(masterKey, 'The master key');
  const aad = (tenantId: string) => Buffer.from(`tenantry:dek:${keyId}:${tenantId}`);
  return {
    keyId,
    wrap: async (dataKey, tenantId) => {
      assertKey(dataKey, 'A data key');
      return seal(masterKey, dataKey, aad(tenantId));
    },
    unwrap: async (wrapped, tenantId) => open(masterKey, wrapped, aad(tenantId)),
  };
}

function fieldAad(version: number, context: FieldContext): Buffer {
  return Buffer.from(
    JSON.stringify([
      FORMAT,
      version,
      context.tenantId,
      context.table,
      context.column,
      context.rowId,
    ]),
  );
}

/** `v1:<key version>:<nonce ‖ ciphertext ‖ tag, base64url>` */
export function sealField(
  dataKey: { version: number; key: Buffer },
  plaintext: string,
  context: FieldContext,
): string {
  assertKey(dataKey.key, 'A data key');
  const sealed = seal(
    dataKey.key,
    Buffer.from(plaintext, 'utf8'),
    fieldAad(dataKey.version, context),
  );
  return `${FORMAT}:${dataKey.version}:${sealed.toString('base64url')}`;
}

/** The key version a sealed value names (to fetch its key, or to find rows still on an old one). */
export function keyVersionOf(sealed: string): number {
  const [format, version] = sealed.split(':', 2);
  const parsed = Number(version);
  if (format !== FORMAT || !Number.isInteger(parsed) || parsed < 1)
    throw new DecryptionError('The value is not a sealed field.');
  return parsed;
}

/** Opens a sealed field with the data key of the version it names; throws DecryptionError. */
export function openField(
  keyOf: (version: number) => Buffer,
  sealed: string,
  context: FieldContext,
): string {
  const version = keyVersionOf(sealed);
  const body = Buffer.from(sealed.slice(sealed.indexOf(':', FORMAT.length + 1) + 1), 'base64url');
  return open(keyOf(version), body, fieldAad(version, context)).toString('utf8');
}
