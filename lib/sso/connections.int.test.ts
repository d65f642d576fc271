import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { ssoConnections } from '@/db/schema';
import { withTenant } from '@/db/scope';
import { createTenant, setupTestDatabase, teardownTestDatabase } from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import { isSealed } from '@/lib/crypto';
import { AppError } from '@/lib/errors';
import { startTestIdp, type TestIdp } from '@/test-support/oidc-provider';
import {
  configureSsoConnection,
  discoverIssuer,
  getSsoConnection,
  isSsoEnforced,
  removeSsoConnection,
  saveSsoConnection,
  ssoConnectionInput,
  ssoRedirectUri,
  ssoSettings,
} from './index';
import { ssoClientOf } from './connections';
import { discoveryUrl } from './discovery';

let handle: DatabaseHandle;
let idp: TestIdp;
/** A real HTTP server that answers discovery badly in every way a wrong URL does. */
let bad: http.Server;
let badOrigin: string;

beforeAll(async () => {
  handle = await setupTestDatabase();
  idp = await startTestIdp();
  bad = http.createServer((req, res) => {
    if (req.url?.startsWith('/missing')) {
      res.writeHead(404).end('nope');
    } else if (req.url?.startsWith('/html')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    } else if (req.url?.startsWith('/partial')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":"x"}');
    } else if (req.url?.startsWith('/other')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: 'https://someone-else.example',
          authorization_endpoint: 'https://someone-else.example/auth',
          token_endpoint: 'https://someone-else.example/token',
        }),
      );
    } else if (req.url?.startsWith('/moved')) {
      res.writeHead(302, { location: idp.issuer }).end();
    } else {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve));
  badOrigin = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await idp?.close();
  bad?.closeAllConnections();
  await new Promise((resolve) => bad?.close(resolve));
  await teardownTestDatabase(handle);
});

const actor = { type: 'user' as const, id: null };
const form = (overrides: Record<string, unknown> = {}) =>
  ssoConnectionInput.parse({
    issuer: idp.issuer,
    clientId: 'tenantry-web',
    clientSecret: 'first-secret-value',
    enabled: 'on',
    autoProvisionRole: '',
    ...overrides,
  });

async function issuerError(issuer: string, allowHttp = true): Promise<string | undefined> {
  const error = await discoverIssuer(issuer, { allowHttp, timeoutMs: 2_000 }).catch((e) => e);
  expect(error).toBeInstanceOf(AppError);
  return (error as AppError).fieldErrors?.issuer?.[0];
}

describe('the settings form', () => {
  it('accepts a complete form and reads checkboxes and the role', () => {
    expect(form({ enforced: 'on', autoProvisionRole: 'member', clientSecret: '  ' })).toEqual({
      issuer: idp.issuer,
      clientId: 'tenantry-web',
      clientSecret: undefined,
      enabled: true,
      enforced: true,
      autoProvisionRole: 'member',
    });
  });

  it('refuses what cannot be an issuer, a missing client id, and the owner role', () => {
    const problems = (raw: Record<string, unknown>) =>
      ssoConnectionInput.safeParse({ enabled: 'on', ...raw }).error?.issues.map((i) => i.path[0]);
    expect(problems({ issuer: 'ftp://idp.example', clientId: 'x' })).toEqual(['issuer']);
    expect(problems({ issuer: 'https://idp.example?tenant=1', clientId: 'x' })).toEqual(['issuer']);
    expect(problems({ issuer: 'not a url', clientId: '' })).toEqual(['issuer', 'clientId']);
    expect(
      problems({ issuer: 'https://idp.example', clientId: 'x', autoProvisionRole: 'owner' }),
    ).toEqual(['autoProvisionRole']);
  });
});

describe('discovery', () => {
  it('reads the provider’s document and returns the issuer as it names itself', async () => {
    await expect(discoverIssuer(`${idp.issuer}/`, { allowHttp: true })).resolves.toMatchObject({
      issuer: idp.issuer,
      authorizationEndpoint: expect.stringContaining(idp.issuer),
    });
    expect(discoveryUrl('https://login.example/tenant-a/').href).toBe(
      'https://login.example/tenant-a/.well-known/openid-configuration',
    );
  });

  it('says clearly what is wrong with an issuer that cannot be used', async () => {
    expect(await issuerError(idp.issuer, false)).toBe('Use an https issuer URL.');
    expect(await issuerError(`${badOrigin}/missing`)).toMatch(/answered 404/);
    expect(await issuerError(`${badOrigin}/html`)).toMatch(/not an OpenID Connect discovery/);
    expect(await issuerError(`${badOrigin}/partial`)).toMatch(/not an OpenID Connect discovery/);
    expect(await issuerError(`${badOrigin}/other`)).toBe(
      'The provider names itself https://someone-else.example: enter that as the issuer.',
    );
    expect(await issuerError(`${badOrigin}/moved`)).toMatch(/Could not reach/);
    expect(await issuerError(`${badOrigin}/hangs-up`)).toMatch(/Could not reach/);
  });
});

describe('a tenant’s connection', () => {
  it('is saved after discovery, shown without its secret, and audited without it', async () => {
    const tenant = await createTenant();
    const saved = await withTenant(tenant.id, (tx) =>
      configureSsoConnection(tx, {
        tenantId: tenant.id,
        input: form({ issuer: `${idp.issuer}/`, autoProvisionRole: 'viewer' }),
        actor,
      }),
    );
    expect(saved).toMatchObject({
      issuer: idp.issuer,
      clientId: 'tenantry-web',
      enabled: true,
      enforced: false,
      autoProvisionRole: 'viewer',
    });
    const settings = await ssoSettings(tenant);
    expect(settings.redirectUri).toBe(
      `http://${tenant.slug}.localhost:3000/api/auth/callback/oidc`,
    );
    expect(settings.redirectUri).toBe(ssoRedirectUri(tenant.slug));
    expect(JSON.stringify(settings)).not.toContain('first-secret-value');

    const [event] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'sso.configured' }),
    );
    expect(event?.metadata).toMatchObject({
      before: null,
      after: { issuer: idp.issuer, clientId: 'tenantry-web', autoProvisionRole: 'viewer' },
      secretChanged: true,
    });
    expect(JSON.stringify(event)).not.toContain('first-secret-value');
  });

  it('keeps the saved secret when the field is blank, replaces it when given, and needs one at first', async () => {
    const tenant = await createTenant();
    const save = (overrides: Record<string, unknown>) =>
      withTenant(tenant.id, (tx) =>
        saveSsoConnection(tx, { tenantId: tenant.id, input: form(overrides), actor }),
      );
    const missing = await save({ clientSecret: '' }).catch((e: AppError) => e);
    expect(missing).toMatchObject({
      code: 'invalid_input',
      fieldErrors: { clientSecret: [expect.stringContaining('client secret')] },
    });

    await save({});
    await save({ clientSecret: '', clientId: 'renamed-client' });
    const secretOf = () =>
      withTenant(tenant.id, async (tx) => {
        const [stored] = await tx
          .select({ secret: ssoConnections.clientSecret })
          .from(ssoConnections)
          .where(eq(ssoConnections.tenantId, tenant.id));
        const client = await ssoClientOf(tx, { tenantId: tenant.id });
        return { stored: stored?.secret, secret: client?.clientSecret, clientId: client?.clientId };
      });
    const first = await secretOf();
    expect(first).toMatchObject({ secret: 'first-secret-value', clientId: 'renamed-client' });
    // Stored sealed under the tenant's data key, never as typed.
    expect(isSealed(first.stored!)).toBe(true);
    expect(first.stored).not.toContain('first-secret');
    await save({ clientSecret: 'second-secret-value' });
    expect((await secretOf()).secret).toBe('second-secret-value');

    const events = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'sso.configured' }),
    );
    expect(events.map((e) => e.metadata.secretChanged)).toEqual([true, false, true]);
    expect(events[1]?.metadata).toMatchObject({
      before: { clientId: 'tenantry-web' },
      after: { clientId: 'renamed-client' },
    });
  });

  it('enforces only while enabled', async () => {
    const tenant = await createTenant();
    const save = (overrides: Record<string, unknown>) =>
      withTenant(tenant.id, (tx) =>
        saveSsoConnection(tx, { tenantId: tenant.id, input: form(overrides), actor }),
      );
    const enforced = () =>
      withTenant(tenant.id, (tx) => isSsoEnforced(tx, { tenantId: tenant.id }));
    await save({ enforced: 'on' });
    expect(await enforced()).toBe(true);
    expect(await save({ enforced: 'on', enabled: undefined })).toMatchObject({
      enabled: false,
      enforced: false,
    });
    expect(await enforced()).toBe(false);
  });

  it('is removed and audited; removing nothing is not_found', async () => {
    const tenant = await createTenant();
    await withTenant(tenant.id, (tx) =>
      saveSsoConnection(tx, { tenantId: tenant.id, input: form(), actor }),
    );
    await withTenant(tenant.id, (tx) => removeSsoConnection(tx, { tenantId: tenant.id, actor }));
    expect(await withTenant(tenant.id, (tx) => getSsoConnection(tx, { tenantId: tenant.id }))).toBe(
      null,
    );
    const [event] = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'sso.removed' }),
    );
    expect(event?.metadata).toMatchObject({ before: { clientId: 'tenantry-web' } });
    expect(JSON.stringify(event)).not.toContain('secret-value');
    await expect(
      withTenant(tenant.id, (tx) => removeSsoConnection(tx, { tenantId: tenant.id, actor })),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('is invisible and untouchable from another tenant', async () => {
    const acme = await createTenant();
    const globex = await createTenant();
    await withTenant(acme.id, (tx) =>
      saveSsoConnection(tx, { tenantId: acme.id, input: form(), actor }),
    );
    // Globex's transaction asking for acme's connection by id: row-level security hides it.
    expect(await withTenant(globex.id, (tx) => getSsoConnection(tx, { tenantId: acme.id }))).toBe(
      null,
    );
    expect(await withTenant(globex.id, (tx) => isSsoEnforced(tx, { tenantId: acme.id }))).toBe(
      false,
    );
    await expect(
      withTenant(globex.id, (tx) => removeSsoConnection(tx, { tenantId: acme.id, actor })),
    ).rejects.toMatchObject({ code: 'not_found' });
    const updated = await withTenant(globex.id, (tx) =>
      tx
        .update(ssoConnections)
        .set({ clientId: 'hijacked' })
        .where(eq(ssoConnections.tenantId, acme.id))
        .returning(),
    );
    expect(updated).toEqual([]);
    await expect(
      withTenant(globex.id, (tx) =>
        tx.insert(ssoConnections).values({
          tenantId: acme.id,
          issuer: 'https://evil.example',
          clientId: 'x',
          clientSecret: 'y',
        }),
      ),
    ).rejects.toThrow();
    expect(
      (await withTenant(acme.id, (tx) => getSsoConnection(tx, { tenantId: acme.id })))?.clientId,
    ).toBe('tenantry-web');
  });
});
