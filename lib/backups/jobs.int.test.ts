import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { activityEvents, tenantBackups, tenantRestores } from '@/db/schema';
import { queryRows, withPlatform, withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { createDocument } from '@/lib/documents';
import { readArchive } from './archive';
import { requestBackup, requestRestore, runBackupJobs } from './jobs';
import { backupFilename, downloadBackup, listBackups } from './listing';

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

async function tenantWithOwner() {
  const tenant = await createTenant({ plan: 'pro' });
  const owner = await createMember(tenant.id, { role: 'owner' });
  const actor = { type: 'user' as const, id: owner.userId };
  await withTenant(tenant.id, (tx) =>
    createDocument(tx, { tenantId: tenant.id, actor, title: 'Kept', body: 'body' }),
  );
  return { tenant, actor };
}

describe('the backup job, the list and the download', () => {
  it('makes an asked-for backup, lists it, serves its file once recorded, and runs a restore', async () => {
    const { tenant, actor } = await tenantWithOwner();
    await withTenant(tenant.id, (tx) => requestBackup(tx, { tenantId: tenant.id, actor }));
    await expect(
      withTenant(tenant.id, (tx) => requestBackup(tx, { tenantId: tenant.id, actor })),
    ).rejects.toMatchObject({ code: 'conflict' });
    const listedPending = await withTenant(tenant.id, (tx) => listBackups(tx, tenant.id));
    expect(listedPending.backups).toEqual([
      expect.objectContaining({ status: 'pending', kind: 'manual', sha256: null }),
    ]);

    expect(await runBackupJobs({ tenantIds: [tenant.id], schedule: false })).toEqual({
      queued: 0,
      backups: 1,
      restores: 0,
    });
    const { backups } = await withTenant(tenant.id, (tx) => listBackups(tx, tenant.id));
    const [backup] = backups;
    expect(backup).toMatchObject({ status: 'ready', tablesDone: backup!.tablesTotal });
    expect(backup!.tablesTotal).toBeGreaterThan(10);

    const download = await downloadBackup({
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      id: backup!.id,
      actor,
    });
    expect(download.filename).toBe(backupFilename(tenant.slug, backup!.createdAt));
    expect(readArchive(download.file).header).toMatchObject({
      tenantId: tenant.id,
      sha256: expect.any(String),
    });
    const reads = await withTenant(tenant.id, (tx) =>
      tx
        .select({ action: activityEvents.action, targetId: activityEvents.targetId })
        .from(activityEvents)
        .where(eq(activityEvents.tenantId, tenant.id)),
    );
    expect(reads).toContainEqual({ action: 'backup.downloaded', targetId: backup!.id });
    // Another tenant, a malformed or an unknown id: not found, and nothing served.
    const other = await createTenant();
    for (const [tenantId, id] of [
      [other.id, backup!.id],
      [tenant.id, 'not-a-uuid'],
      [tenant.id, '00000000-0000-4000-8000-000000000000'],
    ] as const) {
      await expect(downloadBackup({ tenantId, tenantSlug: 'x', id, actor })).rejects.toMatchObject({
        code: 'not_found',
      });
    }

    await withTenant(tenant.id, (tx) =>
      requestRestore(tx, { tenantId: tenant.id, backupId: backup!.id, actor }),
    );
    expect(await runBackupJobs({ tenantIds: [tenant.id], schedule: false })).toMatchObject({
      restores: 1,
    });
    const { restores } = await withTenant(tenant.id, (tx) => listBackups(tx, tenant.id));
    expect(restores).toEqual([
      expect.objectContaining({ status: 'done', rowsRestored: expect.any(Number), error: null }),
    ]);
  });

  it('records a failed restore with a message and changes nothing, and refuses unready backups', async () => {
    const { tenant, actor } = await tenantWithOwner();
    await withTenant(tenant.id, (tx) => requestBackup(tx, { tenantId: tenant.id, actor }));
    await runBackupJobs({ tenantIds: [tenant.id], schedule: false });
    const [backup] = await withPlatform((tx) =>
      tx.select().from(tenantBackups).where(eq(tenantBackups.tenantId, tenant.id)),
    );
    // The stored file is damaged after the fact (a bad disk, a hand-edited row).
    const damaged = Buffer.from(backup!.archive!);
    damaged[damaged.length - 1]! ^= 0xff;
    await withPlatform((tx) =>
      tx.update(tenantBackups).set({ archive: damaged }).where(eq(tenantBackups.id, backup!.id)),
    );
    const before = await withPlatform((tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from documents where tenant_id = ${tenant.id}`,
      ),
    );
    await withTenant(tenant.id, (tx) =>
      requestRestore(tx, { tenantId: tenant.id, backupId: backup!.id, actor }),
    );
    await runBackupJobs({ tenantIds: [tenant.id], schedule: false });
    const [restore] = await withPlatform((tx) =>
      tx.select().from(tenantRestores).where(eq(tenantRestores.tenantId, tenant.id)),
    );
    expect(restore).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('checksum does not match'),
    });
    const after = await withPlatform((tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from documents where tenant_id = ${tenant.id}`,
      ),
    );
    expect(after).toEqual(before);

    await expect(
      withTenant(tenant.id, (tx) =>
        requestRestore(tx, {
          tenantId: tenant.id,
          backupId: '00000000-0000-4000-8000-000000000000',
          actor,
        }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
    await withPlatform((tx) =>
      tx.update(tenantBackups).set({ status: 'failed' }).where(eq(tenantBackups.id, backup!.id)),
    );
    await expect(
      withTenant(tenant.id, (tx) =>
        requestRestore(tx, { tenantId: tenant.id, backupId: backup!.id, actor }),
      ),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('marks a backup failed when it cannot be made', async () => {
    const { tenant, actor } = await tenantWithOwner();
    const { id } = await withTenant(tenant.id, (tx) =>
      requestBackup(tx, { tenantId: tenant.id, actor }),
    );
    // Its keys destroyed meanwhile: nothing can be sealed for it any more.
    await withPlatform((tx) =>
      tx.execute(
        sql`update tenant_keys set status = 'destroyed', wrapped_key = null where tenant_id = ${tenant.id}`,
      ),
    );
    await runBackupJobs({ tenantIds: [tenant.id], schedule: false });
    const [backup] = await withPlatform((tx) =>
      tx.select().from(tenantBackups).where(eq(tenantBackups.id, id)),
    );
    expect(backup).toMatchObject({ status: 'failed', archive: null });
    expect(backup!.error).toMatch(/destroyed/);
  });
});
