import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { documents, tenantKeys } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { createDocument, getDocument, listDocuments } from '@/lib/documents';
import { DecryptionError, isSealed, localKeyProvider } from './index';
import { keyProviders, keyProvidersFrom, setKeyProviders } from './master-key';
import { readingKeyring, writingKeyring } from './keyring';

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterEach(() => setKeyProviders(undefined));
afterAll(() => teardownTestDatabase(handle));

async function documentIn(tenantId: string, title: string, body = 'secret body') {
  const member = await createMember(tenantId, { role: 'member' });
  return withTenant(tenantId, (tx) =>
    createDocument(tx, {
      tenantId,
      actor: { type: 'user', id: member.userId },
      title,
      body,
    }),
  );
}

const stored = (id: string) =>
  withPlatform(async (tx) => {
    const [row] = await tx
      .select({ title: documents.title, body: documents.body })
      .from(documents)
      .where(eq(documents.id, id));
    return row!;
  });

describe('tenant data keys', () => {
  it('stores document titles and bodies sealed under the tenant’s first key, made on first write', async () => {
    const tenant = await createTenant();
    expect(await withTenant(tenant.id, (tx) => readingKeyring(tx, tenant.id))).toMatchObject({
      activeVersion: null,
    });
    const { id } = await documentIn(tenant.id, 'Quarterly numbers', 'Revenue was 42.');
    const row = await stored(id);
    expect(isSealed(row.title) && isSealed(row.body)).toBe(true);
    expect(row.title.startsWith('v1:1:')).toBe(true);
    expect(`${row.title}${row.body}`).not.toMatch(/Quarterly|Revenue/);
    const keys = await withPlatform((tx) =>
      tx.select().from(tenantKeys).where(eq(tenantKeys.tenantId, tenant.id)),
    );
    expect(keys).toEqual([
      expect.objectContaining({ version: 1, status: 'active', kekId: 'local-1' }),
    ]);
    // The wrapped key is not the data key: only the master key opens it.
    expect(Buffer.from(keys[0]!.wrappedKey!, 'base64').length).toBe(12 + 32 + 16);
    const read = await withTenant(tenant.id, (tx) => getDocument(tx, { tenantId: tenant.id, id }));
    expect(read).toMatchObject({ title: 'Quarterly numbers', body: 'Revenue was 42.' });
  });

  it('refuses a ciphertext copied into another tenant’s row or another row of the same tenant', async () => {
    const acme = await createTenant();
    const globex = await createTenant();
    const source = await documentIn(acme.id, 'Acme only');
    const otherRow = await documentIn(acme.id, 'Another Acme document');
    const globexRow = await documentIn(globex.id, 'Globex document');
    const sealed = await stored(source.id);

    // An attacker with write access to the table copies the sealed title elsewhere.
    await withPlatform(async (tx) => {
      await tx.update(documents).set({ title: sealed.title }).where(eq(documents.id, otherRow.id));
      await tx.update(documents).set({ title: sealed.title }).where(eq(documents.id, globexRow.id));
    });
    await expect(
      withTenant(acme.id, (tx) => getDocument(tx, { tenantId: acme.id, id: otherRow.id })),
    ).rejects.toBeInstanceOf(DecryptionError);
    await expect(
      withTenant(globex.id, (tx) => getDocument(tx, { tenantId: globex.id, id: globexRow.id })),
    ).rejects.toBeInstanceOf(DecryptionError);
    // The same value moved from the title column to the body column of its own row fails too.
    await withPlatform((tx) =>
      tx.update(documents).set({ body: sealed.title }).where(eq(documents.id, source.id)),
    );
    await expect(
      withTenant(acme.id, (tx) => getDocument(tx, { tenantId: acme.id, id: source.id })),
    ).rejects.toBeInstanceOf(DecryptionError);
    // A wrapped key copied from one tenant to another does not unwrap there either.
    await withPlatform((tx) =>
      tx.execute(
        sql`update tenant_keys set wrapped_key = (select wrapped_key from tenant_keys where tenant_id = ${acme.id} and version = 1) where tenant_id = ${globex.id}`,
      ),
    );
    await expect(
      withTenant(globex.id, (tx) => listDocuments(tx, { tenantId: globex.id, limit: 5 })),
    ).rejects.toBeInstanceOf(DecryptionError);
  });

  it('reads values written before encryption as they are, and refuses a key wrapped by an unknown master key', async () => {
    const tenant = await createTenant();
    const [legacy] = await withTenant(tenant.id, (tx) =>
      tx
        .insert(documents)
        .values({ tenantId: tenant.id, title: 'Written before encryption' })
        .returning({ id: documents.id }),
    );
    expect(
      await withTenant(tenant.id, (tx) => getDocument(tx, { tenantId: tenant.id, id: legacy!.id })),
    ).toMatchObject({ title: 'Written before encryption', body: '' });

    await documentIn(tenant.id, 'Sealed');
    setKeyProviders(
      keyProvidersFrom({
        NODE_ENV: 'test',
        PGLITE_DIR: './.data/pglite',
        ENCRYPTION_MASTER_KEY: randomBytes(32).toString('base64'),
        ENCRYPTION_MASTER_KEY_ID: 'other-master',
        ENCRYPTION_PREVIOUS_MASTER_KEYS: undefined,
      }),
    );
    await expect(withTenant(tenant.id, (tx) => readingKeyring(tx, tenant.id))).rejects.toThrow(
      /master key "local-1", which is not configured/,
    );
  });

  it('creates one first key when two writers race for it', async () => {
    const tenant = await createTenant();
    const versions = await Promise.all(
      [1, 2, 3].map(() =>
        withTenant(tenant.id, async (tx) => (await writingKeyring(tx, tenant.id)).activeVersion),
      ),
    );
    expect(versions).toEqual([1, 1, 1]);
    const keys = await withPlatform((tx) =>
      tx.select().from(tenantKeys).where(eq(tenantKeys.tenantId, tenant.id)),
    );
    expect(keys).toHaveLength(1);
  });
});

describe('master key configuration', () => {
  const base = {
    NODE_ENV: 'production' as const,
    PGLITE_DIR: './.data/pglite',
    ENCRYPTION_MASTER_KEY_ID: 'k2',
    ENCRYPTION_PREVIOUS_MASTER_KEYS: undefined,
  };

  it('is required in production, 32 bytes, and lists earlier keys by id', () => {
    expect(() => keyProvidersFrom({ ...base, ENCRYPTION_MASTER_KEY: undefined })).toThrow(
      /ENCRYPTION_MASTER_KEY is not set/,
    );
    expect(() =>
      keyProvidersFrom({ ...base, ENCRYPTION_MASTER_KEY: Buffer.alloc(16).toString('base64') }),
    ).toThrow(/must be 32 bytes/);
    const key = () => randomBytes(32).toString('base64');
    const providers = keyProvidersFrom({
      ...base,
      ENCRYPTION_MASTER_KEY: key(),
      ENCRYPTION_PREVIOUS_MASTER_KEYS: `k1=${key()}, k0=${key()}`,
    });
    expect(providers.current.keyId).toBe('k2');
    expect([...providers.byId.keys()]).toEqual(['k2', 'k1', 'k0']);
    expect(() =>
      keyProvidersFrom({
        ...base,
        ENCRYPTION_MASTER_KEY: key(),
        ENCRYPTION_PREVIOUS_MASTER_KEYS: `k2=${key()}`,
      }),
    ).toThrow(/each id once/);
  });

  it('uses the configured test key here, and a generated development key otherwise', async () => {
    expect(keyProviders().current.keyId).toBe('local-1');
    const dir = `/tmp/tenantry-dev-key-${process.pid}`;
    const config = {
      ...base,
      NODE_ENV: 'development' as const,
      PGLITE_DIR: `${dir}/pglite`,
      ENCRYPTION_MASTER_KEY: undefined,
    };
    const first = keyProvidersFrom(config).current;
    const second = keyProvidersFrom(config).current;
    const wrapped = await first.wrap(randomBytes(32), 't');
    expect((await second.unwrap(wrapped, 't')).length).toBe(32);
    expect(localKeyProvider(randomBytes(32)).keyId).toBe('local-1');
  });
});
