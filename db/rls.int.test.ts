import { eq, getTableName, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { postgresErrorCode } from '@/db/errors';
import {
  apiKeys,
  billingAccounts,
  invoices,
  activityEvents,
  auditEvents,
  documents,
  memberships,
  sessions,
  tenants,
  users,
} from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import { createMember, createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';

type Row = Record<string, unknown>;
let handle: DatabaseHandle;
let a: { id: string; slug: string };
let b: { id: string; slug: string };
let aDoc: string;
let bDoc: string;
let bMember: { userId: string; membershipId: string };

async function rows(query: ReturnType<typeof sql>): Promise<Row[]> {
  const result = (await handle.db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  a = await createTenant();
  b = await createTenant();
  await createMember(a.id, { role: 'owner' });
  bMember = await createMember(b.id, { role: 'owner' });
  [aDoc, bDoc] = (await Promise.all(
    [a, b].map((t) =>
      withTenant(t.id, async (tx) => {
        const [doc] = await tx
          .insert(documents)
          .values({ tenantId: t.id, title: `doc of ${t.slug}` })
          .returning();
        await tx
          .insert(auditEvents)
          .values({ tenantId: t.id, actorType: 'system', action: 'test.seeded' });
        return doc!.id;
      }),
    ),
  )) as [string, string];
  await withTenant(b.id, (tx) =>
    tx.insert(sessions).values({
      tenantId: b.id,
      userId: bMember.userId,
      membershipId: bMember.membershipId,
      expiresAt: new Date(Date.now() + 60_000),
    }),
  );
});

afterAll(() => teardownTestDatabase(handle));

describe('schema-wide isolation contract', () => {
  it('forces row-level security on every table in the public schema', async () => {
    const tables = await rows(sql`
      select c.relname as name, c.relrowsecurity as enabled, c.relforcerowsecurity as forced
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')`);
    expect(tables.length).toBeGreaterThanOrEqual(6);
    expect(tables.filter((t) => !t.enabled || !t.forced).map((t) => t.name)).toEqual([]);
  });

  it('gives every table with tenant_id a tenant policy for the app role on USING and WITH CHECK', async () => {
    const tenantTables = await rows(sql`
      select c.relname as name,
        (select a.attnotnull from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id') as not_null,
        exists (
          select 1 from pg_policies p
          where p.schemaname = 'public' and p.tablename = c.relname and p.cmd = 'ALL'
            and p.roles = '{tenantry_app}'
            and p.qual like '%tenant_id = ( SELECT (NULLIF(current_setting(''app.tenant_id''::text, true), ''''::text))::uuid%'
            and p.with_check like '%tenant_id = ( SELECT (NULLIF(current_setting(''app.tenant_id''::text, true), ''''::text))::uuid%'
        ) as has_policy,
        exists (
          select 1 from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
          where i.indrelid = c.oid and a.attname = 'tenant_id'
        ) as has_tenant_index
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)`);
    expect(tenantTables.map((t) => t.name).sort()).toEqual([
      'activity_events',
      'api_keys',
      'audit_events',
      'billing_accounts',
      'billing_budgets',
      'budget_alerts',
      'documents',
      'invitations',
      'invoice_lines',
      'invoices',
      'key_rotations',
      'memberships',
      'meter_reconciliations',
      'meter_reports',
      'mfa_factors',
      'mfa_recovery_codes',
      'sessions',
      'sso_connections',
      'sso_identities',
      'tenant_backups',
      'tenant_encryption_policies',
      'tenant_keys',
      'tenant_restores',
      'tenant_roles',
      'usage_events',
      'usage_notifications',
      'usage_rollups',
    ]);
    for (const table of tenantTables) {
      expect(table, `${String(table.name)}`).toMatchObject({
        not_null: true,
        has_policy: true,
        has_tenant_index: true,
      });
    }
  });

  it('lets no policy grant the app role rows of other tenants', async () => {
    const permissive = await rows(sql`
      select tablename, policyname from pg_policies
      where schemaname = 'public' and 'tenantry_app' = any(roles) and (qual is null or qual = 'true')`);
    expect(permissive).toEqual([]);
  });

  it('includes tenant_id in every unique constraint of a tenant table except the uuid primary key', async () => {
    const offenders = await rows(sql`
      select c.relname as table_name, i.relname as index_name
      from pg_index x
      join pg_class c on c.oid = x.indrelid join pg_class i on i.oid = x.indexrelid
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and x.indisunique and not x.indisprimary
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
        and not exists (
          select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and a.attnum = any(x.indkey)
        )`);
    expect(offenders).toEqual([]);
  });

  it('calls no volatile function from a policy', async () => {
    // Every function a policy's USING or WITH CHECK reaches, read from the stored expression
    // trees: function calls, operators (through pg_operator), aggregates and window functions,
    // also inside sub-selects. Built-ins count as much as our own functions.
    const called = await rows(sql`
      with expressions as (
        select c.relname, pol.polname, e.tree
        from pg_policy pol join pg_class c on c.oid = pol.polrelid
        cross join lateral (values (pol.polqual::text), (pol.polwithcheck::text)) as e(tree)
        where e.tree is not null
      ), refs as (
        select relname, polname, m[1] as kind, m[2]::oid as ref
        from expressions
        cross join lateral regexp_matches(tree, ':(funcid|opfuncid|aggfnoid|winfnoid|opno) ([0-9]+)', 'g') as m
      )
      select distinct r.relname as table_name, r.polname as policy, p.proname, p.provolatile as volatility
      from refs r
      join pg_proc p on p.oid = case
        when r.kind = 'opno' then (select o.oprcode::oid from pg_operator o where o.oid = r.ref)
        else r.ref end`);
    expect(called.map((f) => f.proname)).toContain('current_setting');
    expect(called.filter((f) => f.volatility === 'v')).toEqual([]);
  });
});

describe('application role', () => {
  it('is not superuser, not the tables’ owner and does not bypass RLS', async () => {
    const [role] = await withTenant(a.id, async (tx) => {
      const result = (await tx.execute(sql`
        select r.rolname, r.rolsuper, r.rolbypassrls,
          exists (select 1 from pg_class c where c.relowner = r.oid and c.relname = 'documents') as owns_documents
        from pg_roles r where r.rolname = current_user`)) as unknown as { rows: Row[] };
      return result.rows;
    });
    expect(role).toEqual({
      rolname: 'tenantry_app',
      rolsuper: false,
      rolbypassrls: false,
      owns_documents: false,
    });
  });

  it('keeps the tenant setting inside the transaction only', async () => {
    await withTenant(a.id, async () => undefined);
    const [setting] = await rows(
      sql`select coalesce(current_setting('app.tenant_id', true), '') as value, current_user as role`,
    );
    expect(setting).toEqual({ value: '', role: 'tenantry_app' });
  });

  it('refuses a tenant id that is not a uuid before touching the database', async () => {
    await expect(withTenant("x' or true --", async () => 1)).rejects.toThrow(/uuid/);
  });

  it('rolls back everything when the work fails', async () => {
    await expect(
      withTenant(a.id, async (tx) => {
        await tx.insert(documents).values({ tenantId: a.id, title: 'never committed' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const titles = await withTenant(a.id, (tx) =>
      tx.select({ title: documents.title }).from(documents),
    );
    expect(titles.map((t) => t.title)).not.toContain('never committed');
  });
});

describe('fail closed outside withTenant', () => {
  it('sees zero rows of every tenant table', async () => {
    for (const table of [documents, memberships, sessions, auditEvents, tenants, users]) {
      expect(await handle.db.select().from(table)).toEqual([]);
    }
  });

  it('sees zero rows of every table in the schema, or is refused it outright', async () => {
    const tables = await withPlatform(async (tx) => {
      const result = (await tx.execute(sql`
        select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`)) as unknown as {
        rows: { name: string }[];
      };
      return result.rows.map((r) => r.name);
    });
    expect(tables).toContain('api_keys');
    for (const table of tables) {
      const outcome = await rows(sql.raw(`select count(*)::int as n from "${table}"`)).then(
        ([row]) => row?.n,
        (error: unknown) =>
          String((error as { cause?: unknown }).cause ?? error).includes('permission denied')
            ? 'refused'
            : error,
      );
      expect([0, 'refused'], table).toContain(outcome);
    }
  });

  it('gives the application role no access at all to platform-only tables', async () => {
    const granted = await rows(sql`
      select table_name, privilege_type from information_schema.role_table_grants
      where grantee = 'tenantry_app' and table_name in ('platform_sessions', 'stripe_events', 'platform_unit_costs', 'usage_rollup_state', 'meter_reports', 'meter_reconciliations')`);
    expect(granted).toEqual([]);
  });

  it('cannot insert a tenant row', async () => {
    await expect(
      handle.db.insert(documents).values({ tenantId: a.id, title: 'sneaky' }),
    ).rejects.toThrow();
  });
});

describe('tenant A never reaches tenant B', () => {
  it('selects only its own rows from every tenant table', async () => {
    const seen = await withTenant(a.id, async (tx) => ({
      documents: await tx.select({ tenantId: documents.tenantId }).from(documents),
      memberships: await tx.select({ tenantId: memberships.tenantId }).from(memberships),
      sessions: await tx.select({ tenantId: sessions.tenantId }).from(sessions),
      audit: await tx.select({ tenantId: auditEvents.tenantId }).from(auditEvents),
      tenants: await tx.select({ id: tenants.id }).from(tenants),
      users: await tx.select({ id: users.id }).from(users),
    }));
    expect(seen.documents.length).toBeGreaterThan(0);
    for (const rowsOfTable of [seen.documents, seen.memberships, seen.audit]) {
      expect(rowsOfTable.every((r) => r.tenantId === a.id)).toBe(true);
    }
    expect(seen.sessions).toEqual([]);
    expect(seen.tenants).toEqual([{ id: a.id }]);
    expect(seen.users.map((u) => u.id)).not.toContain(bMember.userId);
  });

  it('cannot read, update or delete B’s document by id', async () => {
    await withTenant(a.id, async (tx) => {
      expect(await tx.select().from(documents).where(eq(documents.id, bDoc))).toEqual([]);
      expect(
        await tx
          .update(documents)
          .set({ title: 'pwned' })
          .where(eq(documents.id, bDoc))
          .returning(),
      ).toEqual([]);
      expect(await tx.delete(documents).where(eq(documents.id, bDoc)).returning()).toEqual([]);
    });
    const [still] = await withTenant(b.id, (tx) =>
      tx.select().from(documents).where(eq(documents.id, bDoc)),
    );
    expect(still?.title).toBe(`doc of ${b.slug}`);
  });

  it('cannot insert rows carrying B’s tenant id into any tenant table', async () => {
    const attempts = [
      (tx: Parameters<Parameters<typeof withTenant>[1]>[0]) =>
        tx.insert(documents).values({ tenantId: b.id, title: 'x' }),
      (tx: Parameters<Parameters<typeof withTenant>[1]>[0]) =>
        tx.insert(auditEvents).values({ tenantId: b.id, actorType: 'system', action: 'forged' }),
      (tx: Parameters<Parameters<typeof withTenant>[1]>[0]) =>
        tx.insert(memberships).values({ tenantId: b.id, userId: bMember.userId, role: 'owner' }),
      (tx: Parameters<Parameters<typeof withTenant>[1]>[0]) =>
        tx.insert(sessions).values({
          tenantId: b.id,
          userId: bMember.userId,
          membershipId: bMember.membershipId,
          expiresAt: new Date(),
        }),
    ];
    for (const attempt of attempts) await expect(withTenant(a.id, attempt)).rejects.toThrow();
  });

  it('cannot move its own row into B', async () => {
    await expect(
      withTenant(a.id, (tx) =>
        tx.update(documents).set({ tenantId: b.id }).where(eq(documents.id, aDoc)),
      ),
    ).rejects.toThrow();
  });

  it('cannot change its own status or plan (column grants)', async () => {
    await expect(
      withTenant(a.id, (tx) =>
        tx.update(tenants).set({ status: 'active' }).where(eq(tenants.id, a.id)),
      ),
    ).rejects.toThrow();
    for (const change of [
      { plan: 'enterprise' },
      { featureOverrides: { api_access: true } },
      { limitOverrides: { documents: null } },
      { metadata: {} },
    ]) {
      await expect(
        withTenant(a.id, (tx) => tx.update(tenants).set(change).where(eq(tenants.id, a.id))),
        JSON.stringify(change),
      ).rejects.toThrow();
    }
  });

  it('chooses its internal-mode plan only through its billing account, and never what billing decides', async () => {
    await withPlatform((tx) =>
      tx.insert(billingAccounts).values([
        { tenantId: a.id, plan: 'free' },
        { tenantId: b.id, plan: 'free' },
      ]),
    );
    const plans = () =>
      withPlatform((tx) =>
        tx
          .select({ id: tenants.id, plan: tenants.plan })
          .from(tenants)
          .where(inArray(tenants.id, [a.id, b.id])),
      );
    const before = await plans();
    await withTenant(a.id, async (tx) => {
      await tx.update(billingAccounts).set({ plan: 'pro' });
      await tx.execute(sql`select tenantry_internal.apply_internal_plan()`);
    });
    const after = new Map((await plans()).map((t) => [t.id, t.plan]));
    expect(after.get(a.id)).toBe('pro');
    expect(after.get(b.id)).toBe(before.find((t) => t.id === b.id)?.plan);

    for (const change of [
      { mode: 'stripe' as const },
      { suspendedForNonpayment: false },
      { pastDueSince: null },
      { stripeCustomerId: 'cus_forged' },
      { stripeSubscriptionId: 'sub_forged' },
      { subscriptionEventAt: new Date() },
    ]) {
      await expect(
        withTenant(a.id, (tx) => tx.update(billingAccounts).set(change)),
        JSON.stringify(change),
      ).rejects.toThrow();
    }
    await expect(
      withTenant(a.id, (tx) =>
        tx.insert(invoices).values({
          tenantId: a.id,
          number: 'FORGED-1',
          source: 'internal',
          status: 'paid',
          periodStart: new Date(),
          periodEnd: new Date(),
          subtotal: 0,
          total: 0,
          amountDue: 0,
        }),
      ),
    ).rejects.toThrow();
    // In Stripe mode the function leaves the plan to the webhook.
    await withPlatform((tx) =>
      tx.update(billingAccounts).set({ mode: 'stripe' }).where(eq(billingAccounts.tenantId, a.id)),
    );
    await withTenant(a.id, async (tx) => {
      await tx.update(billingAccounts).set({ plan: 'enterprise' });
      await tx.execute(sql`select tenantry_internal.apply_internal_plan()`);
    });
    expect(new Map((await plans()).map((t) => [t.id, t.plan])).get(a.id)).toBe('pro');
    await withPlatform(async (tx) => {
      await tx.update(tenants).set({ plan: 'free' }).where(eq(tenants.id, a.id));
      await tx.delete(billingAccounts).where(inArray(billingAccounts.tenantId, [a.id, b.id]));
    });
  });

  it('cannot widen an API key or swap its hash (only last use and revocation are writable)', async () => {
    const [key] = await withTenant(a.id, (tx) =>
      tx
        .insert(apiKeys)
        .values({
          tenantId: a.id,
          name: 'k',
          prefix: 'tnry_x',
          keyHash: 'h',
          scopes: ['documents:read'],
        })
        .returning(),
    );
    for (const change of [
      { scopes: ['documents:read', 'documents:delete'] },
      { keyHash: 'other' },
      { tenantId: b.id },
      { expiresAt: null },
    ]) {
      await expect(
        withTenant(a.id, (tx) => tx.update(apiKeys).set(change).where(eq(apiKeys.id, key!.id))),
        JSON.stringify(change),
      ).rejects.toThrow();
    }
    await expect(
      withTenant(a.id, (tx) => tx.delete(apiKeys).where(eq(apiKeys.id, key!.id))),
    ).rejects.toThrow();
    await withTenant(a.id, (tx) =>
      tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, key!.id)),
    );
  });

  it.each([
    ['audit trail', auditEvents],
    ['access and security logs', activityEvents],
  ] as const)(
    'cannot rewrite the %s, and neither can the platform (append-only)',
    async (_, table) => {
      const attempts = [
        () => withTenant(a.id, (tx) => tx.delete(table)),
        () => withTenant(a.id, (tx) => tx.update(table).set({ action: 'x' })),
        () => withPlatform((tx) => tx.delete(table)),
        () => withPlatform((tx) => tx.update(table).set({ action: 'x' })),
      ];
      for (const attempt of attempts) {
        const outcome = await attempt().then(
          () => 'allowed',
          (error: unknown) => postgresErrorCode(error).code,
        );
        expect(outcome).toBe('42501');
      }
      const tableGrants = await rows(sql`
      select r.rolname as grantee, string_agg(x.privilege_type, ',' order by x.privilege_type) as privileges
      from pg_class c cross join lateral aclexplode(c.relacl) x join pg_roles r on r.oid = x.grantee
      where c.oid = ${getTableName(table)}::regclass and r.rolname in ('tenantry_app', 'tenantry_platform')
      group by r.rolname order by r.rolname`);
      expect(tableGrants).toEqual([
        { grantee: 'tenantry_app', privileges: 'INSERT,SELECT' },
        { grantee: 'tenantry_platform', privileges: 'INSERT,SELECT' },
      ]);
      const columnWrites = await rows(sql`
      select a.attname, x.privilege_type
      from pg_attribute a cross join lateral aclexplode(a.attacl) x
      where a.attrelid = ${getTableName(table)}::regclass and x.privilege_type <> 'SELECT'
        and x.privilege_type <> 'INSERT'`);
      expect(columnWrites).toEqual([]);
    },
  );
});

describe('platform path', () => {
  it('sees every tenant', async () => {
    const ids = await withPlatform((tx) => tx.select({ id: tenants.id }).from(tenants));
    expect(ids.map((t) => t.id)).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it('resolves one slug for the app role without listing tenants', async () => {
    const found = await rows(sql`select id, status from tenantry_resolve_tenant(${b.slug})`);
    expect(found).toEqual([{ id: b.id, status: 'active' }]);
    expect(await rows(sql`select id from tenantry_resolve_tenant('no-such-tenant')`)).toEqual([]);
  });
});
