import { randomUUID } from 'node:crypto';
import { decode } from '@auth/core/jwt';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { invitations, memberships, ssoIdentities, tenants, users } from '@/db/schema';
import { withPlatform, withTenant } from '@/db/scope';
import {
  createMember,
  createTenant,
  setupTestDatabase,
  teardownTestDatabase,
  TEST_PASSWORD,
} from '@/db/testing';
import { listAuditEvents } from '@/lib/audit';
import { authenticateWithPassword } from '@/lib/auth/sign-in';
import { resolveViewer } from '@/lib/auth/viewer';
import { INTERNAL_HEADERS } from '@/lib/host';
import { resolveTenantBySlug, type TenantContextDTO } from '@/lib/tenancy';
import { startTestIdp, type TestIdp, type TestIdpAccount } from '@/test-support/oidc-provider';
import { GET as callbackRoute } from '@/app/api/auth/callback/oidc/route';
import {
  beginSsoSignIn,
  handleSsoCallback,
  saveSsoConnection,
  ssoConnectionInput,
  ssoRedirectUri,
  ssoSignInOptions,
  type SsoAutoProvisionRole,
} from './index';
import { completeSsoSignIn } from './sign-in';

/**
 * The whole sign-on against a real OpenID Connect provider on loopback (oidc-provider): Auth.js
 * starts it (state, PKCE, nonce), the provider's login form is submitted, and the callback runs
 * through the route handler on the tenant's host, as a browser would do it.
 */

const SECRET = 'sso-flow-test-secret-0123456789abcdefghijklmnop';
vi.hoisted(() => {
  process.env.AUTH_SECRET = 'sso-flow-test-secret-0123456789abcdefghijklmnop';
});

let handle: DatabaseHandle;
let idp: TestIdp;

beforeAll(async () => {
  handle = await setupTestDatabase();
  idp = await startTestIdp();
});
afterAll(async () => {
  await idp?.close();
  await teardownTestDatabase(handle);
});

const request = () => ({ requestId: randomUUID(), ip: '10.9.8.7', userAgent: 'vitest' });

async function tenantContext(slug: string): Promise<TenantContextDTO> {
  const tenant = await resolveTenantBySlug(slug);
  if (!tenant) throw new Error(`no tenant ${slug}`);
  return tenant;
}

/** A tenant with an SSO connection to the test provider, through its own client. */
async function ssoTenant(
  options: {
    autoProvisionRole?: SsoAutoProvisionRole;
    enforced?: boolean;
    plan?: string;
  } = {},
): Promise<TenantContextDTO> {
  const { slug } = await createTenant({ plan: options.plan ?? 'pro' });
  await connect(slug, options);
  return tenantContext(slug);
}

async function connect(
  slug: string,
  options: { autoProvisionRole?: SsoAutoProvisionRole; enforced?: boolean } = {},
) {
  const tenant = await tenantContext(slug);
  const client = await idp.addClient([ssoRedirectUri(slug)]);
  const input = ssoConnectionInput.parse({
    issuer: idp.issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    enabled: 'on',
    enforced: options.enforced ? 'on' : undefined,
    autoProvisionRole: options.autoProvisionRole ?? '',
  });
  await withTenant(tenant.id, (tx) =>
    saveSsoConnection(tx, {
      tenantId: tenant.id,
      input,
      actor: { type: 'system', id: null },
    }),
  );
  return client;
}

type Landing = {
  status: number;
  location: string;
  sessionCookie?: { name: string; value: string; attributes: string };
  token?: { sid?: string; tid?: string; kind?: string; sub?: string };
};

/**
 * Runs a sign-on: starts it on `tenant`, logs in at the provider as `account`, and delivers the
 * provider's redirect to `deliverTo`'s host (the tenant's own unless a test says otherwise) with
 * the cookies the start set (which a browser would only send to the same host).
 */
async function ssoSignIn(
  tenant: TenantContextDTO,
  account: Pick<TestIdpAccount, 'email' | 'password'>,
  deliverTo: { slug: string } = tenant,
): Promise<Landing> {
  const start = await beginSsoSignIn({ tenant, request: request() });
  if (!start.ok) throw new Error(`sso did not start: ${start.reason}`);
  const back = await idp.signIn(start.redirect, account);
  const response = await callbackRoute(
    new Request(back.replace(/^http:\/\/[^/]+/, 'http://localhost:3000'), {
      headers: {
        cookie: start.cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        [INTERNAL_HEADERS.tenantSlug]: deliverTo.slug,
        [INTERNAL_HEADERS.requestId]: randomUUID(),
        'user-agent': 'vitest',
      },
    }),
  );
  const line = response.headers
    .getSetCookie()
    .find((cookie) => /^authjs\.session-token=[^;]/.test(cookie));
  const landing: Landing = {
    status: response.status,
    location: response.headers.get('location') ?? '',
  };
  if (line) {
    const [pair, ...attributes] = line.split(';');
    const value = pair!.slice(pair!.indexOf('=') + 1);
    landing.sessionCookie = {
      name: 'authjs.session-token',
      value,
      attributes: attributes.join(';'),
    };
    landing.token =
      (await decode({ token: value, secret: SECRET, salt: 'authjs.session-token' })) ?? undefined;
  }
  return landing;
}

const origin = (tenant: { slug: string }) => `http://${tenant.slug}.localhost:3000`;

describe('signing on through the provider', () => {
  it('links an existing member by verified e-mail and signs them in to the tenant', async () => {
    const tenant = await ssoTenant();
    const member = await createMember(tenant.id, { role: 'admin' });
    const account = idp.addAccount({ email: member.email });

    const landing = await ssoSignIn(tenant, account);

    expect(landing.status).toBe(302);
    expect(landing.location).toBe(`${origin(tenant)}/documents`);
    expect(landing.token).toMatchObject({ tid: tenant.id, kind: 'member', sub: member.userId });
    // Host-only (no Domain), HttpOnly, SameSite=Lax; plain http here, so not Secure.
    expect(landing.sessionCookie?.attributes).not.toMatch(/domain=/i);
    expect(landing.sessionCookie?.attributes).toMatch(/httponly/i);
    expect(landing.sessionCookie?.attributes).toMatch(/samesite=lax/i);
    const viewer = await resolveViewer(tenant, {
      sessionId: landing.token?.sid,
      tenantId: landing.token?.tid,
    });
    expect(viewer).toMatchObject({ userId: member.userId, role: 'admin' });

    const trail = await withTenant(tenant.id, (tx) => listAuditEvents(tx, { tenantId: tenant.id }));
    expect(trail).toContainEqual(
      expect.objectContaining({
        action: 'auth.signed_in',
        actorId: member.userId,
        metadata: expect.objectContaining({ method: 'sso', issuer: idp.issuer, via: 'email' }),
      }),
    );
    expect(trail).toContainEqual(
      expect.objectContaining({
        action: 'sso.identity_linked',
        metadata: expect.objectContaining({ subject: account.subject, via: 'email' }),
      }),
    );
  });

  it('recognises a linked identity by its subject, even after its e-mail changed at the provider', async () => {
    const tenant = await ssoTenant();
    const member = await createMember(tenant.id);
    const account = idp.addAccount({ email: member.email });
    expect((await ssoSignIn(tenant, account)).token?.sub).toBe(member.userId);

    account.email = `renamed-${randomUUID().slice(0, 8)}@idp.test`;
    account.emailVerified = false;
    const again = await ssoSignIn(tenant, account);
    expect(again.token).toMatchObject({ sub: member.userId, tid: tenant.id });
    const [identity] = await withTenant(tenant.id, (tx) =>
      tx
        .select({ lastSignInAt: ssoIdentities.lastSignInAt })
        .from(ssoIdentities)
        .where(eq(ssoIdentities.subject, account.subject)),
    );
    expect(identity?.lastSignInAt).toBeInstanceOf(Date);
    const trail = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'auth.signed_in' }),
    );
    expect(trail[0]?.metadata).toMatchObject({ method: 'sso', via: 'identity' });
  });

  it('refuses an unverified e-mail, and someone who is not a member when nobody is provisioned', async () => {
    const tenant = await ssoTenant();
    const member = await createMember(tenant.id);
    const unverified = idp.addAccount({ email: member.email, emailVerified: false });
    const stranger = idp.addAccount();

    for (const [account, reason] of [
      [unverified, 'email_unverified'],
      [stranger, 'not_member'],
    ] as const) {
      const landing = await ssoSignIn(tenant, account);
      expect(landing.location).toBe(`${origin(tenant)}/sign-in?sso_error=${reason}`);
      expect(landing.sessionCookie).toBeUndefined();
    }
    const linked = await withTenant(tenant.id, (tx) => tx.select().from(ssoIdentities));
    expect(linked).toEqual([]);
  });

  it('provisions a new person with the connection’s role when auto-provisioning is on', async () => {
    const tenant = await ssoTenant({ autoProvisionRole: 'viewer' });
    const account = idp.addAccount({ name: 'Vera Viewer' });

    const landing = await ssoSignIn(tenant, account);

    expect(landing.location).toBe(`${origin(tenant)}/documents`);
    const viewer = await resolveViewer(tenant, {
      sessionId: landing.token?.sid,
      tenantId: landing.token?.tid,
    });
    expect(viewer).toMatchObject({ role: 'viewer', email: account.email, name: 'Vera Viewer' });
    // The new account has no usable password: it signs in through the provider only.
    expect(
      await authenticateWithPassword({
        tenant,
        email: account.email,
        password: '!',
        request: request(),
      }),
    ).toMatchObject({ ok: false, reason: 'invalid_credentials' });
    const trail = await withTenant(tenant.id, (tx) =>
      listAuditEvents(tx, { tenantId: tenant.id, action: 'member.joined' }),
    );
    expect(trail[0]?.metadata).toMatchObject({
      email: account.email,
      role: 'viewer',
      via: 'sso',
      newAccount: true,
    });
    // The invitation it went through was accepted at once: nothing is left open.
    const open = await withTenant(tenant.id, (tx) =>
      tx
        .select({ acceptedBy: invitations.acceptedBy })
        .from(invitations)
        .where(eq(invitations.email, account.email)),
    );
    expect(open).toEqual([{ acceptedBy: viewer?.userId }]);
  });

  it('adds an existing account of another tenant as a member of this one, without touching the other', async () => {
    const other = await createTenant();
    const elsewhere = await createMember(other.id, { role: 'owner' });
    const tenant = await ssoTenant({ autoProvisionRole: 'member' });
    const account = idp.addAccount({ email: elsewhere.email });

    const landing = await ssoSignIn(tenant, account);

    expect(landing.token).toMatchObject({ sub: elsewhere.userId, tid: tenant.id });
    const roles = await withPlatform((tx) =>
      tx
        .select({ tenantId: memberships.tenantId, role: memberships.role })
        .from(memberships)
        .where(eq(memberships.userId, elsewhere.userId)),
    );
    expect(roles).toEqual(
      expect.arrayContaining([
        { tenantId: other.id, role: 'owner' },
        { tenantId: tenant.id, role: 'member' },
      ]),
    );
    // Their password still works where it did.
    expect(
      (
        await authenticateWithPassword({
          tenant: { id: other.id, status: 'active' },
          email: elsewhere.email,
          password: TEST_PASSWORD,
          request: request(),
        })
      ).ok,
    ).toBe(true);
  });

  it('refuses provisioning while an invitation is open, outside the allowed domains, and beyond the members limit', async () => {
    const invited = await ssoTenant({ autoProvisionRole: 'member' });
    const account = idp.addAccount();
    await withTenant(invited.id, (tx) =>
      tx.insert(invitations).values({
        tenantId: invited.id,
        email: account.email,
        role: 'admin',
        tokenHash: randomUUID(),
        expiresAt: new Date(Date.now() + 86_400_000),
      }),
    );
    expect((await ssoSignIn(invited, account)).location).toMatch(/sso_error=invitation_pending$/);

    const restricted = await ssoTenant({ autoProvisionRole: 'member' });
    await withPlatform((tx) =>
      tx
        .update(tenants)
        .set({ settings: { security: { allowedEmailDomains: ['corp.test'] } } })
        .where(eq(tenants.id, restricted.id)),
    );
    const outsider = idp.addAccount();
    expect((await ssoSignIn(await tenantContext(restricted.slug), outsider)).location).toMatch(
      /sso_error=domain_not_allowed$/,
    );

    // The free plan allows 3 members.
    const full = await ssoTenant({ autoProvisionRole: 'member', plan: 'free' });
    for (let i = 0; i < 3; i++) await createMember(full.id);
    const late = idp.addAccount();
    expect((await ssoSignIn(full, late)).location).toMatch(/sso_error=limit_reached$/);
    // The refusal rolled everything back: no account was created for the late one.
    const created = await withPlatform((tx) =>
      tx.select({ id: users.id }).from(users).where(eq(users.email, late.email)),
    );
    expect(created).toEqual([]);
  });

  it('refuses a member whose identity at this provider is another subject', async () => {
    const tenant = await ssoTenant();
    const member = await createMember(tenant.id);
    const first = idp.addAccount({ email: member.email });
    await ssoSignIn(tenant, first);
    first.email = `moved-${randomUUID().slice(0, 8)}@idp.test`;
    const second = idp.addAccount({ email: member.email });

    const landing = await ssoSignIn(tenant, second);

    expect(landing.location).toMatch(/sso_error=identity_conflict$/);
    expect(landing.sessionCookie).toBeUndefined();
  });
});

describe('isolation between tenants', () => {
  it('never signs into tenant B with a callback that belongs to tenant A', async () => {
    const a = await ssoTenant();
    const b = await ssoTenant();
    const member = await createMember(a.id, { email: `both-${randomUUID().slice(0, 8)}@x.test` });
    await createMember(b.id, { email: member.email });
    const account = idp.addAccount({ email: member.email });

    // A's code and state delivered on B's host (even with A's cookies, which a browser would not
    // send there): B's own client and redirect URI are used in the exchange, and the provider refuses.
    const crossed = await ssoSignIn(a, account, b);
    expect(crossed.location).toMatch(new RegExp(`^${origin(b)}/sign-in\\?`));
    expect(crossed.sessionCookie).toBeUndefined();

    // On a host whose tenant has no connection there is nothing to complete.
    const plain = await createTenant();
    const nowhere = await ssoSignIn(a, account, plain);
    expect(nowhere.location).toBe(`${origin(plain)}/sign-in?sso_error=unavailable`);
    expect(nowhere.sessionCookie).toBeUndefined();

    // Nothing was linked on B by the attempts.
    const linkedOnB = await withTenant(b.id, (tx) => tx.select().from(ssoIdentities));
    expect(linkedOnB).toEqual([]);

    // A's own sign-in works, and its token is A's: on B's host it is nobody.
    const own = await ssoSignIn(a, account);
    expect(own.token?.tid).toBe(a.id);
    const token = { sessionId: own.token?.sid, tenantId: own.token?.tid };
    expect(await resolveViewer(a, token)).toMatchObject({ userId: member.userId });
    expect(await resolveViewer(b, token)).toBeNull();
  });

  it('answers 404 off tenant hosts, and refuses suspended tenants and switched-off connections', async () => {
    const unknown = await callbackRoute(
      new Request('http://localhost:3000/api/auth/callback/oidc?code=x&state=y'),
    );
    expect(unknown.status).toBe(404);

    const tenant = await ssoTenant();
    await withPlatform((tx) =>
      tx.update(tenants).set({ status: 'suspended' }).where(eq(tenants.id, tenant.id)),
    );
    const suspended = await tenantContext(tenant.slug);
    expect(await beginSsoSignIn({ tenant: suspended, request: request() })).toEqual({
      ok: false,
      reason: 'tenant_suspended',
    });
    const answer = await handleSsoCallback(
      new Request('http://localhost:3000/api/auth/callback/oidc?code=x&state=y', {
        headers: { [INTERNAL_HEADERS.tenantSlug]: tenant.slug },
      }),
    );
    expect(answer.headers.get('location')).toBe(
      `${origin(tenant)}/sign-in?sso_error=tenant_suspended`,
    );

    const off = await ssoTenant();
    await withTenant(off.id, (tx) =>
      tx.execute(
        // Through the app role, as the settings page would.
        sql`update sso_connections set enabled = false where tenant_id = ${off.id}`,
      ),
    );
    expect(await ssoSignInOptions(off.id)).toEqual({ available: false, enforced: false });
    expect(await beginSsoSignIn({ tenant: off, request: request() })).toEqual({
      ok: false,
      reason: 'unavailable',
    });
  });

  it('does not start when the provider cannot be reached', async () => {
    const { slug } = await createTenant({ plan: 'pro' });
    const tenant = await tenantContext(slug);
    const down = await startTestIdp();
    await down.close();
    await withTenant(tenant.id, (tx) =>
      saveSsoConnection(tx, {
        tenantId: tenant.id,
        input: ssoConnectionInput.parse({
          issuer: down.issuer,
          clientId: 'c',
          clientSecret: 's',
          enabled: 'on',
          autoProvisionRole: '',
        }),
        actor: { type: 'system', id: null },
      }),
    );
    expect(await beginSsoSignIn({ tenant, request: request() })).toEqual({
      ok: false,
      reason: 'unavailable',
    });
  });

  it('answers a tampered callback (no state cookie) with the sign-in page, not a session', async () => {
    const tenant = await ssoTenant();
    const response = await handleSsoCallback(
      new Request(
        `http://localhost:3000/api/auth/callback/oidc?code=forged&state=forged&iss=${encodeURIComponent(idp.issuer)}`,
        {
          headers: { [INTERNAL_HEADERS.tenantSlug]: tenant.slug },
        },
      ),
    );
    expect(response.headers.get('location')).toMatch(
      new RegExp(`^${origin(tenant)}/sign-in\\?error=`),
    );
    expect(response.headers.getSetCookie().some((c) => /session-token=[^;]/.test(c))).toBe(false);
  });
});

describe('enforced single sign-on', () => {
  it('refuses password sign-in to members but lets owners in as a fallback, with one answer for every refusal', async () => {
    const tenant = await ssoTenant({ enforced: true });
    const owner = await createMember(tenant.id, { role: 'owner' });
    const member = await createMember(tenant.id, { role: 'admin' });
    const attempt = (email: string, password: string) =>
      authenticateWithPassword({ tenant, email, password, request: request() });

    expect(await ssoSignInOptions(tenant.id)).toEqual({ available: true, enforced: true });
    expect(await attempt(member.email, TEST_PASSWORD)).toEqual({
      ok: false,
      reason: 'sso_required',
    });
    expect(await attempt(member.email, 'wrong-password')).toEqual({
      ok: false,
      reason: 'sso_required',
    });
    expect(await attempt('nobody@example.test', TEST_PASSWORD)).toEqual({
      ok: false,
      reason: 'sso_required',
    });
    expect(await attempt(owner.email, TEST_PASSWORD)).toMatchObject({ ok: true });

    // The member signs in through the provider instead.
    const account = idp.addAccount({ email: member.email });
    expect((await ssoSignIn(tenant, account)).token?.sub).toBe(member.userId);
  });
});

describe('completeSsoSignIn', () => {
  it('refuses when the connection changed while the person was at the provider', async () => {
    const tenant = await ssoTenant();
    const member = await createMember(tenant.id);
    const outcome = await completeSsoSignIn({
      tenant,
      issuer: 'https://another-issuer.example',
      claims: { subject: 'x', email: member.email, emailVerified: true },
      request: request(),
    });
    expect(outcome).toEqual({ ok: false, reason: 'unavailable' });
    expect(
      await completeSsoSignIn({
        tenant: { ...tenant, status: 'suspended' },
        issuer: idp.issuer,
        claims: { subject: 'x', email: member.email, emailVerified: true },
        request: request(),
      }),
    ).toEqual({ ok: false, reason: 'tenant_suspended' });
  });
});
