import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { codeSchemaVersion } from '@/db/migrate';
import { queryRows, withPlatform, withTenant } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  uniqueSlug,
} from '@/db/testing';
import { listAuditEvents, verifyAuditChains } from '@/lib/audit';
import { createDocument, getDocument, listDocuments } from '@/lib/documents';
import { passphraseSeal, readArchive, sha256Hex, writeArchive } from './archive';
import { buildBackupFile } from './jobs';
import { exportTenant, importTenant } from './transfer';

let handle: DatabaseHandle;
let dir: string;
const PASSPHRASE = 'correct horse battery staple';

beforeAll(async () => {
  handle = await setupTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-transfer-'));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await teardownTestDatabase(handle);
});

const rows = <T>(query: ReturnType<typeof sql>) => withPlatform((tx) => queryRows<T>(tx, query));
const fileIn = (name: string) => path.join(dir, `${name}-${Math.random().toString(36).slice(2)}`);

async function tenantWithDocuments() {
  const tenant = await createTenant({ plan: 'pro', name: 'Source Co' });
  const owner = await createMember(tenant.id, { role: 'owner', name: 'Olga Owner' });
  const actor = { type: 'user' as const, id: owner.userId };
  await withTenant(tenant.id, async (tx) => {
    await createDocument(tx, { tenantId: tenant.id, actor, title: 'Plan', body: 'Secret ✓' });
    await createDocument(tx, { tenantId: tenant.id, actor, title: 'Second', body: 'More' });
  });
  await rows(
    sql`insert into api_keys (tenant_id, name, prefix, key_hash, scopes)
        values (${tenant.id}, 'CI', ${`tk_${tenant.id.slice(0, 8)}`}, ${`h-${tenant.id}`}, '{documents:read}')`,
  );
  return { tenant, owner, actor };
}

/** Titles and bodies of a tenant's documents, read as the tenant through lib/documents. */
async function documentsOf(tenantId: string) {
  return withTenant(tenantId, async (tx) => {
    const page = await listDocuments(tx, { tenantId, limit: 50 });
    const docs = await Promise.all(
      page.data.map((doc) => getDocument(tx, { tenantId, id: doc.id })),
    );
    return docs
      .map((doc) => ({ id: doc.id, title: doc.title, body: doc.body }))
      .sort((a, b) => a.title.localeCompare(b.title));
  });
}

async function tenantBySlug(slug: string) {
  const [row] = await rows<{ id: string; slug: string; name: string; plan: string }>(
    sql`select id, slug, name, plan from tenants where slug = ${slug}`,
  );
  return row;
}

async function exported(slug: string) {
  const out = fileIn('export');
  const result = await exportTenant({ slug, out, passphrase: PASSPHRASE });
  return { out, result };
}

async function chainOk(tenantId: string) {
  const [tenant] = await rows<{ slug: string }>(
    sql`select slug from tenants where id = ${tenantId}`,
  );
  let reports = 0;
  for await (const report of verifyAuditChains(handle.db, { slug: tenant!.slug })) {
    reports += 1;
    expect(report.result.ok, `audit chain of ${tenant!.slug}`).toBe(true);
  }
  expect(reports).toBe(1);
}

describe('moving a tenant between instances', () => {
  it('exports a passphrase-sealed file (0600), audited, and never overwrites one without force', async () => {
    const { tenant } = await tenantWithDocuments();
    const { out, result } = await exported(tenant.slug);
    const file = fs.readFileSync(out);
    expect(result).toMatchObject({
      tenantId: tenant.id,
      slug: tenant.slug,
      bytes: file.length,
      sha256: sha256Hex(file),
      schemaVersion: codeSchemaVersion(),
    });
    expect(result.rows).toBeGreaterThan(0);
    if (process.platform !== 'win32') expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const { header } = readArchive(file);
    expect(header).toMatchObject({ tenantId: tenant.id, tenantSlug: tenant.slug });
    expect(header.seal.kind).toBe('passphrase');
    expect(file.toString('latin1')).not.toMatch(/Secret|Olga/);

    const events = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, limit: 100 }),
    );
    const event = events.find((e) => e.action === 'backup.exported');
    expect(event).toMatchObject({
      actorType: 'platform',
      metadata: { sha256: result.sha256, bytes: result.bytes },
    });

    // An existing file is refused and left as it was; --force replaces it, still 0600.
    fs.writeFileSync(out, 'keep me', { mode: 0o644 });
    await expect(exportTenant({ slug: tenant.slug, out, passphrase: PASSPHRASE })).rejects.toThrow(
      /exists.*--force/,
    );
    expect(fs.readFileSync(out, 'utf8')).toBe('keep me');
    const forced = await exportTenant({
      slug: tenant.slug,
      out,
      passphrase: PASSPHRASE,
      force: true,
    });
    expect(sha256Hex(fs.readFileSync(out))).toBe(forced.sha256);
    if (process.platform !== 'win32') expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses an unknown slug, a short passphrase and a missing directory', async () => {
    await expect(
      exportTenant({ slug: 'no-such-tenant', out: fileIn('x'), passphrase: PASSPHRASE }),
    ).rejects.toMatchObject({ code: 'not_found' });
    const { tenant } = await tenantWithDocuments();
    await expect(
      exportTenant({ slug: tenant.slug, out: fileIn('x'), passphrase: 'short' }),
    ).rejects.toThrow(/at least 12/);
    await expect(
      exportTenant({
        slug: tenant.slug,
        out: path.join(dir, 'missing', 'file'),
        passphrase: PASSPHRASE,
      }),
    ).rejects.toThrow(/directory does not exist/);
  });

  it('imports a copy under a new slug: same documents, new ids, audited', async () => {
    const { tenant } = await tenantWithDocuments();
    const { out, result } = await exported(tenant.slug);
    const slug = uniqueSlug('copy');
    const imported = await importTenant({
      file: out,
      passphrase: PASSPHRASE,
      slug,
      name: 'Copy Co',
    });
    expect(imported).toMatchObject({
      action: 'cloned',
      slug,
      name: 'Copy Co',
      plan: 'free',
      source: { tenantId: tenant.id, slug: tenant.slug },
      sha256: result.sha256,
    });
    expect(imported.tenantId).not.toBe(tenant.id);
    expect(imported.rows).toBeGreaterThan(0);
    expect(await tenantBySlug(slug)).toMatchObject({ id: imported.tenantId, name: 'Copy Co' });

    const [source, copy] = await Promise.all([
      documentsOf(tenant.id),
      documentsOf(imported.tenantId),
    ]);
    expect(copy.map(({ title, body }) => ({ title, body }))).toEqual(
      source.map(({ title, body }) => ({ title, body })),
    );
    expect(copy.map((doc) => doc.title)).toEqual(['Plan', 'Second']);
    expect(copy.some((doc) => source.some((s) => s.id === doc.id))).toBe(false);
    // A copy has no credentials of the original.
    expect(await rows(sql`select id from api_keys where tenant_id = ${imported.tenantId}`)).toEqual(
      [],
    );
    // The original is untouched.
    expect(await tenantBySlug(tenant.slug)).toMatchObject({ id: tenant.id, name: 'Source Co' });

    const events = await withTenant(imported.tenantId, (tx) =>
      listAuditEvents(tx, { tenantId: imported.tenantId, limit: 100 }),
    );
    expect(events[0]).toMatchObject({
      action: 'backup.imported',
      actorType: 'platform',
      metadata: { action: 'cloned', sourceTenantId: tenant.id, rows: imported.rows },
    });
    await chainOk(imported.tenantId);
  });

  it('replaces the data of the same tenant with --replace', async () => {
    const { tenant, actor } = await tenantWithDocuments();
    const { out } = await exported(tenant.slug);
    const before = await documentsOf(tenant.id);
    // After the export: a new document, and an edited title the import must undo.
    await withTenant(tenant.id, (tx) =>
      createDocument(tx, { tenantId: tenant.id, actor, title: 'Later', body: '' }),
    );
    await rows(sql`update tenants set name = 'Renamed' where id = ${tenant.id}`);

    const imported = await importTenant({ file: out, passphrase: PASSPHRASE, replace: true });
    expect(imported).toMatchObject({ action: 'replaced', tenantId: tenant.id, slug: tenant.slug });
    expect(imported.plan).toBe('pro'); // the registry's plan is the platform's, kept as it was
    expect(await documentsOf(tenant.id)).toEqual(before); // same ids, same content
    expect((await tenantBySlug(tenant.slug))!.name).toBe('Source Co');
    const events = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, limit: 100 }),
    );
    expect(events[0]).toMatchObject({
      action: 'backup.imported',
      metadata: { action: 'replaced' },
    });
    await chainOk(tenant.id);
  });

  it('creates a tenant that is not on this instance with its own id and keeps every row id', async () => {
    // "Another instance": a backup whose tenant id this database has never seen. Built from a
    // real export with the tenant id, slug and every id that mentions it swapped, as if exported
    // elsewhere (accounts renamed too, so they are missing here and must be created).
    const { tenant, owner } = await tenantWithDocuments();
    // Billed through Stripe there: the account names that instance's Stripe customer.
    await rows(
      sql`insert into billing_accounts (tenant_id, mode, plan, stripe_customer_id) values (${tenant.id}, 'stripe', 'pro', 'cus_elsewhere') returning tenant_id`,
    );
    const sealed = passphraseSeal(PASSPHRASE);
    const { file } = await buildBackupFile(tenant.id, {
      backupId: randomUUID(),
      createdAt: new Date(),
      seal: sealed,
    });
    const foreign = await foreignCopy(file, sealed, tenant.id);

    const imported = await importTenant({ file: foreign.out, passphrase: PASSPHRASE });
    expect(imported).toMatchObject({
      action: 'created',
      tenantId: foreign.tenantId,
      slug: foreign.slug,
      name: 'Source Co',
      plan: 'free',
    });
    const created = await tenantBySlug(foreign.slug);
    expect(created).toMatchObject({ id: foreign.tenantId, plan: 'free' });
    const docs = await documentsOf(foreign.tenantId);
    expect(docs.map((doc) => doc.title)).toEqual(['Plan', 'Second']);
    expect(docs.map((doc) => doc.id).sort()).toEqual(foreign.documentIds.sort());
    // It starts on this instance's billing, not the other's Stripe customer.
    expect(
      await rows(sql`select 1 from billing_accounts where tenant_id = ${foreign.tenantId}`),
    ).toEqual([]);
    // A move keeps the credentials (same ids), unlike a copy.
    expect(
      await rows(sql`select id from api_keys where tenant_id = ${foreign.tenantId}`),
    ).toHaveLength(1);
    // The accounts were created (by e-mail), never with a platform role, and own the tenant.
    const members = await rows<{ email: string; platform_role: string | null; role: string }>(
      sql`select u.email, u.platform_role, m.role from memberships m join users u on u.id = m.user_id
          where m.tenant_id = ${foreign.tenantId}`,
    );
    expect(members).toEqual([
      { email: `moved-${owner.email}`, platform_role: null, role: 'owner' },
    ]);
    await chainOk(foreign.tenantId);

    // Imported again: it is here now, so refused unless --replace or --slug.
    await expect(importTenant({ file: foreign.out, passphrase: PASSPHRASE })).rejects.toThrow(
      /already on this instance.*--replace.*--slug/,
    );
    const again = await importTenant({
      file: foreign.out,
      passphrase: PASSPHRASE,
      slug: uniqueSlug('again'),
    });
    expect(again.action).toBe('cloned');
    expect((await documentsOf(again.tenantId)).map((doc) => doc.title)).toEqual(['Plan', 'Second']);
  });

  it('imports into a brand-new slug from a fresh instance and checks the new tenant’s rows', async () => {
    // Same as above with --slug and --name on a tenant this instance does not have: created
    // with the backup's id, under the given slug and name.
    const { tenant } = await tenantWithDocuments();
    const sealed = passphraseSeal(PASSPHRASE);
    const { file } = await buildBackupFile(tenant.id, {
      backupId: randomUUID(),
      createdAt: new Date(),
      seal: sealed,
    });
    const foreign = await foreignCopy(file, sealed, tenant.id);
    const slug = uniqueSlug('fresh');
    const imported = await importTenant({
      file: foreign.out,
      passphrase: PASSPHRASE,
      slug,
      name: 'Fresh Co',
    });
    expect(imported).toMatchObject({
      action: 'created',
      tenantId: foreign.tenantId,
      slug,
      name: 'Fresh Co',
    });
    const counts = await rows<{ table: string; n: number }>(
      sql`select 'documents' as table, count(*)::int as n from documents where tenant_id = ${foreign.tenantId}
          union all select 'memberships', count(*)::int from memberships where tenant_id = ${foreign.tenantId}
          union all select 'api_keys', count(*)::int from api_keys where tenant_id = ${foreign.tenantId}`,
    );
    expect(Object.fromEntries(counts.map((c) => [c.table, c.n]))).toEqual({
      documents: 2,
      memberships: 1,
      api_keys: 1,
    });
    expect(await tenantBySlug(foreign.slug)).toBeUndefined();
  });

  describe('refusals leave nothing behind', () => {
    it('an existing tenant without --replace or --slug, and both at once', async () => {
      const { tenant } = await tenantWithDocuments();
      const { out } = await exported(tenant.slug);
      await expect(importTenant({ file: out, passphrase: PASSPHRASE })).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/already on this instance/),
      });
      const slug = uniqueSlug('both');
      await expect(
        importTenant({ file: out, passphrase: PASSPHRASE, slug, replace: true }),
      ).rejects.toThrow(/either --replace.*or --slug/);
      expect(await tenantBySlug(slug)).toBeUndefined();
    });

    it('a wrong or missing passphrase', async () => {
      const { tenant } = await tenantWithDocuments();
      const { out } = await exported(tenant.slug);
      const slug = uniqueSlug('wrong');
      await expect(
        importTenant({ file: out, passphrase: 'not the passphrase at all', slug }),
      ).rejects.toMatchObject({
        code: 'invalid_input',
        message: expect.stringContaining('the passphrase is wrong'),
      });
      await expect(importTenant({ file: out, slug })).rejects.toThrow(/sealed with a passphrase/);
      expect(await tenantBySlug(slug)).toBeUndefined();
    });

    it('a tampered, truncated or foreign file, and a missing one', async () => {
      const { tenant } = await tenantWithDocuments();
      const { out } = await exported(tenant.slug);
      const file = fs.readFileSync(out);
      const slug = uniqueSlug('tamper');
      const flipped = Buffer.from(file);
      flipped[flipped.length - 40]! ^= 0x01;
      const tampered = fileIn('tampered');
      fs.writeFileSync(tampered, flipped);
      await expect(
        importTenant({ file: tampered, passphrase: PASSPHRASE, slug }),
      ).rejects.toMatchObject({
        code: 'invalid_input',
        message: expect.stringContaining('checksum does not match'),
      });
      const truncated = fileIn('truncated');
      fs.writeFileSync(truncated, file.subarray(0, file.length - 10));
      await expect(importTenant({ file: truncated, passphrase: PASSPHRASE, slug })).rejects.toThrow(
        /truncated/,
      );
      const other = fileIn('other');
      fs.writeFileSync(other, 'hello');
      await expect(importTenant({ file: other, passphrase: PASSPHRASE, slug })).rejects.toThrow(
        /not a Tenantry backup/,
      );
      await expect(
        importTenant({ file: path.join(dir, 'nope'), passphrase: PASSPHRASE, slug }),
      ).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('No file') });
      expect(await tenantBySlug(slug)).toBeUndefined();
    });

    it('a taken slug, an invalid slug, and a backup slug taken by another tenant', async () => {
      const { tenant } = await tenantWithDocuments();
      const { out } = await exported(tenant.slug);
      const other = await createTenant();
      await expect(
        importTenant({ file: out, passphrase: PASSPHRASE, slug: other.slug }),
      ).rejects.toMatchObject({ code: 'slug_taken' });
      await expect(
        importTenant({ file: out, passphrase: PASSPHRASE, slug: 'Not A Slug!' }),
      ).rejects.toMatchObject({ code: 'invalid_input' });

      // A tenant new here whose slug another tenant has: refused, nothing created.
      const sealed = passphraseSeal(PASSPHRASE);
      const { file } = await buildBackupFile(tenant.id, {
        backupId: randomUUID(),
        createdAt: new Date(),
        seal: sealed,
      });
      const foreign = await foreignCopy(file, sealed, tenant.id, { slug: other.slug });
      await expect(
        importTenant({ file: foreign.out, passphrase: PASSPHRASE }),
      ).rejects.toMatchObject({
        code: 'slug_taken',
        message: expect.stringMatching(/--slug/),
      });
      expect(await rows(sql`select id from tenants where id = ${foreign.tenantId}`)).toEqual([]);
      expect(
        await rows(sql`select id from documents where tenant_id = ${foreign.tenantId}`),
      ).toEqual([]);
    });

    it('a backup from a newer schema', async () => {
      const { tenant } = await tenantWithDocuments();
      const sealed = passphraseSeal(PASSPHRASE);
      const { file } = await buildBackupFile(tenant.id, {
        backupId: randomUUID(),
        createdAt: new Date(),
        seal: sealed,
      });
      const newer = await foreignCopy(file, sealed, tenant.id, {
        schemaVersion: codeSchemaVersion() + 1,
      });
      await expect(importTenant({ file: newer.out, passphrase: PASSPHRASE })).rejects.toThrow(
        /made by a newer Tenantry/,
      );
      expect(await rows(sql`select id from tenants where id = ${newer.tenantId}`)).toEqual([]);
    });

    it('a failure inside the restore rolls back the registry row', async () => {
      const { tenant } = await tenantWithDocuments();
      const sealed = passphraseSeal(PASSPHRASE);
      const { file } = await buildBackupFile(tenant.id, {
        backupId: randomUUID(),
        createdAt: new Date(),
        seal: sealed,
      });
      // A document that points at an author the backup does not list: the insert fails late.
      const broken = await foreignCopy(file, sealed, tenant.id, {
        edit: (payload) => {
          const docs = JSON.parse(payload.tables.documents!) as Array<Record<string, unknown>>;
          docs[1]!.author_id = randomUUID();
          payload.tables.documents = JSON.stringify(docs);
        },
      });
      await expect(importTenant({ file: broken.out, passphrase: PASSPHRASE })).rejects.toThrow(
        /foreign key|violates|Failed query/,
      );
      expect(await rows(sql`select id from tenants where id = ${broken.tenantId}`)).toEqual([]);
      expect(await tenantBySlug(broken.slug)).toBeUndefined();
    });
  });
});

type Payload = {
  schemaVersion: number;
  tenant: Record<string, unknown> & { id: string; slug: string };
  users: string;
  tables: Record<string, string>;
};

/**
 * The backup as another instance would have made it: every id of the tenant's rows (and the
 * tenant's) replaced by a new one, the accounts' e-mails changed so they are missing here.
 */
async function foreignCopy(
  file: Buffer,
  sealed: ReturnType<typeof passphraseSeal>,
  sourceTenantId: string,
  options: { slug?: string; schemaVersion?: number; edit?: (payload: Payload) => void } = {},
) {
  const { header, body } = readArchive(file);
  const { openArchive } = await import('./archive');
  const payload = JSON.parse(openArchive(header, body, sealed.key).toString('utf8')) as Payload;
  const ids = new Map<string, string>([[sourceTenantId, randomUUID()]]);
  for (const json of Object.values(payload.tables))
    for (const row of JSON.parse(json) as Array<{ id?: unknown }>)
      if (typeof row.id === 'string') ids.set(row.id, randomUUID());
  const swap = (json: string) =>
    json.replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      (id) => ids.get(id) ?? id,
    );
  const tenantId = ids.get(sourceTenantId)!;
  const slug = options.slug ?? uniqueSlug('moved');
  const moved: Payload = {
    ...payload,
    schemaVersion: options.schemaVersion ?? payload.schemaVersion,
    tenant: { ...payload.tenant, id: tenantId, slug },
    users: JSON.stringify(
      (JSON.parse(payload.users) as Array<{ id: string; email: string }>).map((user) => ({
        ...user,
        id: randomUUID(),
        email: `moved-${user.email}`,
      })),
    ),
    tables: Object.fromEntries(
      Object.entries(payload.tables).map(([table, json]) => [table, swap(json)]),
    ),
  };
  // The accounts got new ids above: point the rows at them.
  const userIds = new Map(
    (JSON.parse(payload.users) as Array<{ id: string }>).map((user, index) => [
      user.id,
      (JSON.parse(moved.users) as Array<{ id: string }>)[index]!.id,
    ]),
  );
  moved.tables = Object.fromEntries(
    Object.entries(moved.tables).map(([table, json]) => [
      table,
      json.replace(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
        (id) => userIds.get(id) ?? id,
      ),
    ]),
  );
  options.edit?.(moved);
  const documentIds = (JSON.parse(moved.tables.documents ?? '[]') as Array<{ id: string }>).map(
    (doc) => doc.id,
  );
  const out = fileIn('foreign');
  fs.writeFileSync(
    out,
    writeArchive(
      {
        format: 'tenantry-backup',
        backupId: header.backupId,
        tenantId,
        tenantSlug: slug,
        createdAt: header.createdAt,
        schemaVersion: moved.schemaVersion,
        seal: sealed.seal,
      },
      Buffer.from(JSON.stringify(moved)),
      sealed.key,
    ),
  );
  return { out, tenantId, slug, documentIds };
}
