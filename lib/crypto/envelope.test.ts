import { describe, expect, it } from 'vitest';
import {
  DecryptionError,
  generateDataKey,
  keyVersionOf,
  localKeyProvider,
  openField,
  sealField,
  type FieldContext,
} from './envelope';

const tenantA = '00000000-0000-4000-8000-00000000000a';
const tenantB = '00000000-0000-4000-8000-00000000000b';
const row: FieldContext = { tenantId: tenantA, table: 'documents', column: 'body', rowId: 'r1' };

describe('sealed fields', () => {
  const v1 = { version: 1, key: generateDataKey() };
  const v2 = { version: 2, key: generateDataKey() };
  const keys = new Map([
    [1, v1.key],
    [2, v2.key],
  ]);
  const keyOf = (version: number) => keys.get(version)!;

  it('round-trips, naming the key version, with a fresh nonce each time', () => {
    const sealed = sealField(v1, 'Quarterly plan ✓', row);
    expect(sealed).toMatch(/^v1:1:[A-Za-z0-9_-]+$/);
    expect(keyVersionOf(sealed)).toBe(1);
    expect(openField(keyOf, sealed, row)).toBe('Quarterly plan ✓');
    expect(sealField(v1, 'Quarterly plan ✓', row)).not.toBe(sealed);
    expect(openField(keyOf, sealField(v2, '', row), row)).toBe('');
  });

  it('refuses a ciphertext copied into another tenant, row, column or table', () => {
    const sealed = sealField(v1, 'secret', row);
    for (const elsewhere of [
      { ...row, tenantId: tenantB },
      { ...row, rowId: 'r2' },
      { ...row, column: 'title' },
      { ...row, table: 'sso_connections' },
    ])
      expect(() => openField(keyOf, sealed, elsewhere)).toThrow(DecryptionError);
  });

  it('refuses a tampered, truncated or relabelled value', () => {
    const sealed = sealField(v1, 'secret', row);
    const body = Buffer.from(sealed.slice('v1:1:'.length), 'base64url');
    body[body.length - 1]! ^= 1;
    expect(() => openField(keyOf, `v1:1:${body.toString('base64url')}`, row)).toThrow(
      DecryptionError,
    );
    expect(() => openField(keyOf, sealed.slice(0, 12), row)).toThrow(DecryptionError);
    // Claiming another key version changes the associated data, and the key.
    expect(() => openField(keyOf, sealed.replace(/^v1:1:/, 'v1:2:'), row)).toThrow(DecryptionError);
    expect(() => keyVersionOf('plain text')).toThrow(DecryptionError);
  });
});

describe('localKeyProvider', () => {
  it('wraps a data key for one tenant only', async () => {
    const provider = localKeyProvider(generateDataKey());
    const dataKey = generateDataKey();
    const wrapped = await provider.wrap(dataKey, tenantA);
    expect(wrapped.equals(dataKey)).toBe(false);
    expect((await provider.unwrap(wrapped, tenantA)).equals(dataKey)).toBe(true);
    await expect(provider.unwrap(wrapped, tenantB)).rejects.toThrow(DecryptionError);
    await expect(localKeyProvider(generateDataKey()).unwrap(wrapped, tenantA)).rejects.toThrow(
      DecryptionError,
    );
  });

  it('refuses keys of the wrong length', async () => {
    expect(() => localKeyProvider(Buffer.alloc(16))).toThrow(/32 bytes/);
    await expect(
      localKeyProvider(generateDataKey()).wrap(Buffer.alloc(8), tenantA),
    ).rejects.toThrow(/32 bytes/);
    expect(() => sealField({ version: 1, key: Buffer.alloc(31) }, 'x', row)).toThrow(/32 bytes/);
  });
});
