import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { codeSchemaVersion } from '@/db/migrate';
import { tenantBackups } from '@/db/schema';
import { queryRows, withPlatform, withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import { readingKeyring } from '@/lib/crypto';
import { createDocument, getDocument } from '@/lib/documents';
import { startEnrolment } from '@/lib/mfa/factors';
import { saveSsoConnection } from '@/lib/sso/connections';
import { passphraseSeal, readArchive, sha256Hex, writeArchive } from './archive';
import {
  buildBackupFile,
  openBackupFile,
  performRestore,
  produceBackup,
  queueScheduledBackups,
  requestBackup,
  requestRestore,
} from './jobs';
import { mapSealedColumns, openSealed, type BackupPayload } from './payload';
import { restorePayload, upgradePayload } from './restore';
import { cloneBackup } from './transfer';
import { backedUpTables, notBackedUp } from './tables';

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await setupTestDatabase();
});
afterAll(() => teardownTestDatabase(handle));

const rows = <T>(query: ReturnType<typeof sql>) => withPlatform((tx) => queryRows<T>(tx, query));

/**
 * Statements no application role may run (the audit and access logs are append-only): as the
 * database superuser, to wipe a tenant completely before restoring it.
 */
async function asSuperuser(statements: ReturnType<typeof sql>[]): Promise<void> {
  if (inject('testDb') === 'pglite') {
    // The embedded database's session is a superuser that switched to the login role.
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`set local role postgres`);
      for (const statement of statements) await tx.execute(statement);
    });
    return;
  }
  const url = new URL(inject('databaseUrl'));
  url.username = 'postgres';
  url.password = '';
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  try {
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const db = drizzle(pool);
    for (const statement of statements) await db.execute(statement);
  } finally {
    await pool.end();
  }
}

/** A tenant with at least one row in every backed-up table. */
async function fullTenant() {
  const tenant = await createTenant({ plan: 'pro' });
  const owner = await createMember(tenant.id, { role: 'owner', name: 'Olga Owner' });
  const actor = { type: 'user' as const, id: owner.userId };
  const t = tenant.id;
  await withTenant(t, async (tx) => {
    await createDocument(tx, { tenantId: t, actor, title: 'Plan', body: 'Secret body ✓' });
    await createDocument(tx, { tenantId: t, actor, title: 'Second', body: '' });
    await saveSsoConnection(tx, {
      tenantId: t,
      actor,
      input: {
        issuer: 'https://idp.example',
        clientId: 'client',
        clientSecret: 'sso-secret',
        enabled: true,
        enforced: false,
        autoProvisionRole: null,
      },
    });
    await startEnrolment(tx, { tenantId: t, membershipId: owner.membershipId });
  });
  const [role] = await rows<{ id: string }>(
    sql`insert into tenant_roles (tenant_id, name, permissions) values (${t}, 'Editors', '{documents:read}') returning id`,
  );
  const editor = await createMember(t, { role: 'member' });
  const period = '2026-10-01T00:00:00Z';
  await withPlatform(async (tx) => {
    await tx.execute(
      sql`update memberships set role = 'custom', custom_role_id = ${role!.id} where id = ${editor.membershipId}`,
    );
    await tx.execute(sql`insert into invitations (tenant_id, email, role, token_hash, expires_at)
      values (${t}, ${`invitee-${t.slice(0, 8)}@example.com`}, 'member', ${randomUUID()}, now() + interval '7 days')`);
    await tx.execute(sql`insert into api_keys (tenant_id, name, prefix, key_hash, scopes)
      values (${t}, 'CI', ${`tk_${t.slice(0, 8)}`}, ${randomUUID()}, '{documents:read}')`);
    await tx.execute(sql`insert into mfa_recovery_codes (tenant_id, membership_id, code_hash)
      values (${t}, ${owner.membershipId}, ${randomUUID()})`);
    await tx.execute(sql`insert into sso_identities (tenant_id, membership_id, issuer, subject)
      values (${t}, ${owner.membershipId}, 'https://idp.example', 'sub-1')`);
    await tx.execute(
      sql`insert into tenant_encryption_policies (tenant_id, rotation_interval_days) values (${t}, 90)`,
    );
    await tx.execute(
      sql`insert into billing_budgets (tenant_id, amount, updated_by) values (${t}, 5000, ${owner.userId})`,
    );
    await tx.execute(sql`insert into billing_accounts (tenant_id, plan) values (${t}, 'pro')`);
    const [invoice] = await queryRows<{ id: string }>(
      tx,
      sql`insert into invoices (tenant_id, number, source, status, period_start, period_end, subtotal, total, amount_due)
          values (${t}, ${`INV-${t.slice(0, 8)}`}, 'internal', 'open', ${period}, '2026-11-01T00:00:00Z', 2900, 2900, 2900) returning id`,
    );
    await tx.execute(sql`insert into invoice_lines (tenant_id, invoice_id, position, kind, description, quantity, amount)
      values (${t}, ${invoice!.id}, 1, 'plan', 'Pro plan', 1.5, 2900)`);
    await tx.execute(sql`insert into meter_reports (tenant_id, metric, period_start, identifier, quantity, cumulative)
      values (${t}, 'api_calls', ${period}, ${`tenantry:${t}:api_calls`}, 12345678901234567890.5, 1)`);
    await tx.execute(sql`insert into meter_reconciliations (tenant_id, metric, period_start, expected, reported, matches)
      values (${t}, 'api_calls', ${period}, 10, 10, true)`);
    await tx.execute(sql`insert into budget_alerts (tenant_id, period_start, threshold, spend, budget)
      values (${t}, ${period}, 80, 4000, 5000)`);
    await tx.execute(sql`insert into usage_events (tenant_id, metric, value, idempotency_key, occurred_at, source)
      values (${t}, 'api_calls', 0.1, ${randomUUID()}, now(), 'api')`);
    await tx.execute(sql`insert into usage_rollups (tenant_id, metric, granularity, bucket_start, value, events)
      values (${t}, 'api_calls', 'month', ${period}, 0.30000000000000004, 3)`);
    await tx.execute(sql`insert into usage_notifications (tenant_id, metric, period_start, threshold, used, allowance, policy)
      values (${t}, 'api_calls', ${period}, 80, 8000, 10000, 'notify')`);
    await tx.execute(sql`insert into activity_events (tenant_id, stream, action, actor_type)
      values (${t}, 'access', 'document.viewed', 'user')`);
  });
  return { tenant, owner, actor };
}

/** Every backed-up table's rows of the tenant, sealed columns opened: what must come back. */
async function contentOf(tenantId: string): Promise<Record<string, string>> {
  return withPlatform(async (tx) => {
    const keyring = await readingKeyring(tx, tenantId);
    const content: Record<string, string> = {};
    for (const { table } of backedUpTables) {
      const [result] = await queryRows<{ rows: string }>(
        tx,
        sql`select coalesce(json_agg(t order by t::text)::text, '[]') as rows
            from ${sql.identifier(table)} t where tenant_id = ${tenantId}`,
      );
      content[table] = mapSealedColumns(table, result!.rows, openSealed(keyring));
    }
    return content;
  });
}

async function backupOf(tenantId: string, actor: { type: 'user'; id: string }) {
  const { id } = await withTenant(tenantId, (tx) => requestBackup(tx, { tenantId, actor }));
  expect(await produceBackup(id)).toBe(true);
  const [backup] = await withPlatform((tx) =>
    tx.select().from(tenantBackups).where(eq(tenantBackups.id, id)),
  );
  return backup!;
}

describe('tenant backups', () => {
  it('cover every table that holds tenant rows, or say why not', async () => {
    const tables = await rows<{ table_name: string }>(
      sql`select table_name from information_schema.columns
          where table_schema = 'public' and column_name = 'tenant_id' order by 1`,
    );
    const covered = [...backedUpTables.map(({ table }) => table), ...Object.keys(notBackedUp)];
    expect(tables.map((row) => row.table_name).sort()).toEqual([...covered].sort());
  });

  it('backup → delete everything → restore gives back every table’s rows byte for byte', async () => {
    const { tenant, actor } = await fullTenant();
    const backup = await backupOf(tenant.id, actor);
    // What the backup saw (asking for it wrote one audit event first).
    const before = await contentOf(tenant.id);
    for (const { table } of backedUpTables) {
      expect(JSON.parse(before[table]!), `${table} has rows to back up`).not.toEqual([]);
    }
    expect(backup).toMatchObject({ status: 'ready', kind: 'manual', keyVersion: 1 });
    expect(backup.schemaVersion).toBe(codeSchemaVersion());
    expect(backup.sha256).toBe(sha256Hex(backup.archive!));
    expect(backup.tablesDone).toBe(backedUpTables.length);
    // The file is sealed: nothing of the tenant's content shows in it.
    expect(backup.archive!.toString('latin1')).not.toMatch(/Secret body|sso-secret|Olga/);

    await asSuperuser(
      [...backedUpTables]
        .reverse()
        .map(
          ({ table }) => sql`delete from ${sql.identifier(table)} where tenant_id = ${tenant.id}`,
        ),
    );
    const emptied = await contentOf(tenant.id);
    expect(
      Object.entries(emptied)
        .filter(([, json]) => json !== '[]')
        .map(([table]) => table),
    ).toEqual([]);

    const { payload } = await withPlatform((tx) => openBackupFile(tx, backup.archive!));
    const written = await withPlatform((tx) =>
      restorePayload(tx, payload, { mode: 'replace', tenantId: tenant.id }),
    );
    expect(written).toBe(backup.rowCount);
    const after = await contentOf(tenant.id);
    for (const { table } of backedUpTables) expect(after[table], table).toBe(before[table]);
    // The audit chain is rebuilt link for link (seq, prev_hash, hash), not just row for row.
    expect(after.audit_events).toContain('"prev_hash"');
  });

  it('restores on request in one transaction, audited, and keeps later log entries', async () => {
    const { tenant, actor } = await fullTenant();
    const backup = await backupOf(tenant.id, actor);
    await withTenant(tenant.id, (tx) =>
      createDocument(tx, { tenantId: tenant.id, actor, title: 'After the backup', body: '' }),
    );
    const { id } = await withTenant(tenant.id, (tx) =>
      requestRestore(tx, { tenantId: tenant.id, backupId: backup.id, actor }),
    );
    await expect(
      withTenant(tenant.id, (tx) =>
        requestRestore(tx, { tenantId: tenant.id, backupId: backup.id, actor }),
      ),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await performRestore(id)).toBe(true);
    const [restore] = await rows<{ status: string; rows_restored: number }>(
      sql`select status, rows_restored from tenant_restores where id = ${id}`,
    );
    expect(restore?.status).toBe('done');
    const titles = await withTenant(tenant.id, async (tx) => {
      const docs = await queryRows<{ id: string }>(
        tx,
        sql`select id from documents where tenant_id = ${tenant.id}`,
      );
      return Promise.all(
        docs.map(async (doc) => (await getDocument(tx, { tenantId: tenant.id, id: doc.id })).title),
      );
    });
    expect(titles.sort()).toEqual(['Plan', 'Second']);
    const events = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, limit: 100 }),
    );
    const actions = events.map((event) => event.action);
    // The log is append-only: the document created after the backup keeps its audit event.
    expect(actions.filter((action) => action === 'document.created')).toHaveLength(3);
    expect(actions).toContain('backup.restored');
    expect(actions).toContain('backup.restore_requested');
  });

  it('refuses a tampered or truncated file and changes nothing', async () => {
    const { tenant, actor } = await fullTenant();
    const backup = await backupOf(tenant.id, actor);
    const before = await contentOf(tenant.id);
    const file = backup.archive!;
    const restoreFile = (bytes: Buffer) =>
      withPlatform(async (tx) => {
        const { payload } = await openBackupFile(tx, bytes);
        return restorePayload(tx, payload, { mode: 'replace', tenantId: tenant.id });
      });

    const flipped = Buffer.from(file);
    flipped[flipped.length - 40]! ^= 0x01;
    await expect(restoreFile(flipped)).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('checksum does not match'),
    });
    await expect(restoreFile(file.subarray(0, file.length - 100))).rejects.toThrow(
      /truncated.*Nothing was changed/,
    );
    await expect(restoreFile(Buffer.from('not a backup'))).rejects.toThrow(/not a Tenantry backup/);
    // An altered header with a recomputed checksum still fails: the header is sealed in.
    const { header, body } = readArchive(file);
    const forged = Buffer.from(
      `TENANTRY-BACKUP 1\n${JSON.stringify({ ...header, tenantSlug: 'someone-else' })}\n`,
    );
    await expect(restoreFile(Buffer.concat([forged, body]))).rejects.toThrow(
      /does not open with this workspace’s key/,
    );
    // A body altered with its checksum recomputed fails the seal too.
    const alteredBody = Buffer.from(body);
    alteredBody[20]! ^= 0xff;
    const reheadered = Buffer.concat([
      Buffer.from(
        `TENANTRY-BACKUP 1\n${JSON.stringify({ ...header, sha256: sha256Hex(alteredBody) })}\n`,
      ),
      alteredBody,
    ]);
    await expect(restoreFile(reheadered)).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await contentOf(tenant.id)).toEqual(before);
  });

  it('clones into a new tenant with new ids, without credentials or billing history', async () => {
    const { tenant, actor } = await fullTenant();
    const backup = await backupOf(tenant.id, actor);
    const clone = await createTenant({ plan: 'pro' });
    await withPlatform(async (tx) => {
      const { payload } = await openBackupFile(tx, backup.archive!);
      await restorePayload(tx, payload, { mode: 'clone', tenantId: clone.id });
    });
    const [source, copy] = await Promise.all([contentOf(tenant.id), contentOf(clone.id)]);
    expect(JSON.parse(copy.api_keys!)).toEqual([]);
    expect(JSON.parse(copy.invoices!)).toEqual([]);
    expect(JSON.parse(copy.mfa_factors!)).toEqual([]);
    const docs = (json: string) =>
      (JSON.parse(json) as Array<{ id: string; title: string; body: string }>)
        .map(({ title, body }) => ({ title, body }))
        .sort((a, b) => a.title.localeCompare(b.title));
    expect(docs(copy.documents!)).toEqual(docs(source.documents!));
    const ids = (json: string) => (JSON.parse(json) as Array<{ id: string }>).map((row) => row.id);
    expect(ids(copy.documents!).some((id) => ids(source.documents!).includes(id))).toBe(false);
    // The same people are members of the clone, and custom roles point at the clone's roles.
    expect(JSON.parse(copy.memberships!)).toHaveLength(2);
    const [custom] = JSON.parse(copy.memberships!).filter(
      (m: { role: string }) => m.role === 'custom',
    ) as Array<{ custom_role_id: string }>;
    expect(ids(copy.tenant_roles!)).toContain(custom!.custom_role_id);
    // The clone's sealed values are under the clone's own key and open there.
    const [sealedSecret] = await rows<{ client_secret: string }>(
      sql`select client_secret from sso_connections where tenant_id = ${clone.id}`,
    );
    expect(sealedSecret!.client_secret).toMatch(/^v1:1:/);
    expect(JSON.parse(copy.sso_connections!)[0].client_secret).toBe('sso-secret');
  });

  it('lets an operator clone a ready backup into a new tenant, refusing a taken address', async () => {
    const { tenant, actor } = await fullTenant();
    const backup = await backupOf(tenant.id, actor);
    const operator = { type: 'operator' as const, id: null };
    const slug = `clone-${tenant.id.slice(0, 8)}`;
    const cloned = await withPlatform((tx) =>
      cloneBackup(tx, {
        sourceTenantId: tenant.id,
        backupId: backup.id,
        slug,
        name: 'The clone',
        actor: operator,
      }),
    );
    expect(cloned).toMatchObject({ slug, rows: expect.any(Number) });
    const [row] = await rows<{ name: string; plan: string }>(
      sql`select name, plan from tenants where id = ${cloned.tenantId}`,
    );
    expect(row).toEqual({ name: 'The clone', plan: 'free' });
    const docs = JSON.parse((await contentOf(cloned.tenantId)).documents!) as Array<{
      title: string;
    }>;
    expect(docs.map((doc) => doc.title).sort()).toEqual(['Plan', 'Second']);
    await expect(
      withPlatform((tx) =>
        cloneBackup(tx, {
          sourceTenantId: tenant.id,
          backupId: backup.id,
          slug,
          name: 'Again',
          actor: operator,
        }),
      ),
    ).rejects.toMatchObject({ code: 'slug_taken' });
    // Another tenant's backup id is not found from this tenant.
    await expect(
      withPlatform((tx) =>
        cloneBackup(tx, {
          sourceTenantId: cloned.tenantId,
          backupId: backup.id,
          slug: `${slug}-x`,
          name: 'Nope',
          actor: operator,
        }),
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('moves between instances sealed with a passphrase, and creates missing accounts', async () => {
    const { tenant } = await fullTenant();
    const sealed = passphraseSeal('correct horse battery staple');
    const { file } = await buildBackupFile(tenant.id, {
      backupId: randomUUID(),
      createdAt: new Date(),
      seal: sealed,
    });
    await expect(withPlatform((tx) => openBackupFile(tx, file))).rejects.toThrow(/passphrase/);
    await expect(
      withPlatform((tx) => openBackupFile(tx, file, passphraseSeal('wrong passphrase!').key)),
    ).rejects.toThrow(/passphrase is wrong/);
    const { payload } = await withPlatform((tx) => openBackupFile(tx, file, sealed.key));
    // On another instance the accounts do not exist yet: pretend so by renaming them here.
    const users = JSON.parse(payload.users) as Array<{ id: string; email: string }>;
    const moved = {
      ...payload,
      users: JSON.stringify(users.map((u) => ({ ...u, email: `moved-${u.email}` }))),
    };
    const clone = await createTenant();
    const written = await withPlatform((tx) =>
      restorePayload(tx, moved, { mode: 'clone', tenantId: clone.id }),
    );
    expect(written).toBeGreaterThan(0);
    const created = await rows<{ email: string; platform_role: string | null }>(
      sql`select email, platform_role from users where email in (${sql.join(
        users.map((u) => sql`${`moved-${u.email}`}`),
        sql`, `,
      )})`,
    );
    expect(created).toHaveLength(users.length);
    expect(created.every((user) => user.platform_role === null)).toBe(true);
  });

  it('migrates a payload from an older schema version and refuses one from a newer', async () => {
    const { tenant } = await fullTenant();
    const { file } = await buildBackupFile(tenant.id, {
      backupId: randomUUID(),
      createdAt: new Date(),
    });
    const { payload } = await withPlatform((tx) => openBackupFile(tx, file));
    const current = codeSchemaVersion();
    // An older payload whose documents had no updated_at and called the title "name".
    const older: BackupPayload = {
      ...payload,
      schemaVersion: current - 1,
      tables: {
        ...payload.tables,
        documents: JSON.stringify(
          (JSON.parse(payload.tables.documents!) as Array<Record<string, unknown>>).map(
            ({ updated_at: _updated, title, ...rest }) => ({ ...rest, name: title }),
          ),
        ),
      },
    };
    const upgraded = upgradePayload(older, current, [
      {
        to: current,
        upgrade: (old) => ({
          ...old,
          tables: {
            ...old.tables,
            documents: JSON.stringify(
              (JSON.parse(old.tables.documents!) as Array<Record<string, unknown>>).map(
                ({ name, ...rest }) => ({ ...rest, title: name }),
              ),
            ),
          },
        }),
      },
    ]);
    expect(upgraded.schemaVersion).toBe(current);
    const clone = await createTenant();
    await withPlatform((tx) => restorePayload(tx, upgraded, { mode: 'clone', tenantId: clone.id }));
    const docs = JSON.parse((await contentOf(clone.id)).documents!) as Array<{
      title: string;
      updated_at: string | null;
    }>;
    expect(docs.map((doc) => doc.title).sort()).toEqual(['Plan', 'Second']);
    expect(docs.every((doc) => doc.updated_at !== null)).toBe(true);
    expect(() => upgradePayload({ ...payload, schemaVersion: current + 1 }, current)).toThrow(
      /made by a newer Tenantry/,
    );
  });

  it('queues a daily scheduled backup and keeps as many as the plan says', async () => {
    const tenant = await createTenant({ plan: 'free' });
    const now = new Date();
    expect(await queueScheduledBackups(now, { tenantIds: [tenant.id] })).toBe(1);
    expect(await queueScheduledBackups(now, { tenantIds: [tenant.id] })).toBe(0);
    const made: string[] = [];
    for (let day = 0; day < 5; day += 1) {
      const [pending] = await rows<{ id: string }>(
        sql`select id from tenant_backups where tenant_id = ${tenant.id} and status = 'pending'`,
      );
      await produceBackup(pending!.id);
      made.push(pending!.id);
      await withPlatform((tx) =>
        tx.execute(
          sql`update tenant_backups set created_at = created_at - interval '25 hours' where tenant_id = ${tenant.id}`,
        ),
      );
      await queueScheduledBackups(new Date(), { tenantIds: [tenant.id] });
    }
    const kept = await rows<{ id: string }>(
      sql`select id from tenant_backups where tenant_id = ${tenant.id} and status = 'ready' order by created_at desc`,
    );
    // Free keeps 3: the newest three of the five.
    expect(kept.map((row) => row.id)).toEqual(made.slice(-3).reverse());
  });

  it('seals an archive so that only the right key opens it', () => {
    const key = Buffer.alloc(32, 7);
    const file = writeArchive(
      {
        format: 'tenantry-backup',
        backupId: randomUUID(),
        tenantId: randomUUID(),
        tenantSlug: 'acme',
        createdAt: new Date().toISOString(),
        schemaVersion: 1,
        seal: { kind: 'tenant-key', keyVersion: 1 },
      },
      Buffer.from('{}'),
      key,
    );
    expect(readArchive(file).header.bytes).toBeGreaterThan(0);
    expect(() => passphraseSeal('short')).toThrow(/at least 12/);
  });
});
