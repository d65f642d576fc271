import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asc, eq, sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '@/db/client';
import { postgresErrorCode } from '@/db/errors';
import { migrationsFolder, runMigrations } from '@/db/migrate';
import { createPglite } from '@/db/pglite';
import { auditEvents } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { AppError } from '@/lib/errors';
import {
  formatChainReport,
  listAuditEvents,
  recordAudit,
  verifyAuditChain,
  verifyAuditChains,
  type TenantChainReport,
} from '.';

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await setupTestDatabase();
});

afterAll(() => teardownTestDatabase(handle));

const system = { type: 'system', id: null } as const;

async function record(tenantId: string, count: number, action = 'test.event'): Promise<void> {
  for (let i = 0; i < count; i++) {
    await withTenant(tenantId, (tx) =>
      recordAudit(tx, { tenantId, actor: system, action, metadata: { i } }),
    );
  }
}

function chainOf(tenantId: string) {
  return withPlatform((tx) =>
    tx
      .select({
        id: auditEvents.id,
        seq: auditEvents.seq,
        prevHash: auditEvents.prevHash,
        hash: auditEvents.hash,
        metadata: auditEvents.metadata,
      })
      .from(auditEvents)
      .where(eq(auditEvents.tenantId, tenantId))
      .orderBy(asc(auditEvents.seq)),
  );
}

const verify = (tenantId: string, batchSize?: number) =>
  withPlatform((tx) => verifyAuditChain(tx, { tenantId, batchSize }));

/**
 * Runs a statement as the database's owner, outside the application roles: the position of
 * someone tampering with the table directly. PGlite's session user is that superuser; on a
 * server it is the owner's own connection.
 */
async function asOwner(statement: SQL): Promise<void> {
  if (inject('testDb') === 'pglite') {
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('role', session_user, true)`);
      await tx.execute(statement);
    });
    return;
  }
  const client = new pg.Client({ connectionString: inject('ownerDatabaseUrl') });
  await client.connect();
  try {
    await drizzlePg(client).execute(statement);
  } finally {
    await client.end();
  }
}

async function collect(reports: AsyncIterable<TenantChainReport>): Promise<TenantChainReport[]> {
  const all: TenantChainReport[] = [];
  for await (const report of reports) all.push(report);
  return all;
}

describe('the hash chain', () => {
  it('numbers each tenant’s events from 1, linking each to the previous hash', async () => {
    const [a, b] = await Promise.all([createTenant(), createTenant()]);
    await record(a!.id, 1);
    await record(b!.id, 1);
    await record(a!.id, 2);
    await record(b!.id, 1);

    const chainA = await chainOf(a!.id);
    const chainB = await chainOf(b!.id);
    expect(chainA.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(chainB.map((e) => e.seq)).toEqual([1, 2]);
    for (const chain of [chainA, chainB]) {
      expect(chain[0]!.prevHash).toBeNull();
      chain.forEach((event, i) => {
        expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
        if (i > 0) expect(event.prevHash).toBe(chain[i - 1]!.hash);
      });
    }
    expect(await verify(a!.id)).toEqual({ ok: true, checked: 3 });
    expect(await verify(b!.id)).toEqual({ ok: true, checked: 2 });
  });

  it('reports an empty trail as intact, with nothing checked', async () => {
    const tenant = await createTenant();
    expect(await verify(tenant.id)).toEqual({ ok: true, checked: 0 });
  });

  it('hashes a versioned JSON array of the previous hash and the content, time in UTC to the µs', async () => {
    const tenant = await createTenant();
    const actorId = '0b5d7f6e-1c2a-4e8b-9f00-2d3c4b5a6978';
    const inserted = await withTenant(tenant.id, (tx) =>
      tx
        .insert(auditEvents)
        .values({
          tenantId: tenant.id,
          actorType: 'user',
          actorId,
          action: 'document.created',
          targetType: 'document',
          targetId: 'doc-1',
          requestId: 'req-1',
          ip: '203.0.113.7',
          metadata: { title: 'Café "menu"', bb: 1, a: null },
          createdAt: sql`'2025-01-02 03:04:05.123456+02'::timestamptz`,
        })
        .returning({ hash: auditEvents.hash, seq: auditEvents.seq }),
    );
    const serialized =
      `["tenantry.audit.v1", null, "${tenant.id}", 1, "user", "${actorId}", "document.created", ` +
      `"document", "doc-1", "req-1", "203.0.113.7", {"a": null, "bb": 1, "title": "Café \\"menu\\""}, ` +
      `"2025-01-02T01:04:05.123456Z"]`;
    expect(inserted).toEqual([
      { seq: 1, hash: createHash('sha256').update(serialized, 'utf8').digest('hex') },
    ]);
  });

  it('ignores a seq, prev_hash or hash that the inserter supplies', async () => {
    const tenant = await createTenant();
    await record(tenant.id, 1);
    const [forged] = await withTenant(tenant.id, (tx) =>
      tx
        .insert(auditEvents)
        .values({
          tenantId: tenant.id,
          actorType: 'system',
          action: 'test.forged',
          seq: 99,
          prevHash: 'f'.repeat(64),
          hash: '0'.repeat(64),
        })
        .returning({
          seq: auditEvents.seq,
          prevHash: auditEvents.prevHash,
          hash: auditEvents.hash,
        }),
    );
    const [first] = await chainOf(tenant.id);
    expect(forged!.seq).toBe(2);
    expect(forged!.prevHash).toBe(first!.hash);
    expect(forged!.hash).not.toBe('0'.repeat(64));
    expect(await verify(tenant.id)).toEqual({ ok: true, checked: 2 });
  });

  it('chains the rows of one multi-row insert in order', async () => {
    const tenant = await createTenant();
    await withPlatform((tx) =>
      tx.insert(auditEvents).values(
        [0, 1, 2].map((i) => ({
          tenantId: tenant.id,
          actorType: 'platform' as const,
          action: 'test.batch',
          metadata: { i },
        })),
      ),
    );
    const chain = await chainOf(tenant.id);
    expect(chain.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await verify(tenant.id)).toEqual({ ok: true, checked: 3 });
  });

  it('stays gapless under concurrent inserts for one tenant, independently of another', async () => {
    const [a, b] = await Promise.all([createTenant(), createTenant()]);
    const inserts = Array.from({ length: 24 }, (_, i) => {
      const tenantId = i % 3 === 0 ? b!.id : a!.id;
      return withTenant(tenantId, (tx) =>
        recordAudit(tx, { tenantId, actor: system, action: 'test.concurrent', metadata: { i } }),
      );
    });
    await Promise.all(inserts);
    const chainA = await chainOf(a!.id);
    const chainB = await chainOf(b!.id);
    expect(chainA.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(chainB.map((e) => e.seq)).toEqual(Array.from({ length: 8 }, (_, i) => i + 1));
    expect(await verify(a!.id)).toEqual({ ok: true, checked: 16 });
    expect(await verify(b!.id)).toEqual({ ok: true, checked: 8 });
  });

  it('lists a tenant’s events newest first in chain order', async () => {
    const tenant = await createTenant();
    await withTenant(tenant.id, async (tx) => {
      for (const action of ['test.first', 'test.second', 'test.third'])
        await recordAudit(tx, { tenantId: tenant.id, actor: system, action });
    });
    const listed = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id }),
    );
    expect(listed.map((e) => e.action)).toEqual(['test.third', 'test.second', 'test.first']);
  });
});

describe('verifyAuditChain finds tampering by the owner', () => {
  it('finds an edited event by its seq (hash_mismatch)', async () => {
    const tenant = await createTenant();
    await record(tenant.id, 5);
    const chain = await chainOf(tenant.id);
    await asOwner(
      sql`update audit_events set action = 'test.rewritten' where id = ${chain[2]!.id}`,
    );
    expect(await verify(tenant.id)).toEqual({
      ok: false,
      checked: 2,
      firstBroken: { seq: 3, id: chain[2]!.id, reason: 'hash_mismatch' },
    });
  });

  it('finds an edited event whose hash was recomputed at the next link (prev_mismatch)', async () => {
    const tenant = await createTenant();
    await record(tenant.id, 4);
    const chain = await chainOf(tenant.id);
    await asOwner(sql`update audit_events set metadata = '{"i": 42}' where id = ${chain[1]!.id}`);
    await asOwner(
      sql`update audit_events e set hash = tenantry_internal.audit_event_hash(e) where e.id = ${chain[1]!.id}`,
    );
    expect(await verify(tenant.id)).toEqual({
      ok: false,
      checked: 2,
      firstBroken: { seq: 3, id: chain[2]!.id, reason: 'prev_mismatch' },
    });
  });

  it('finds a deleted event as a gap, also across pages', async () => {
    const tenant = await createTenant();
    await record(tenant.id, 7);
    const chain = await chainOf(tenant.id);
    await asOwner(sql`delete from audit_events where id = ${chain[4]!.id}`);
    const broken = {
      ok: false,
      checked: 4,
      firstBroken: { seq: 6, id: chain[5]!.id, reason: 'gap' },
    };
    expect(await verify(tenant.id)).toEqual(broken);
    expect(await verify(tenant.id, 2)).toEqual(broken);
  });

  it('finds a deleted first event', async () => {
    const tenant = await createTenant();
    await record(tenant.id, 2);
    const chain = await chainOf(tenant.id);
    await asOwner(sql`delete from audit_events where id = ${chain[0]!.id}`);
    expect(await verify(tenant.id)).toEqual({
      ok: false,
      checked: 0,
      firstBroken: { seq: 2, id: chain[1]!.id, reason: 'gap' },
    });
  });

  it('verifies an intact chain page by page, and inside the tenant’s own transaction', async () => {
    const tenant = await createTenant();
    await record(tenant.id, 5);
    expect(await verify(tenant.id, 2)).toEqual({ ok: true, checked: 5 });
    expect(await verify(tenant.id, 5)).toEqual({ ok: true, checked: 5 });
    expect(
      await withTenant(tenant.id, (tx) => verifyAuditChain(tx, { tenantId: tenant.id })),
    ).toEqual({ ok: true, checked: 5 });
  });
});

describe('the chain functions', () => {
  it('run the trigger as the platform role with a fixed search_path, callable by no one directly', async () => {
    const functions = await withPlatform(async (tx) => {
      const result = (await tx.execute(sql`
        select p.proname as name, pg_get_userbyid(p.proowner) as owner, p.prosecdef as definer,
          p.proconfig as config, p.provolatile as volatility,
          has_function_privilege('tenantry_app', p.oid, 'execute') as app_may_call
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'tenantry_internal' and p.proname like 'audit\_%' order by p.proname`)) as unknown as {
        rows: Record<string, unknown>[];
      };
      return result.rows;
    });
    expect(functions).toEqual([
      {
        name: 'audit_event_hash',
        owner: expect.any(String),
        definer: false,
        config: ['search_path=public, pg_temp'],
        volatility: 's',
        app_may_call: true,
      },
      {
        name: 'audit_events_chain',
        owner: 'tenantry_platform',
        definer: true,
        config: ['search_path=public, pg_temp'],
        volatility: 'v',
        app_may_call: false,
      },
    ]);
  });

  it('gives every definer function in tenantry_internal the platform role as owner and a fixed search_path', async () => {
    const definers = await withPlatform(async (tx) => {
      const result = (await tx.execute(sql`
        select p.proname as name, pg_get_userbyid(p.proowner) as owner, p.proconfig as config
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'tenantry_internal' and p.prosecdef`)) as unknown as {
        rows: { name: string; owner: string; config: string[] | null }[];
      };
      return result.rows;
    });
    expect(definers.length).toBeGreaterThanOrEqual(1);
    for (const fn of definers) {
      expect(fn, fn.name).toMatchObject({
        owner: 'tenantry_platform',
        config: ['search_path=public, pg_temp'],
      });
    }
  });
});

describe('append-only for the application', () => {
  const refusal = (work: Promise<unknown>) =>
    work.then(
      () => 'allowed',
      (error: unknown) => postgresErrorCode(error).code,
    );

  it('refuses UPDATE and DELETE to the tenant and platform roles, and keeps the chain intact', async () => {
    const tenant = await createTenant();
    await record(tenant.id, 2);
    const attempts = [
      () => withTenant(tenant.id, (tx) => tx.update(auditEvents).set({ action: 'test.rewritten' })),
      () => withTenant(tenant.id, (tx) => tx.delete(auditEvents)),
      () => withPlatform((tx) => tx.update(auditEvents).set({ hash: 'x' })),
      () => withPlatform((tx) => tx.delete(auditEvents).where(eq(auditEvents.tenantId, tenant.id))),
    ];
    for (const attempt of attempts) expect(await refusal(attempt())).toBe('42501');
    expect(await verify(tenant.id)).toEqual({ ok: true, checked: 2 });
  });

  it('refuses a tenant transaction’s insert into another tenant’s chain before touching it', async () => {
    const [a, b] = await Promise.all([createTenant(), createTenant()]);
    await record(b!.id, 1);
    expect(
      await refusal(
        withTenant(a!.id, (tx) =>
          recordAudit(tx, { tenantId: b!.id, actor: system, action: 'test.forged' }),
        ),
      ),
    ).toBe('42501');
    expect(await verify(b!.id)).toEqual({ ok: true, checked: 1 });
  });
});

describe('verifyAuditChains (npm run audit:verify)', () => {
  it('verifies one tenant by slug, or every tenant, with one line each', async () => {
    const intact = await createTenant();
    const broken = await createTenant();
    await record(intact.id, 3);
    await record(broken.id, 3);
    const [, second] = await chainOf(broken.id);
    await asOwner(sql`update audit_events set ip = '198.51.100.1' where id = ${second!.id}`);

    const [one] = await collect(verifyAuditChains(handle.db, { slug: intact.slug }));
    expect(one).toEqual({
      tenantId: intact.id,
      slug: intact.slug,
      result: { ok: true, checked: 3 },
    });
    expect(formatChainReport(one!)).toBe(`ok      ${intact.slug}: 3 events, chain intact`);

    const all = await collect(verifyAuditChains(handle.db, { batchSize: 3 }));
    const slugs = all.map((r) => r.slug);
    expect(slugs).toEqual([...slugs].sort());
    expect(new Set(slugs).size).toBe(slugs.length);
    expect(all.find((r) => r.tenantId === intact.id)?.result).toEqual({ ok: true, checked: 3 });
    const brokenReport = all.find((r) => r.tenantId === broken.id)!;
    expect(brokenReport.result).toEqual({
      ok: false,
      checked: 1,
      firstBroken: { seq: 2, id: second!.id, reason: 'hash_mismatch' },
    });
    expect(formatChainReport(brokenReport)).toBe(
      `BROKEN  ${broken.slug}: first broken link at seq 2 (event ${second!.id}): ` +
        'content does not match its hash (edited); 1 event intact before it',
    );
  });

  it('describes each kind of break', () => {
    const line = (reason: 'gap' | 'prev_mismatch') =>
      formatChainReport({
        tenantId: 'x',
        slug: 'acme',
        result: { ok: false, checked: 0, firstBroken: { seq: 1, id: 'e', reason } },
      });
    expect(line('gap')).toMatch(/follows a missing event \(deleted\)/);
    expect(line('prev_mismatch')).toMatch(/does not link to the previous event’s hash/);
  });

  it('refuses an unknown slug', async () => {
    const outcome = collect(verifyAuditChains(handle.db, { slug: 'no-such-tenant-here' }));
    await expect(outcome).rejects.toThrow(AppError);
    await expect(outcome).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('migration 0007', () => {
  it('backfills existing events per tenant in (created_at, id) order, and the chain continues', async () => {
    const pglite = await createPglite();
    const before = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-migrations-'));
    fs.cpSync(migrationsFolder, before, { recursive: true });
    const journalFile = path.join(before, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as {
      entries: { idx: number; tag: string }[];
    };
    const chainMigration = journal.entries.find((e) => e.tag === '0007_audit_hash_chain')!;
    journal.entries = journal.entries.filter((e) => e.idx < chainMigration.idx);
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    await migratePglite(drizzlePglite(pglite), { migrationsFolder: before });

    // As the superuser that migrates: events written before the chain existed.
    const t1 = '10000000-0000-4000-8000-000000000001';
    const t2 = '20000000-0000-4000-8000-000000000002';
    await pglite.exec(`
      insert into tenants (id, slug, name) values ('${t1}', 'old-one', 'Old One'), ('${t2}', 'old-two', 'Old Two');
      insert into audit_events (id, tenant_id, actor_type, action, created_at) values
        ('00000000-0000-4000-8000-00000000000c', '${t1}', 'system', 'third', '2024-01-03T00:00:00Z'),
        ('00000000-0000-4000-8000-00000000000b', '${t1}', 'system', 'second', '2024-01-02T00:00:00Z'),
        ('00000000-0000-4000-8000-00000000000a', '${t1}', 'system', 'first', '2024-01-02T00:00:00Z'),
        ('00000000-0000-4000-8000-00000000000d', '${t2}', 'system', 'only', '2024-01-01T00:00:00Z');`);
    await runMigrations({ driver: 'pglite', pglite });

    const backfilled = await pglite.query<{ tenant_id: string; seq: string; action: string }>(
      'select tenant_id, seq::text, action from audit_events order by tenant_id, seq',
    );
    expect(backfilled.rows).toEqual([
      { tenant_id: t1, seq: '1', action: 'first' },
      { tenant_id: t1, seq: '2', action: 'second' },
      { tenant_id: t1, seq: '3', action: 'third' },
      { tenant_id: t2, seq: '1', action: 'only' },
    ]);
    const forced = await pglite.query<{ forced: boolean }>(
      `select relforcerowsecurity as forced from pg_class where relname = 'audit_events'`,
    );
    expect(forced.rows).toEqual([{ forced: true }]);

    const migrated = await openDatabase({ driver: 'pglite', pglite });
    try {
      await withTenant(
        t1,
        (tx) => recordAudit(tx, { tenantId: t1, actor: system, action: 'after' }),
        migrated.db,
      );
      const results = await withPlatform(
        async (tx) => [
          await verifyAuditChain(tx, { tenantId: t1 }),
          await verifyAuditChain(tx, { tenantId: t2 }),
        ],
        migrated.db,
      );
      expect(results).toEqual([
        { ok: true, checked: 4 },
        { ok: true, checked: 1 },
      ]);
    } finally {
      await migrated.close();
      fs.rmSync(before, { recursive: true, force: true });
    }
  });
});
