import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DatabaseHandle } from '@/db/client';
import { tenants } from '@/db/schema';
import { withPlatform } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  TEST_PASSWORD,
} from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import {
  authenticateOperator,
  changeStatusForm,
  ensurePlatformAdmin,
  resolveOperator,
  type OperatorDTO,
  type TenantChange,
} from '@/lib/operators';
import { updateTenant } from '@/lib/tenancy';
import {
  runPlatformAction,
  type PlatformActionHandler,
  type PlatformResolvedRequest,
} from './pipeline';

let handle: DatabaseHandle;
let operator: OperatorDTO;

function resolved(
  overrides: { operator?: OperatorDTO | null; slug?: string | null } = {},
): PlatformResolvedRequest {
  return {
    request: { requestId: randomUUID(), ip: '127.0.0.1', tenantSlug: overrides.slug ?? null },
    operator: async () => (overrides.operator === undefined ? operator : overrides.operator),
  };
}

function form(values: Record<string, string>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(values)) data.set(key, value);
  data.set('$ACTION_ID_abc', '');
  return data;
}

const definition = { name: 'tenant.change_status', input: changeStatusForm };
const changeStatus: PlatformActionHandler<
  typeof changeStatusForm,
  { id: string; status: string }
> = async ({ tx, ctx, input }) => {
  const tenant = await updateTenant(tx, {
    id: input.id,
    changes: input.changes,
    actor: ctx.actor,
    request: ctx.request,
  });
  return { id: tenant.id, status: tenant.status };
};

async function statusOf(id: string): Promise<string | undefined> {
  const [row] = await withPlatform((tx) =>
    tx.select({ status: tenants.status }).from(tenants).where(eq(tenants.id, id)),
  );
  return row?.status;
}

const suspend = (id: string) =>
  form({ id, status: 'suspended', reason: 'Unpaid invoices', confirm: 'on' });

beforeAll(async () => {
  handle = await setupTestDatabase();
  const home = await createTenant();
  const person = await createMember(home.id);
  await ensurePlatformAdmin(person.email);
  const outcome = await authenticateOperator({
    email: person.email,
    password: TEST_PASSWORD,
    request: {},
  });
  if (!outcome.ok) throw new Error('operator sign-in failed');
  operator = (await resolveOperator({ sessionId: outcome.sessionId, kind: 'operator' }))!;
});
afterAll(() => teardownTestDatabase(handle));

describe('runPlatformAction', () => {
  it('runs the handler for an operator in a platform transaction, audited as the operator, then afterCommit', async () => {
    const tenant = await createTenant();
    const committed: string[] = [];
    const result = await runPlatformAction(
      resolved(),
      definition,
      changeStatus,
      suspend(tenant.id),
      (data) => {
        committed.push(data.status);
      },
    );
    expect(result).toEqual({ ok: true, data: { id: tenant.id, status: 'suspended' } });
    expect(committed).toEqual(['suspended']);
    expect(await statusOf(tenant.id)).toBe('suspended');
    const [event] = await withPlatform((tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'tenant.status_changed' }),
    );
    expect(event).toMatchObject({ actorType: 'operator', actorId: operator.userId });
  });

  it('runs as the platform role, which sees every tenant', async () => {
    const result = await runPlatformAction(
      resolved(),
      { name: 'probe', input: z.object({}) },
      async ({ tx, ctx }) => {
        const [row] = await tx
          .execute(sql`select current_setting('role') as role`)
          .then((r) => (r as unknown as { rows: Array<{ role: string }> }).rows);
        return { role: row?.role, actor: ctx.actor };
      },
      form({}),
    );
    expect(result).toEqual({
      ok: true,
      data: { role: 'tenantry_platform', actor: { type: 'operator', id: operator.userId } },
    });
  });

  it('does not exist on a tenant host, whatever the input and the session', async () => {
    const tenant = await createTenant();
    let after = false;
    for (const data of [suspend(tenant.id), form({ id: 'nonsense' })]) {
      const result = await runPlatformAction(
        resolved({ slug: 'acme' }),
        definition,
        changeStatus,
        data,
        () => {
          after = true;
        },
      );
      expect(result).toMatchObject({ ok: false, code: 'not_found' });
    }
    expect(after).toBe(false);
    expect(await statusOf(tenant.id)).toBe('active');
  });

  it('validates before anything else and reports field errors', async () => {
    const tenant = await createTenant();
    let asked = false;
    const result = await runPlatformAction(
      { ...resolved(), operator: async () => ((asked = true), null) },
      definition,
      changeStatus,
      form({ id: tenant.id, status: 'suspended', reason: '' }),
    );
    expect(result).toMatchObject({
      ok: false,
      code: 'invalid_input',
      fieldErrors: {
        reason: [expect.any(String)],
        confirm: ['Tick the box to confirm the change.'],
      },
      values: { id: tenant.id, status: 'suspended', reason: '' },
    });
    expect(asked).toBe(false);
    expect(await statusOf(tenant.id)).toBe('active');
  });

  it('refuses without an operator session', async () => {
    const tenant = await createTenant();
    expect(
      await runPlatformAction(
        resolved({ operator: null }),
        definition,
        changeStatus,
        suspend(tenant.id),
      ),
    ).toMatchObject({
      ok: false,
      code: 'unauthenticated',
    });
    expect(await statusOf(tenant.id)).toBe('active');
  });

  it('answers domain errors as they are, with their field errors', async () => {
    const tenant = await createTenant({ status: 'archived' });
    const result = await runPlatformAction(
      resolved(),
      definition,
      changeStatus,
      form({ id: tenant.id, status: 'active', reason: 'Bring it back', confirm: 'on' }),
    );
    expect(result).toMatchObject({
      ok: false,
      code: 'invalid_transition',
      fieldErrors: { status: [expect.any(String)] },
    });
    expect(await statusOf(tenant.id)).toBe('archived');
  });

  it('rolls back the handler’s writes when it fails, and never sends a password back', async () => {
    const tenant = await createTenant();
    const result = await runPlatformAction(
      resolved(),
      { name: 'doomed', input: changeStatusForm },
      async (args) => {
        await changeStatus(args);
        throw new AppError('conflict', 'Changed meanwhile.');
      },
      form({
        id: tenant.id,
        status: 'suspended',
        reason: 'Unpaid invoices',
        confirm: 'on',
        password: 'hunter22',
      }),
    );
    expect(result).toMatchObject({ ok: false, code: 'conflict', message: 'Changed meanwhile.' });
    expect(JSON.stringify(result)).not.toContain('hunter22');
    expect(await statusOf(tenant.id)).toBe('active');
    expect(
      await withPlatform((tx) =>
        listAuditEvents(tx, { tenantId: tenant.id, action: 'tenant.status_changed' }),
      ),
    ).toEqual([]);
  });

  it('answers unexpected errors generically, without their detail', async () => {
    const result = await runPlatformAction(
      resolved(),
      { name: 'broken', input: z.object({}) },
      async (): Promise<TenantChange> => {
        throw new Error('relation "secret_table" does not exist');
      },
      form({}),
    );
    expect(result).toMatchObject({ ok: false, code: 'internal' });
    expect(JSON.stringify(result)).not.toContain('secret_table');
  });
});
