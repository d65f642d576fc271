import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { DecryptionError, openBytes, sealBytes } from '@/lib/crypto/envelope';
import { AppError } from '@/lib/errors';

/**
 * The backup file: a magic line, a JSON header line, then the payload (gzipped JSON) sealed with
 * AES-256-GCM. The header names the tenant, the schema version and what sealed it (the tenant's
 * data key of a version, or a passphrase for moving between instances), and carries the SHA-256
 * and length of the sealed bytes. The header is the associated data of the seal, so neither the
 * header nor the payload can be changed without the file being refused.
 */
const MAGIC = Buffer.from('TENANTRY-BACKUP 1\n');
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;

const sealSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tenant-key'), keyVersion: z.number().int().positive() }),
  z.object({
    kind: z.literal('passphrase'),
    salt: z.string().min(16).max(64),
    n: z.number().int().positive(),
    r: z.number().int().positive(),
    p: z.number().int().positive(),
  }),
]);

const headerSchema = z.object({
  format: z.literal('tenantry-backup'),
  backupId: z.guid(),
  tenantId: z.guid(),
  tenantSlug: z.string().min(1).max(63),
  createdAt: z.string().min(1).max(40),
  schemaVersion: z.number().int().positive(),
  seal: sealSchema,
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export type BackupHeader = z.infer<typeof headerSchema>;
export type BackupSeal = z.infer<typeof sealSchema>;
type HeaderFields = Omit<BackupHeader, 'bytes' | 'sha256'>;

const refused = (why: string) =>
  new AppError('invalid_input', `This backup cannot be restored: ${why}. Nothing was changed.`);

function associatedData(header: HeaderFields): Buffer {
  const seal =
    header.seal.kind === 'tenant-key'
      ? [header.seal.kind, header.seal.keyVersion]
      : [header.seal.kind, header.seal.salt, header.seal.n, header.seal.r, header.seal.p];
  return Buffer.from(
    JSON.stringify([
      header.format,
      header.backupId,
      header.tenantId,
      header.tenantSlug,
      header.createdAt,
      header.schemaVersion,
      seal,
    ]),
  );
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A passphrase seal's parameters (a fresh salt) and the key they derive. */
export function passphraseSeal(passphrase: string): {
  seal: Extract<BackupSeal, { kind: 'passphrase' }>;
  key: Buffer;
} {
  if (passphrase.length < 12)
    throw new AppError('invalid_input', 'Use a passphrase of at least 12 characters.');
  const seal = {
    kind: 'passphrase' as const,
    salt: randomBytes(16).toString('base64'),
    n: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
  };
  return { seal, key: passphraseKey(passphrase, seal) };
}

export function passphraseKey(
  passphrase: string,
  seal: Extract<BackupSeal, { kind: 'passphrase' }>,
): Buffer {
  return scryptSync(passphrase, Buffer.from(seal.salt, 'base64'), 32, {
    N: seal.n,
    r: seal.r,
    p: seal.p,
    maxmem: 256 * seal.n * seal.r,
  });
}

/** Writes the file: gzip, seal under `key` with the header bound, header with the checksum. */
export function writeArchive(fields: HeaderFields, payload: Buffer, key: Buffer): Buffer {
  const header = { ...fields, format: 'tenantry-backup' as const };
  const body = sealBytes(key, gzipSync(payload), associatedData(header));
  const full: BackupHeader = { ...header, bytes: body.length, sha256: sha256Hex(body) };
  return Buffer.concat([MAGIC, Buffer.from(`${JSON.stringify(full)}\n`), body]);
}

/**
 * Reads and checks a file's header: the format, then the length and SHA-256 of the sealed bytes
 * (a truncated or altered file is refused here, before any key is used).
 */
export function readArchive(bytes: Uint8Array): { header: BackupHeader; body: Buffer } {
  const file = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!file.subarray(0, MAGIC.length).equals(MAGIC))
    throw refused('it is not a Tenantry backup file');
  const end = file.indexOf(0x0a, MAGIC.length);
  if (end < 0) throw refused('the file is truncated');
  let header: BackupHeader;
  try {
    header = headerSchema.parse(JSON.parse(file.subarray(MAGIC.length, end).toString('utf8')));
  } catch {
    throw refused('its header is damaged');
  }
  const body = file.subarray(end + 1);
  if (body.length !== header.bytes) {
    throw refused(
      body.length < header.bytes ? 'the file is truncated' : 'the file has extra bytes at its end',
    );
  }
  if (sha256Hex(body) !== header.sha256)
    throw refused('its checksum does not match (the file was altered or damaged)');
  return { header, body };
}

/** Opens the payload with the key the header's seal names; a changed header or body fails here. */
export function openArchive(header: BackupHeader, body: Buffer, key: Buffer): Buffer {
  let zipped: Buffer;
  try {
    zipped = openBytes(key, body, associatedData(header));
  } catch (error) {
    if (error instanceof DecryptionError) {
      throw refused(
        header.seal.kind === 'passphrase'
          ? 'the passphrase is wrong, or the file was altered'
          : 'it does not open with this workspace’s key (altered, or from elsewhere)',
      );
    }
    throw error;
  }
  return gunzipSync(zipped);
}
