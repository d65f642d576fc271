import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { activityEvents } from '@/db/schema';
import { withPlatform } from '@/db/scope';
import {
  TEST_PASSWORD,
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
} from '@/db/testing';
import { authenticateWithPassword } from '@/lib/auth/sign-in';
import type { ViewerDTO } from '@/lib/auth/sessions';
import { resolveViewer } from '@/lib/auth/viewer';
import { resolveTenantBySlug, type TenantContextDTO } from '@/lib/tenancy';
import { fileResponse, runTenantDownload } from './download';
import type { ResolvedRequest } from './pipeline';

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
  overrides: { tenant?: TenantContextDTO | null; viewer?: ViewerDTO | null } = {},
): ResolvedRequest {
  return {
    request: { requestId: randomUUID(), ip: '127.0.0.1', tenantSlug: tenant.slug },
    tenant: async () => (overrides.tenant === undefined ? tenant : overrides.tenant),
    viewer: async () => (overrides.viewer === undefined ? owner : overrides.viewer),
  };
}

const definition = {
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
  return { response: runTenantDownload(resolvedRequest, request, definition, work), work };
}

async function errorOf(response: Promise<Response>) {
  const answer = await response;
  expect(answer.headers.get('www-authenticate')).toBeNull();
  return {
    status: answer.status,
    ...((await answer.json()) as { error: { code: string; message: string } }).error,
  };
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  const created = await createTenant({ plan: 'pro' });
  tenant = (await resolveTenantBySlug(created.slug))!;
  owner = await signedIn('owner');
  member = await signedIn('member');
});
afterAll(() => teardownTestDatabase(handle));

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
