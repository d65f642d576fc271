import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import * as collection from '@/app/api/v1/documents/route';
import * as item from '@/app/api/v1/documents/[id]/route';
import type { DatabaseHandle } from '@/db/client';
import type { ActivityStream } from '@/db/schema';
import { withTenant } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  TEST_PASSWORD,
} from '@/db/testing';
import { runTenantAction, type ResolvedRequest } from '@/lib/actions/pipeline';
import { createApiKey, revokeApiKey, type ApiScope } from '@/lib/api-keys';
import { listAuditEvents, type AuditFilters } from '@/lib/audit';
import type { ViewerDTO } from '@/lib/auth/sessions';
import { authenticateWithPassword } from '@/lib/auth/sign-in';
import { resolveViewer } from '@/lib/auth/viewer';
import { createDocument, loadDocumentOr404, loadDocumentPage, viewDocument } from '@/lib/documents';
import { acceptInvitation } from '@/lib/invitations';
import { log } from '@/lib/log';
import { rateLimitPolicies } from '@/lib/ratelimit';
import { resolveTenantBySlug, type TenantContextDTO } from '@/lib/tenancy';
import {
  exportLog,
  recordAccess,
  recordSecurityEvent,
  reportSecurityEvent,
  searchActivityEvents,
  type ActivityRecordDTO,
} from '.';

let handle: DatabaseHandle;
let acme: TenantContextDTO;
let globex: TenantContextDTO;
let owner: { userId: string; email: string };
let member: { userId: string; email: string };
let acmeKey: { id: string; key: string };
let readOnlyKey: { id: string; key: string };
let acmeDoc: string;
let globexDoc: string;

const ua = 'vitest-agent/1.0';
const uniqueIp = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

/** A tenant's events of one stream, newest first (the viewer's query). */
async function events(
  tenantId: string,
  stream: ActivityStream,
  filters: AuditFilters = {},
): Promise<ActivityRecordDTO[]> {
  const page = await withTenant(tenantId, (tx) =>
    searchActivityEvents(tx, { tenantId, stream, limit: 100, ...filters }),
  );
  return page.data;
}

async function keyFor(tenantId: string, scopes: ApiScope[]) {
  return withTenant(tenantId, (tx) =>
    createApiKey(tx, { tenantId, name: 'test', scopes, actor: { type: 'system', id: null } }),
  );
}

async function documentIn(tenantId: string, title: string): Promise<string> {
  const { id } = await withTenant(tenantId, (tx) =>
    createDocument(tx, { tenantId, actor: { type: 'system', id: null }, title, body: 'secret' }),
  );
  return id;
}

/** A tenant API request as middleware hands it to the route (tenant header set from the host). */
function apiRequest(path: string, key: string, tenant: { slug: string } = acme): Request {
  return new Request(`http://${tenant.slug}.localhost:3000/api/v1${path}`, {
    headers: {
      host: `${tenant.slug}.localhost:3000`,
      'x-tenantry-tenant': tenant.slug,
      'x-request-id': `req-${randomUUID()}`,
      'x-forwarded-for': '203.0.113.9',
      'user-agent': ua,
      authorization: `Bearer ${key}`,
    },
  });
}
const withId = (id: string) => ({ params: Promise.resolve({ id }) });
const noParams = { params: Promise.resolve({}) };

async function signIn(tenant: TenantContextDTO, email: string, password: string, ip = uniqueIp()) {
  return authenticateWithPassword({
    tenant,
    email,
    password,
    request: { requestId: `req-${randomUUID()}`, ip, userAgent: ua },
  });
}

beforeAll(async () => {
  handle = await setupTestDatabase();
  const [a, g] = await Promise.all([createTenant({ plan: 'pro' }), createTenant({ plan: 'pro' })]);
  acme = (await resolveTenantBySlug(a!.slug))!;
  globex = (await resolveTenantBySlug(g!.slug))!;
  owner = await createMember(acme.id, { role: 'owner', name: 'Olive Owner' });
  member = await createMember(acme.id, { role: 'member', name: 'Max Member' });
  acmeKey = await keyFor(acme.id, ['documents:read']);
  readOnlyKey = await keyFor(acme.id, ['documents:read']);
  acmeDoc = await documentIn(acme.id, 'Acme plans');
  globexDoc = await documentIn(globex.id, 'Globex plans');
});
afterAll(() => teardownTestDatabase(handle));
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/**
 * Holds the clock mid-way through the limiter's current window: the sliding window discounts
 * the previous window's attempts, so a run straddling a window's edge would count one short.
 */
function midWindow(windowSeconds: number): void {
  const ms = windowSeconds * 1000;
  vi.setSystemTime(Math.floor(Date.now() / ms) * ms + ms / 2);
}

describe('the access log', () => {
  it('records a document view in the portal, in the same transaction as the read', async () => {
    const request = { requestId: 'req-web-view', ip: '198.51.100.4', userAgent: ua };
    const document = await loadDocumentOr404({
      tenantId: acme.id,
      id: acmeDoc,
      actor: { type: 'user', id: member.userId },
      request,
    });
    expect(document.title).toBe('Acme plans');
    const [viewed] = await events(acme.id, 'access', {
      action: 'document.viewed',
      actorId: member.userId,
    });
    expect(viewed).toMatchObject({
      stream: 'access',
      action: 'document.viewed',
      channel: 'web',
      actorType: 'user',
      actorId: member.userId,
      actorName: 'Max Member',
      targetType: 'document',
      targetId: acmeDoc,
      requestId: 'req-web-view',
      ip: '198.51.100.4',
      userAgent: ua,
      metadata: { title: 'Acme plans' },
    });

    // A read that rolls back leaves no access row: the row commits with the read or not at all.
    await expect(
      withTenant(acme.id, async (tx) => {
        await viewDocument(tx, {
          tenantId: acme.id,
          id: acmeDoc,
          actor: { type: 'user', id: owner.userId },
          channel: 'web',
        });
        throw new Error('rendering failed');
      }),
    ).rejects.toThrow('rendering failed');
    expect(await events(acme.id, 'access', { actorId: owner.userId })).toEqual([]);
  });

  it('records a list page in the portal with the ids it showed', async () => {
    const result = await loadDocumentPage({
      tenantId: acme.id,
      query: { limit: '5' },
      actor: { type: 'user', id: member.userId },
      request: { requestId: 'req-web-list' },
    });
    const shown = result.page!.data.map((doc) => doc.id);
    expect(shown).toContain(acmeDoc);
    const [listed] = await events(acme.id, 'access', { action: 'document.listed' });
    expect(listed).toMatchObject({
      channel: 'web',
      actorId: member.userId,
      targetType: 'document',
      targetId: null,
      requestId: 'req-web-list',
      metadata: { count: shown.length, ids: shown },
    });
  });

  it('records API reads of a document and of the list, as the key, with the request', async () => {
    const got = await item.GET(apiRequest(`/documents/${acmeDoc}`, acmeKey.key), withId(acmeDoc));
    expect(got.status).toBe(200);
    const listed = await collection.GET(apiRequest('/documents?limit=2', acmeKey.key), noParams);
    expect(listed.status).toBe(200);

    const reads = await events(acme.id, 'access', { actorType: 'api_key', actorId: acmeKey.id });
    expect(reads.map((e) => e.action)).toEqual(['document.listed', 'document.viewed']);
    expect(reads[1]).toMatchObject({
      channel: 'api',
      actorName: 'test',
      targetType: 'document',
      targetId: acmeDoc,
      ip: '203.0.113.9',
      userAgent: ua,
      metadata: { title: 'Acme plans' },
    });
    expect(reads[1]!.requestId).toMatch(/^req-/);
    expect(reads[0]!.metadata).toEqual({ count: 1, ids: [acmeDoc] });
  });

  it('records every export of every log, with its filters and row count', async () => {
    const exporter = { type: 'user', id: owner.userId } as const;
    const request = { requestId: 'req-export', ip: '198.51.100.7', userAgent: ua };
    for (const kind of ['audit', 'access', 'security'] as const) {
      const result = await withTenant(acme.id, (tx) =>
        exportLog(tx, {
          tenantId: acme.id,
          log: kind,
          format: kind === 'security' ? 'csv' : 'json',
          actor: exporter,
          request,
          action: kind === 'access' ? 'document.' : undefined,
        }),
      );
      expect(result.rows).toBeGreaterThan(0);
      expect(result.truncated).toBe(false);
    }
    const exports = await events(acme.id, 'access', { action: 'log.exported' });
    expect(exports.map((e) => e.targetId)).toEqual(['security', 'access', 'audit']);
    expect(exports[1]).toMatchObject({
      channel: 'export',
      actorId: owner.userId,
      targetType: 'log',
      requestId: 'req-export',
      userAgent: ua,
      metadata: {
        log: 'access',
        format: 'json',
        filters: { action: 'document.' },
        truncated: false,
      },
    });
    // An audit-log export is in the audit trail too, so its hash chain covers it.
    const audited = await withTenant(acme.id, (tx) =>
      listAuditEvents(tx, { tenantId: acme.id, action: 'audit.exported' }),
    );
    expect(audited).toHaveLength(1);
  });

  it('records writes for the reading tenant only, refused for another tenant by RLS', async () => {
    await expect(
      withTenant(acme.id, (tx) =>
        recordAccess(tx, {
          tenantId: globex.id,
          actor: { type: 'system', id: null },
          action: 'document.viewed',
          channel: 'web',
        }),
      ),
    ).rejects.toThrow();
    expect(await events(globex.id, 'access')).toEqual([]);
  });
});

describe('the security log', () => {
  it('records a failed and a successful sign-in, with the pino security line', async () => {
    const tenant = (await resolveTenantBySlug((await createTenant()).slug))!;
    const person = await createMember(tenant.id, { role: 'member', name: 'Sam Signin' });
    const warn = vi.spyOn(log, 'warn');

    expect(await signIn(tenant, person.email, 'wrong-password', '198.51.100.20')).toEqual({
      ok: false,
      reason: 'invalid_credentials',
    });
    expect(await signIn(tenant, 'nobody@example.test', 'guess')).toEqual({
      ok: false,
      reason: 'invalid_credentials',
    });
    const outcome = await signIn(tenant, person.email, TEST_PASSWORD);
    expect(outcome.ok).toBe(true);

    const log_ = await events(tenant.id, 'security');
    expect(log_.map((e) => e.action)).toEqual([
      'auth.signed_in',
      'auth.sign_in_failed',
      'auth.sign_in_failed',
    ]);
    expect(log_[0]).toMatchObject({
      channel: 'web',
      actorType: 'user',
      actorId: person.userId,
      targetType: 'session',
      targetId: outcome.ok ? outcome.sessionId : null,
      userAgent: ua,
    });
    expect(log_[1]).toMatchObject({
      actorType: 'anonymous',
      actorId: null,
      targetType: null,
      metadata: { email: 'nobody@example.test', reason: 'unknown_account' },
    });
    expect(log_[2]).toMatchObject({
      actorType: 'user',
      actorId: person.userId,
      targetType: 'user',
      targetId: person.userId,
      ip: '198.51.100.20',
      metadata: { email: person.email, reason: 'wrong_password' },
    });

    // The alerting line: `security: true`, the event, the tenant — and no e-mail address.
    const lines = warn.mock.calls.map(([fields]) => fields as Record<string, unknown>);
    const failed = lines.find((f) => f.event === 'auth.sign_in_failed');
    expect(failed).toMatchObject({
      security: true,
      tenantId: tenant.id,
      ip: '198.51.100.20',
      reason: 'wrong_password',
    });
    expect(JSON.stringify(lines)).not.toContain(person.email);
    expect(lines.some((f) => f.event === 'auth.signed_in')).toBe(true);
  });

  it('locks the account after repeated failures, raising auth.account_locked exactly once', async () => {
    const tenant = (await resolveTenantBySlug((await createTenant()).slug))!;
    const person = await createMember(tenant.id);
    const { limit, windowSeconds } = rateLimitPolicies.signInPerAccount;
    midWindow(windowSeconds);
    const outcomes = [];
    // Each attempt from another address: the per-account limit is the lock, not the per-IP one.
    for (let i = 0; i < limit; i++) outcomes.push(await signIn(tenant, person.email, 'wrong'));
    expect(outcomes.slice(0, -1).every((o) => !o.ok && o.reason === 'invalid_credentials')).toBe(
      true,
    );
    // The failure that used the last attempt says so at once.
    expect(outcomes.at(-1)).toMatchObject({ ok: false, reason: 'account_locked' });

    // Locked: refused before any password check, even the right one, and it stays one lock.
    for (const password of [TEST_PASSWORD, 'wrong', TEST_PASSWORD]) {
      const refused = await signIn(tenant, person.email, password);
      expect(refused).toMatchObject({ ok: false, reason: 'account_locked' });
      if (!refused.ok && refused.reason === 'account_locked') {
        expect(refused.retryAfterSeconds).toBeGreaterThan(0);
        expect(refused.retryAfterSeconds).toBeLessThanOrEqual(
          rateLimitPolicies.signInPerAccount.windowSeconds,
        );
      }
    }

    const security = await events(tenant.id, 'security');
    const locks = security.filter((e) => e.action === 'auth.account_locked');
    expect(locks).toHaveLength(1);
    expect(locks[0]).toMatchObject({
      channel: 'web',
      actorType: 'user',
      actorId: person.userId,
      targetType: 'user',
      targetId: person.userId,
      metadata: { email: person.email, failures: limit },
    });
    expect(security.filter((e) => e.action === 'auth.sign_in_failed')).toHaveLength(limit);
    const refusals = security.filter((e) => e.action === 'auth.sign_in_rate_limited');
    expect(refusals).toHaveLength(3);
    expect(refusals[0]).toMatchObject({
      actorType: 'anonymous',
      metadata: { email: person.email, limits: ['account'], accountLocked: true },
    });
    // Another tenant's account with the same e-mail is not locked.
    await createMember(globex.id, { email: person.email });
    expect((await signIn(globex, person.email, TEST_PASSWORD)).ok).toBe(true);
  });

  it('records a per-IP refusal as a rate-limit hit, not a lock', async () => {
    const tenant = (await resolveTenantBySlug((await createTenant()).slug))!;
    const ip = uniqueIp();
    midWindow(rateLimitPolicies.signInPerIp.windowSeconds);
    for (let i = 0; i < rateLimitPolicies.signInPerIp.limit; i++)
      await signIn(tenant, `stuffing-${i}@example.test`, 'guess', ip);
    const refused = await signIn(tenant, 'someone@example.test', 'guess', ip);
    expect(refused).toMatchObject({ ok: false, reason: 'rate_limited' });
    const [hit] = await events(tenant.id, 'security', { action: 'auth.sign_in_rate_limited' });
    expect(hit).toMatchObject({
      ip,
      metadata: { limits: ['ip'], accountLocked: false, storeUnavailable: false },
    });
    expect(await events(tenant.id, 'security', { action: 'auth.account_locked' })).toEqual([]);
  });

  it('records a permission denial by tenantAction, and the handler never runs', async () => {
    const outcome = await authenticateWithPassword({
      tenant: acme,
      email: member.email,
      password: TEST_PASSWORD,
      request: {},
    });
    if (!outcome.ok) throw new Error('sign-in failed');
    const viewer = (await resolveViewer(acme, {
      sessionId: outcome.sessionId,
      tenantId: acme.id,
    })) as ViewerDTO;
    const resolved: ResolvedRequest = {
      request: {
        requestId: 'req-denied',
        ip: '198.51.100.30',
        tenantSlug: acme.slug,
        userAgent: ua,
      },
      tenant: async () => acme,
      viewer: async () => viewer,
    };
    const handler = vi.fn(async () => undefined);
    const form = new FormData();
    const result = await runTenantAction(
      resolved,
      { name: 'tenant.update_settings', input: z.object({}), permission: 'settings:manage' },
      handler,
      form,
    );
    expect(result).toMatchObject({ ok: false, code: 'forbidden' });
    expect(handler).not.toHaveBeenCalled();
    const [denied] = await events(acme.id, 'security', {
      action: 'permission.denied',
      actorId: member.userId,
    });
    expect(denied).toMatchObject({
      channel: 'web',
      actorType: 'user',
      requestId: 'req-denied',
      ip: '198.51.100.30',
      userAgent: ua,
      metadata: { permission: 'settings:manage', operation: 'tenant.update_settings' },
    });
  });

  it('records an API scope refusal as a permission denial of the key', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    const key = await keyFor(tenant.id, ['documents:read']);
    const response = await collection.POST(
      new Request(`http://${tenant.slug}.localhost:3000/api/v1/documents`, {
        method: 'POST',
        headers: {
          'x-tenantry-tenant': tenant.slug,
          authorization: `Bearer ${key.key}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ title: 'Nope' }),
      }),
      noParams,
    );
    expect(response.status).toBe(403);
    const security = await events(tenant.id, 'security', { action: 'permission.denied' });
    expect(security).toHaveLength(1);
    expect(security[0]).toMatchObject({
      channel: 'api',
      actorType: 'api_key',
      actorId: key.id,
      metadata: { scope: 'documents:write', operation: 'createDocument' },
    });
    // An unknown key is a 401 with no actor to record.
    const unknown = await collection.GET(
      new Request(`http://${tenant.slug}.localhost:3000/api/v1/documents`, {
        headers: {
          'x-tenantry-tenant': tenant.slug,
          authorization: `Bearer tnry_${'x'.repeat(43)}`,
        },
      }),
      noParams,
    );
    expect(unknown.status).toBe(401);
    expect(await events(tenant.id, 'security', { action: 'permission.denied' })).toHaveLength(1);
  });

  it('records a probe with another tenant’s document id, through the API and the portal', async () => {
    const probe = await item.GET(
      apiRequest(`/documents/${globexDoc}`, readOnlyKey.key),
      withId(globexDoc),
    );
    expect(probe.status).toBe(404);
    // Same answer as an id that exists nowhere: nothing tells the prober the id is real.
    const missing = randomUUID();
    const nowhere = await item.GET(
      apiRequest(`/documents/${missing}`, readOnlyKey.key),
      withId(missing),
    );
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toEqual(await probe.json());
    // A malformed id names nothing: a 404, not a probe.
    expect(
      (await item.GET(apiRequest('/documents/abc', readOnlyKey.key), withId('abc'))).status,
    ).toBe(404);

    await expect(
      loadDocumentOr404({
        tenantId: acme.id,
        id: globexDoc,
        actor: { type: 'user', id: member.userId },
        request: { requestId: 'req-web-probe' },
      }),
    ).rejects.toThrow('NEXT_HTTP_ERROR_FALLBACK;404');
    await expect(
      loadDocumentOr404({
        tenantId: acme.id,
        id: 'abc',
        actor: { type: 'user', id: member.userId },
      }),
    ).rejects.toThrow('NEXT_HTTP_ERROR_FALLBACK;404');

    const probes = await events(acme.id, 'security', { action: 'request.unknown_id' });
    expect(probes.map((e) => [e.channel, e.actorType, e.targetId])).toEqual([
      ['web', 'user', globexDoc],
      ['api', 'api_key', missing],
      ['api', 'api_key', globexDoc],
    ]);
    expect(probes[2]).toMatchObject({
      actorId: readOnlyKey.id,
      targetType: 'document',
      metadata: { operation: 'getDocument' },
    });
    expect(probes[0]).toMatchObject({ requestId: 'req-web-probe', actorId: member.userId });
    // Nothing about the probe reaches the tenant that owns the document.
    expect(await events(globex.id, 'security', { targetId: globexDoc })).toEqual([]);
    expect(await events(globex.id, 'access', { targetId: globexDoc })).toEqual([]);
  });

  it('records API key creation and revocation, beside the audit trail', async () => {
    const tenant = await createTenant({ plan: 'pro' });
    const admin = await createMember(tenant.id, { role: 'admin', name: 'Ada Admin' });
    const actor = { type: 'user', id: admin.userId } as const;
    const created = await withTenant(tenant.id, (tx) =>
      createApiKey(tx, {
        tenantId: tenant.id,
        actor,
        request: { requestId: 'req-key' },
        name: 'CI',
        scopes: ['documents:read'],
      }),
    );
    await withTenant(tenant.id, (tx) =>
      revokeApiKey(tx, { tenantId: tenant.id, actor, id: created.id }),
    );
    // Revoking again changes nothing and records nothing.
    await withTenant(tenant.id, (tx) =>
      revokeApiKey(tx, { tenantId: tenant.id, actor, id: created.id }),
    );
    await withTenant(tenant.id, (tx) =>
      createApiKey(tx, {
        tenantId: tenant.id,
        actor: { type: 'platform', id: null },
        name: 'provisioning',
        scopes: ['documents:read'],
      }),
    );
    const security = await events(tenant.id, 'security', { action: 'api_key.' });
    expect(security.map((e) => [e.action, e.channel, e.actorType])).toEqual([
      ['api_key.created', 'api', 'platform'],
      ['api_key.revoked', 'web', 'user'],
      ['api_key.created', 'web', 'user'],
    ]);
    expect(security[2]).toMatchObject({
      actorName: 'Ada Admin',
      targetType: 'api_key',
      targetId: created.id,
      requestId: 'req-key',
      metadata: { name: 'CI', prefix: created.prefix, scopes: ['documents:read'] },
    });
    expect(JSON.stringify(security)).not.toContain(created.key);
    const audited = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id }),
    );
    expect(audited.map((e) => e.action)).toEqual([
      'api_key.created',
      'api_key.revoked',
      'api_key.created',
    ]);
  });

  it('records a session token replayed on another tenant’s host', async () => {
    expect(
      await resolveViewer(
        acme,
        { sessionId: randomUUID(), tenantId: globex.id },
        { requestId: 'req-replay' },
      ),
    ).toBeNull();
    const [rejected] = await events(acme.id, 'security', { action: 'auth.session_rejected' });
    expect(rejected).toMatchObject({
      actorType: 'anonymous',
      requestId: 'req-replay',
      metadata: { reason: 'tenant_mismatch' },
    });
    expect(JSON.stringify(rejected)).not.toContain(globex.id);
  });

  it('records invitation acceptance attempts over the limit, and a wrong password', async () => {
    const tenant = (await resolveTenantBySlug((await createTenant()).slug))!;
    const ip = uniqueIp();
    const attempt = () =>
      acceptInvitation({ tenant, token: 'B'.repeat(43), password: 'x', request: { ip } });
    for (let i = 0; i < rateLimitPolicies.invitationAcceptPerIp.limit; i++)
      await expect(attempt()).rejects.toMatchObject({ code: 'not_found' });
    await expect(attempt()).rejects.toMatchObject({ code: 'rate_limited' });
    const [hit] = await events(tenant.id, 'security', { action: 'invitation.' });
    expect(hit).toMatchObject({
      action: 'invitation.accept_rate_limited',
      channel: 'web',
      actorType: 'anonymous',
      ip,
      metadata: { storeUnavailable: false },
    });
  });
});

describe('recording', () => {
  it('writes the row and the alerting line in the caller’s transaction', async () => {
    const warn = vi.spyOn(log, 'warn');
    await withTenant(acme.id, (tx) =>
      recordSecurityEvent(tx, {
        tenantId: acme.id,
        actor: { type: 'user', id: owner.userId },
        action: 'auth.mfa_failed',
        target: { type: 'user', id: owner.userId },
        metadata: { method: 'totp', email: owner.email },
        request: { requestId: 'req-mfa', ip: `  ${'9'.repeat(100)}`, userAgent: 'u'.repeat(600) },
      }),
    );
    const [mfa] = await events(acme.id, 'security', { action: 'auth.mfa_failed' });
    expect(mfa).toMatchObject({ channel: null, metadata: { method: 'totp', email: owner.email } });
    expect(mfa!.ip).toHaveLength(64);
    expect(mfa!.userAgent).toHaveLength(512);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ security: true, event: 'auth.mfa_failed', method: 'totp' }),
      'auth.mfa_failed',
    );
    expect(JSON.stringify(warn.mock.calls)).not.toContain(owner.email);
  });

  it('reports in a transaction of its own, and a failure to store is logged, never thrown', async () => {
    const error = vi.spyOn(log, 'error');
    const warn = vi.spyOn(log, 'warn');
    const ghost = randomUUID();
    await expect(
      reportSecurityEvent({
        tenantId: ghost,
        actor: { type: 'system', id: null },
        action: 'api.rate_limited',
      }),
    ).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ event: 'api.rate_limited', tenantId: ghost }),
      'api.rate_limited',
    );
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ event: 'api.rate_limited', tenantId: ghost }),
      'security event not stored',
    );
  });
});
