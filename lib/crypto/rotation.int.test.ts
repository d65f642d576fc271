import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { documents, keyRotations, tenantKeys } from '@/db/schema';
import { queryRows, withPlatform, withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import { createDocument, getDocument, updateDocument } from '@/lib/documents';
import { saveSsoConnection } from '@/lib/sso/connections';
import { keyVersionOf, localKeyProvider } from './envelope';
import { readingKeyring } from './keyring';
import { encryptionPolicyInput } from './schemas';
import {
  continueRotation,
  destroyTenantKeys,
  encryptionOverview,
  rewrapDataKeys,
  rotateKeyNow,
  runKeyJobs,
  saveEncryptionPolicy,
  startDueRotations,
} from './management';
import { keyProviders, setKeyProviders } from './master-key';
import { runRotation, stepRotation } from './rotation';

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterEach(() => setKeyProviders(undefined));
afterAll(() => teardownTestDatabase(handle));

async function tenantWithDocuments(count: number) {
  const tenant = await createTenant();
  const member = await createMember(tenant.id, { role: 'admin' });
  const actor = { type: 'user' as const, id: member.userId };
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { id } = await withTenant(tenant.id, (tx) =>
      createDocument(tx, { tenantId: tenant.id, actor, title: `Doc ${i}`, body: `Body ${i}` }),
    );
    ids.push(id);
  }
  return { tenant, actor, ids };
}

/** Key versions the tenant's sealed values name, with how many values name each. */
async function versionsInUse(tenantId: string): Promise<Record<number, number>> {
  const rows = await withPlatform((tx) =>
    tx
      .select({ title: documents.title, body: documents.body })
      .from(documents)
      .where(eq(documents.tenantId, tenantId)),
  );
  const inUse: Record<number, number> = {};
  for (const value of rows.flatMap((row) => [row.title, row.body])) {
    const version = keyVersionOf(value);
    inUse[version] = (inUse[version] ?? 0) + 1;
  }
  return inUse;
}

async function readAll(tenantId: string, ids: string[]) {
  return withTenant(tenantId, async (tx) => {
    const titles: string[] = [];
    for (const id of ids) titles.push((await getDocument(tx, { tenantId, id })).title);
    return titles;
  });
}

const rotateNow = (tenantId: string, actor: { type: 'user'; id: string }) =>
  withTenant(tenantId, (tx) => rotateKeyNow(tx, { tenantId, actor }));

describe('key rotation', () => {
  it('takes new writes on the new version at once and re-seals the rest in resumable batches', async () => {
    const { tenant, actor, ids } = await tenantWithDocuments(7);
    const { rotationId, version } = await rotateNow(tenant.id, actor);
    expect(version).toBe(2);
    const overview = await withTenant(tenant.id, (tx) => encryptionOverview(tx, tenant.id));
    expect(overview.keys.map((key) => [key.version, key.status])).toEqual([
      [2, 'active'],
      [1, 'retiring'],
    ]);
    expect(overview.rotation).toMatchObject({ status: 'running', totalRows: 7, doneRows: 0 });

    // A new document during the rotation is sealed under version 2 straight away.
    const fresh = await withTenant(tenant.id, (tx) =>
      createDocument(tx, { tenantId: tenant.id, actor, title: 'New', body: '' }),
    );
    expect(await versionsInUse(tenant.id)).toEqual({ 1: 14, 2: 2 });

    // The job is killed in the middle of its second batch: that batch rolls back whole.
    expect(await stepRotation(rotationId, { batchSize: 3 })).toBe(false);
    const killed = new Error('killed');
    await expect(
      stepRotation(rotationId, {
        batchSize: 3,
        beforeCommit: () => Promise.reject(killed),
      }),
    ).rejects.toBe(killed);
    const midway = await withTenant(tenant.id, (tx) => encryptionOverview(tx, tenant.id));
    expect(midway.rotation).toMatchObject({ status: 'running', doneRows: 3 });
    // The first batch is the three lowest ids; the new document among them needed nothing.
    const firstBatch = [...ids, fresh.id].sort().slice(0, 3);
    const resealed = firstBatch.filter((id) => id !== fresh.id).length;
    expect(await versionsInUse(tenant.id)).toEqual({ 1: 14 - 2 * resealed, 2: 2 + 2 * resealed });
    // Reads work throughout, whichever version a row is on.
    expect(await readAll(tenant.id, [...ids, fresh.id])).toEqual([
      ...ids.map((_, i) => `Doc ${i}`),
      'New',
    ]);

    // A new run resumes from the last committed batch and finishes.
    expect(await runRotation(rotationId, { batchSize: 3 })).toBe(true);
    expect(await versionsInUse(tenant.id)).toEqual({ 2: 16 });
    const after = await withTenant(tenant.id, (tx) => encryptionOverview(tx, tenant.id));
    expect(after.keys.map((key) => [key.version, key.status])).toEqual([
      [2, 'active'],
      [1, 'retired'],
    ]);
    expect(after.rotation).toMatchObject({ status: 'done', doneRows: 8, totalRows: 8 });
    expect(after.rotation?.finishedAt).toBeInstanceOf(Date);
    // Re-encryption is not an edit: documents keep their updated_at.
    const audit = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'encryption.key_rotated' }),
    );
    expect(audit).toEqual([
      expect.objectContaining({ actorId: actor.id, metadata: { version: 2, reason: 'manual' } }),
    ]);
  });

  it('ends with every row readable and on the new version under concurrent writes', async () => {
    const { tenant, actor, ids } = await tenantWithDocuments(40);
    const { rotationId } = await rotateNow(tenant.id, actor);
    let writing = true;
    const writes: string[] = [];
    const writer = (async () => {
      let i = 0;
      while (writing || i < 10) {
        const id = ids[i % ids.length]!;
        await withTenant(tenant.id, (tx) =>
          updateDocument(tx, { tenantId: tenant.id, actor, id, title: `Edited ${i}`, body: 'x' }),
        );
        const created = await withTenant(tenant.id, (tx) =>
          createDocument(tx, { tenantId: tenant.id, actor, title: `During ${i}`, body: 'y' }),
        );
        writes.push(created.id);
        i += 1;
      }
    })();
    await runRotation(rotationId, { batchSize: 4 });
    writing = false;
    await writer;
    // Whatever the writer did after the walk was sealed under the new version already.
    await runRotation(rotationId, { batchSize: 4 });
    const inUse = await versionsInUse(tenant.id);
    expect(Object.keys(inUse)).toEqual(['2']);
    expect(inUse[2]).toBe(2 * (ids.length + writes.length));
    const titles = await readAll(tenant.id, [...ids, ...writes]);
    expect(titles.every((title) => /^(Doc|Edited|During) \d+$/.test(title))).toBe(true);
    const [rotation] = await withPlatform((tx) =>
      tx.select().from(keyRotations).where(eq(keyRotations.id, rotationId)),
    );
    expect(rotation?.status).toBe('done');
  });

  it('refuses a second rotation while one runs, and re-seals SSO secrets too', async () => {
    const { tenant, actor } = await tenantWithDocuments(1);
    await withTenant(tenant.id, (tx) =>
      saveSsoConnection(tx, {
        tenantId: tenant.id,
        actor,
        input: {
          issuer: 'https://idp.example',
          clientId: 'client',
          clientSecret: 'sso-secret',
          enabled: true,
          enforced: false,
          autoProvisionRole: null,
        },
      }),
    );
    const { rotationId } = await rotateNow(tenant.id, actor);
    await expect(rotateNow(tenant.id, actor)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('already running'),
    });
    await runRotation(rotationId);
    const [stored] = await queryRowsOf<{ client_secret: string }>(
      sql`select client_secret from sso_connections where tenant_id = ${tenant.id}`,
    );
    expect(keyVersionOf(stored!.client_secret)).toBe(2);
    const keyring = await withTenant(tenant.id, (tx) => readingKeyring(tx, tenant.id));
    expect(
      keyring.open(stored!.client_secret, {
        table: 'sso_connections',
        column: 'client_secret',
        rowId: tenant.id,
      }),
    ).toBe('sso-secret');
  });

  it('seals rows written before encryption in the initial rotation the migration queued', async () => {
    const tenant = await createTenant();
    const [legacy] = await withTenant(tenant.id, (tx) =>
      tx
        .insert(documents)
        .values({ tenantId: tenant.id, title: 'Plain title', body: 'Plain body' })
        .returning({ id: documents.id }),
    );
    const [rotation] = await queryRowsOf<{ id: string }>(
      sql`insert into key_rotations (tenant_id, target_version, reason) values (${tenant.id}, 1, 'initial') returning id`,
    );
    expect(await runRotation(rotation!.id)).toBe(true);
    expect(await versionsInUse(tenant.id)).toEqual({ 1: 2 });
    expect(await readAll(tenant.id, [legacy!.id])).toEqual(['Plain title']);
  });

  it('rotates on schedule by the tenant’s policy, through the key job', async () => {
    const { tenant, actor } = await tenantWithDocuments(2);
    await withTenant(tenant.id, (tx) =>
      saveEncryptionPolicy(tx, { tenantId: tenant.id, actor, rotationIntervalDays: 30 }),
    );
    const overview = await withTenant(tenant.id, (tx) => encryptionOverview(tx, tenant.id));
    expect(overview.rotationIntervalDays).toBe(30);
    expect(overview.nextRotationAt!.getTime() - overview.keys[0]!.createdAt.getTime()).toBe(
      30 * 86_400_000,
    );
    // Not due yet; due 31 days on.
    expect(await startDueRotations(new Date())).toBeGreaterThanOrEqual(0);
    expect(
      (await withTenant(tenant.id, (tx) => encryptionOverview(tx, tenant.id))).rotation,
    ).toBeNull();
    await withPlatform((tx) =>
      tx.execute(
        sql`update tenant_keys set created_at = now() - interval '31 days' where tenant_id = ${tenant.id}`,
      ),
    );
    // The job starts it (a zero budget: other suites' rotations in a shared database wait).
    expect(await runKeyJobs({ budgetMs: 0 })).toMatchObject({ started: expect.any(Number) });
    const started = await withTenant(tenant.id, (tx) => encryptionOverview(tx, tenant.id));
    expect(started.rotation).toMatchObject({ reason: 'scheduled', targetVersion: 2 });
    await runRotation(started.rotation!.id);
    const after = await withTenant(tenant.id, (tx) => encryptionOverview(tx, tenant.id));
    expect(after.rotation).toMatchObject({ status: 'done' });
    expect(await versionsInUse(tenant.id)).toEqual({ 2: 4 });
    const audit = await withTenant(tenant.id, (tx) => listAuditEvents(tx, { tenantId: tenant.id }));
    expect(
      audit
        .map((event) => event.action)
        .filter((action) => action.startsWith('encryption.'))
        .sort(),
    ).toEqual(['encryption.key_rotated', 'encryption.policy_updated']);
  });
});

async function queryRowsOf<T>(query: ReturnType<typeof sql>) {
  return withPlatform((tx) => queryRows<T>(tx, query));
}

describe('rotation from the settings page', () => {
  it('re-encrypts right after "Rotate now", and validates the policy form', async () => {
    const { tenant, actor } = await tenantWithDocuments(3);
    const { rotationId } = await rotateNow(tenant.id, actor);
    await continueRotation(rotationId);
    expect(await versionsInUse(tenant.id)).toEqual({ 2: 6 });
    // A rotation that no longer exists (or is done) is simply finished.
    await continueRotation(rotationId);
    expect(encryptionPolicyInput.parse({ rotationIntervalDays: '' })).toEqual({
      rotationIntervalDays: null,
    });
    expect(encryptionPolicyInput.parse({ rotationIntervalDays: '90' })).toEqual({
      rotationIntervalDays: 90,
    });
    expect(encryptionPolicyInput.safeParse({ rotationIntervalDays: '3' }).success).toBe(false);
    expect(encryptionPolicyInput.safeParse({ rotationIntervalDays: '1000' }).success).toBe(false);
  });
});

describe('master key rotation and crypto-shredding', () => {
  it('refuses to re-wrap a key whose master key is not configured', async () => {
    const { tenant } = await tenantWithDocuments(1);
    const stranger = localKeyProvider(randomBytes(32), `gone-${tenant.id.slice(0, 8)}`);
    const wrapped = await stranger.wrap(randomBytes(32), tenant.id);
    await withPlatform((tx) =>
      tx.execute(
        sql`update tenant_keys set wrapped_key = ${wrapped.toString('base64')}, kek_id = ${stranger.keyId} where tenant_id = ${tenant.id}`,
      ),
    );
    try {
      await expect(rewrapDataKeys({ tenantIds: [tenant.id] })).rejects.toMatchObject({
        message: expect.stringContaining('ENCRYPTION_PREVIOUS_MASTER_KEYS'),
      });
    } finally {
      // Leave no key in the shared database that no run could unwrap.
      await withPlatform((tx) =>
        tx.execute(sql`delete from tenant_keys where tenant_id = ${tenant.id}`),
      );
    }
  });

  it('re-wraps data keys under a new master key without touching any row', async () => {
    const { tenant, ids } = await tenantWithDocuments(2);
    const before = await versionsInUse(tenant.id);
    const [sealedBefore] = await queryRowsOf<{ title: string }>(
      sql`select title from documents where id = ${ids[0]!}`,
    );
    const old = keyProviders();
    const next = localKeyProvider(randomBytes(32), `rotated-${tenant.id.slice(0, 8)}`);
    setKeyProviders({ current: next, byId: new Map([...old.byId, [next.keyId, next]]) });
    // Only this tenant's keys: other suites share the database and keep their master key.
    expect((await rewrapDataKeys({ tenantIds: [tenant.id] })).rewrapped).toBe(1);
    const [key] = await withPlatform((tx) =>
      tx.select().from(tenantKeys).where(eq(tenantKeys.tenantId, tenant.id)),
    );
    expect(key?.kekId).toBe(next.keyId);
    // Without the old master key now, the tenant's data still opens.
    setKeyProviders({ current: next, byId: new Map([[next.keyId, next]]) });
    expect(await readAll(tenant.id, ids)).toEqual(['Doc 0', 'Doc 1']);
    const [sealedAfter] = await queryRowsOf<{ title: string }>(
      sql`select title from documents where id = ${ids[0]!}`,
    );
    expect(sealedAfter?.title).toBe(sealedBefore?.title);
    expect(await versionsInUse(tenant.id)).toEqual(before);
    // Put every key back under the test master key for the suites that share this database.
    setKeyProviders({ current: old.current, byId: new Map([...old.byId, [next.keyId, next]]) });
    await rewrapDataKeys({ tenantIds: [tenant.id] });
  });

  it('makes every copy of a tenant’s data unreadable once its keys are destroyed', async () => {
    const { tenant, actor, ids } = await tenantWithDocuments(2);
    const copy = await queryRowsOf<{ id: string; title: string }>(
      sql`select id, title from documents where tenant_id = ${tenant.id}`,
    );
    const destroyed = await withPlatform((tx) =>
      destroyTenantKeys(tx, { tenantId: tenant.id, actor: { type: 'operator', id: null } }),
    );
    expect(destroyed).toBe(1);
    await expect(readAll(tenant.id, ids)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('destroyed'),
    });
    await expect(
      withTenant(tenant.id, (tx) =>
        createDocument(tx, { tenantId: tenant.id, actor, title: 'after', body: '' }),
      ),
    ).rejects.toMatchObject({ code: 'conflict' });
    // Restoring the sealed values elsewhere opens nothing: no key material is left anywhere.
    const keys = await withPlatform((tx) =>
      tx.select().from(tenantKeys).where(eq(tenantKeys.tenantId, tenant.id)),
    );
    expect(keys.map((key) => [key.status, key.wrappedKey])).toEqual([['destroyed', null]]);
    const keyring = await withTenant(tenant.id, (tx) => readingKeyring(tx, tenant.id));
    expect(() =>
      keyring.open(copy[0]!.title, { table: 'documents', column: 'title', rowId: copy[0]!.id }),
    ).toThrow(/destroyed/);

    // A tenant that never sealed anything gets a tombstone, so no key is made later.
    const empty = await createTenant();
    await withPlatform((tx) =>
      destroyTenantKeys(tx, { tenantId: empty.id, actor: { type: 'operator', id: null } }),
    );
    await expect(
      withTenant(empty.id, (tx) =>
        createDocument(tx, { tenantId: empty.id, actor, title: 'x', body: '' }),
      ),
    ).rejects.toMatchObject({ code: 'conflict' });
  });
});
