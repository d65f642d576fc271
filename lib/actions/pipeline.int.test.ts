import { randomUUID } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { DatabaseHandle } from '@/db/client';
import { activityEvents, documents, usageEvents } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  TEST_PASSWORD,
} from '@/db/testing';
import { authenticateWithPassword } from '@/lib/auth/sign-in';
import { resolveViewer } from '@/lib/auth/viewer';
import type { ViewerDTO } from '@/lib/auth/sessions';
import { createDocument, createDocumentInput } from '@/lib/documents';
import { AppError } from '@/lib/errors';
import { usageRecorder } from '@/lib/metering';
import { resolveTenantBySlug, type TenantContextDTO } from '@/lib/tenancy';
import { fileResponse, runTenantDownload } from './download';
import { runPublicAction, runTenantAction, type ResolvedRequest } from './pipeline';

let handle: DatabaseHandle;
let tenant: TenantContextDTO;
let owner: ViewerDTO;
let member: ViewerDTO;

async function signedIn(role: 'owner' | 'member'): Promise<ViewerDTO> {
  const person = await createMember(tenant.id, { role });
  const outcome = await authenticateWithPassword({
    tenant,
    email: person.email,
    password: TEST_PASSWORD,
    request: {},
  });
  if (!outcome.ok) throw new Error('sign-in failed');
  return (await resolveViewer(tenant, { sessionId: outcome.sessionId, tenantId: tenant.id }))!;
}

function resolved(
  overrides: {
    tenant?: TenantContextDTO | null;
    viewer?: ViewerDTO | null;
    slug?: string | null;
  } = {},
): ResolvedRequest {
  return {
    request: {
      requestId: randomUUID(),
      ip: '127.0.0.1',
      tenantSlug: overrides.slug === undefined ? tenant.slug : overrides.slug,
    },
    tenant: async () => (overrides.tenant === undefined ? tenant : overrides.tenant),
    viewer: async () => (overrides.viewer === undefined ? owner : overrides.viewer),
  };
}

function form(values: Record<string, string>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(values)) data.set(key, value);
  data.set('$ACTION_ID_abc', '');
  return data;
}

const definition = {
  name: 'document.create',
  input: createDocumentInput,
  permission: 'documents:write' as const,
};
const createHandler: Parameters<
  typeof runTenantAction<typeof createDocumentInput, { id: string }>
>[2] = ({ tx, ctx, input }) =>
  createDocument(tx, { tenantId: ctx.tenant.id, actor: ctx.actor, request: ctx.request, ...input });

async function documentCount(): Promise<number> {
  const [row] = await withTenant(tenant.id, (tx) => tx.select({ n: count() }).from(documents));
  return row?.n ?? 0;
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  const created = await createTenant();
  tenant = (await resolveTenantBySlug(created.slug))!;
  owner = await signedIn('owner');
  member = await signedIn('member');
});
afterAll(() => teardownTestDatabase(handle));

describe('runTenantAction', () => {
  it('runs the handler for a permitted member and then afterCommit', async () => {
    const committed: string[] = [];
    const result = await runTenantAction(
      resolved(),
      definition,
      createHandler,
      form({ title: 'Hello' }),
      (data) => {
        committed.push(data.id);
      },
    );
    expect(result).toMatchObject({ ok: true, data: { id: expect.any(String) } });
    expect(committed).toHaveLength(1);
  });

  it('meters the server time of an authorised action as the tenant’s compute, by action', async () => {
    await usageRecorder().flush();
    await runTenantAction(resolved(), definition, createHandler, form({ title: 'Metered' }));
    await usageRecorder().flush();
    const rows = await withPlatform((tx) =>
      tx
        .select({ value: usageEvents.value, properties: usageEvents.properties })
        .from(usageEvents)
        .where(and(eq(usageEvents.tenantId, tenant.id), eq(usageEvents.metric, 'compute_ms'))),
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.every((row) => row.properties.route === 'document.create')).toBe(true);
    expect(rows.reduce((sum, row) => sum + row.value, 0)).toBeGreaterThan(0);
  });

  it('sends the submitted text back on failure so the form keeps it, but never a password', async () => {
    const result = await runTenantAction(
      resolved({ viewer: null }),
      definition,
      createHandler,
      form({ title: 'Draft', password: 'hunter22', body: 'kept' }),
    );
    expect(result).toMatchObject({ ok: false, values: { title: 'Draft', body: 'kept' } });
    expect(JSON.stringify(result)).not.toContain('hunter22');
    expect(JSON.stringify(result)).not.toContain('$ACTION');
  });

  it('validates before anything else and reports field errors', async () => {
    const before = await documentCount();
    const result = await runTenantAction(
      resolved({ viewer: null }),
      definition,
      createHandler,
      form({ title: '' }),
    );
    expect(result).toMatchObject({
      ok: false,
      code: 'invalid_input',
      fieldErrors: { title: [expect.any(String)] },
    });
    expect(await documentCount()).toBe(before);
  });

  it.each([
    ['no tenant on this host', { tenant: null }, 'not_found'],
    ['no session', { viewer: null }, 'unauthenticated'],
  ] as const)('refuses with %s', async (_label, overrides, code) => {
    const before = await documentCount();
    expect(
      await runTenantAction(resolved(overrides), definition, createHandler, form({ title: 'x' })),
    ).toMatchObject({ ok: false, code });
    expect(await documentCount()).toBe(before);
  });

  it('refuses a suspended tenant', async () => {
    const result = await runTenantAction(
      resolved({ tenant: { ...tenant, status: 'suspended' } }),
      definition,
      createHandler,
      form({ title: 'x' }),
    );
    expect(result).toMatchObject({ ok: false, code: 'tenant_suspended' });
  });

  it('checks the declared permission, not the role name', async () => {
    const settings = {
      name: 'tenant.update_settings',
      input: z.object({}),
      permission: 'settings:manage' as const,
    };
    let ran = false;
    const handler = async () => {
      ran = true;
    };
    expect(
      await runTenantAction(resolved({ viewer: member }), settings, handler, form({})),
    ).toMatchObject({ ok: false, code: 'forbidden' });
    expect(ran).toBe(false);
    expect(await runTenantAction(resolved({ viewer: owner }), settings, handler, form({}))).toEqual(
      { ok: true, data: undefined },
    );
    expect(ran).toBe(true);
  });

  it('lets any signed-in member take a self action, but never an anonymous caller', async () => {
    const own = { name: 'session.revoke_others', input: z.object({}), permission: 'self' as const };
    const handler = async ({ ctx }: { ctx: { viewer: { userId: string } } }) => ctx.viewer.userId;
    expect(await runTenantAction(resolved({ viewer: member }), own, handler, form({}))).toEqual({
      ok: true,
      data: member.userId,
    });
    expect(await runTenantAction(resolved({ viewer: null }), own, handler, form({}))).toMatchObject(
      {
        ok: false,
        code: 'unauthenticated',
      },
    );
  });

  it('rolls back the handler’s writes when it fails, answering domain errors as they are', async () => {
    const before = await documentCount();
    const result = await runTenantAction(
      resolved(),
      definition,
      async (args) => {
        await createHandler(args);
        throw new AppError('conflict', 'Changed meanwhile.');
      },
      form({ title: 'Doomed' }),
    );
    expect(result).toEqual({
      ok: false,
      code: 'conflict',
      message: 'Changed meanwhile.',
      fieldErrors: undefined,
      values: { title: 'Doomed' },
    });
    expect(await documentCount()).toBe(before);
  });

  it('answers unexpected errors generically, without their detail', async () => {
    const result = await runTenantAction(
      resolved(),
      definition,
      async () => {
        throw new Error('relation "secret_table" does not exist');
      },
      form({ title: 'x' }),
    );
    expect(result).toMatchObject({ ok: false, code: 'internal' });
    expect(JSON.stringify(result)).not.toContain('secret_table');
  });
});

describe('runPublicAction', () => {
  const input = z.object({ name: z.string().min(2, 'Too short.') });

  it('runs on the root domain and maps validation errors', async () => {
    const root = resolved({ slug: null });
    expect(
      await runPublicAction(
        root,
        { name: 'x', input },
        async ({ input: { name } }) => name.toUpperCase(),
        form({ name: 'ok' }),
      ),
    ).toEqual({
      ok: true,
      data: 'OK',
    });
    expect(
      await runPublicAction(root, { name: 'x', input }, async () => 'never', form({ name: 'x' })),
    ).toMatchObject({
      ok: false,
      code: 'invalid_input',
      fieldErrors: { name: ['Too short.'] },
    });
  });

  it('is not available on a tenant host', async () => {
    let after = false;
    const result = await runPublicAction(
      resolved(),
      { name: 'x', input },
      async () => 'never',
      form({ name: 'ok' }),
      () => {
        after = true;
      },
    );
    expect(result).toMatchObject({ ok: false, code: 'not_found' });
    expect(after).toBe(false);
  });
});

const downloadDefinition = {
  permission: 'usage:read' as const,
  operation: 'usage.export',
  startFrom: 'the usage page',
  what: 'usage',
};

function download(
  resolvedRequest: ResolvedRequest,
  headers: Record<string, string> = {},
  work = vi.fn(async () => fileResponse('a,b\r\n', { contentType: 'text/csv', filename: 'x.csv' })),
) {
  const request = new Request(
    `http://${tenant.slug}.localhost:3000/settings/usage/export.csv?x=1`,
    {
      headers,
    },
  );
  return { response: runTenantDownload(resolvedRequest, request, downloadDefinition, work), work };
}

async function errorOf(response: Promise<Response>) {
  const answer = await response;
  expect(answer.headers.get('www-authenticate')).toBeNull();
  return {
    status: answer.status,
    ...((await answer.json()) as { error: { code: string; message: string } }).error,
  };
}

describe('runTenantDownload', () => {
  it('serves the file to a member holding the permission, with the URL and an actor', async () => {
    const { response, work } = download(resolved(), { 'sec-fetch-site': 'same-origin' });
    const answer = await response;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-disposition')).toBe('attachment; filename="x.csv"');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await answer.text()).toBe('a,b\r\n');
    expect(work).toHaveBeenCalledWith(
      expect.objectContaining({
        tenant,
        actor: { type: 'user', id: owner.userId },
        url: expect.objectContaining({ search: '?x=1' }),
      }),
    );
  });

  it('refuses another site, another tenant’s subdomain included, before reading the session', async () => {
    const viewer = vi.fn(async () => owner);
    const { response, work } = download(
      { ...resolved(), viewer },
      { 'sec-fetch-site': 'same-site' },
    );
    expect(await errorOf(response)).toMatchObject({
      status: 403,
      message: 'Start the download from the usage page.',
    });
    expect(viewer).not.toHaveBeenCalled();
    expect(work).not.toHaveBeenCalled();
  });

  it('answers 404 without a tenant, 403 when suspended, 401 without a session', async () => {
    expect(await errorOf(download(resolved({ tenant: null })).response)).toMatchObject({
      status: 404,
    });
    expect(
      await errorOf(download(resolved({ tenant: { ...tenant, status: 'suspended' } })).response),
    ).toMatchObject({ status: 403, code: 'tenant_suspended' });
    expect(await errorOf(download(resolved({ viewer: null })).response)).toMatchObject({
      status: 401,
      message: 'Sign in to download usage.',
    });
  });

  it('refuses a member without the permission and records it in the security log', async () => {
    const { response, work } = download(resolved({ viewer: member }));
    expect(await errorOf(response)).toMatchObject({
      status: 403,
      message: 'You do not have access to usage.',
    });
    expect(work).not.toHaveBeenCalled();
    const events = await withPlatform((tx) =>
      tx
        .select({ action: activityEvents.action, metadata: activityEvents.metadata })
        .from(activityEvents)
        .where(
          and(eq(activityEvents.tenantId, tenant.id), eq(activityEvents.actorId, member.userId)),
        ),
    );
    expect(events).toContainEqual({
      action: 'permission.denied',
      metadata: { permission: 'usage:read', operation: 'usage.export' },
    });
  });

  it('answers the work’s own errors in the API shape', async () => {
    const { response } = download(
      resolved(),
      {},
      vi.fn(async () => {
        throw new Error('disk on fire');
      }),
    );
    expect(await errorOf(response)).toMatchObject({ status: 500, code: 'internal' });
  });
});
