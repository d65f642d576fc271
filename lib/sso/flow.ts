import 'server-only';
import { Auth, raw, skipCSRFCheck, type AuthConfig } from '@auth/core';
import type { OIDCConfig } from '@auth/core/providers';
import type { Profile, ResponseInternal } from '@auth/core/types';
import { withTenant } from '@/db/scope';
import type { RequestMeta } from '@/lib/audit';
import { sharedAuthOptions } from '@/lib/auth/options';
import { env } from '@/lib/env';
import { INTERNAL_HEADERS, protocolFor, tenantOrigin } from '@/lib/host';
import { log } from '@/lib/log';
import { clientIp } from '@/lib/request-meta';
import { resolveTenantBySlug, type TenantContextDTO } from '@/lib/tenancy';
import { ssoClientOf, type SsoClient } from './connections';
import { SSO_CALLBACK_PATH, SSO_PROVIDER_ID, type SsoFailureReason } from './schemas';
import { completeSsoSignIn } from './sign-in';

type Tenant = Pick<TenantContextDTO, 'id' | 'slug' | 'status' | 'sessionPolicy' | 'accountPolicy'>;
type Meta = RequestMeta & { userAgent?: string | null };
/** A cookie Auth.js wants set: name, value and its serialisation options. */
export type SsoCookie = NonNullable<ResponseInternal['cookies']>[number];

/** The tenant's portal origin, from configuration (never from a request's Host). */
export function portalOrigin(slug: string): string {
  const { ROOT_DOMAIN } = env();
  return tenantOrigin(slug, ROOT_DOMAIN, protocolFor(ROOT_DOMAIN));
}

/** The redirect URI to register at the identity provider for this tenant. */
export function ssoRedirectUri(slug: string): string {
  return `${portalOrigin(slug)}${SSO_CALLBACK_PATH}`;
}

function failurePath(reason: SsoFailureReason | 'failed'): string {
  return `/sign-in?sso_error=${reason}`;
}

/**
 * The Auth.js configuration of one sign-on: built per request from the host tenant's own
 * connection, so the provider, its client and its secret can only be that tenant's. Auth.js does
 * the protocol — discovery, PKCE, state and nonce (each in a host-only cookie), the code exchange
 * and the ID token's checks — then asks `signIn`, where lib/sso decides who this is *in this
 * tenant* and creates the server-side session. The token it mints carries that session's id and
 * this tenant's id, which every request compares with its host's tenant.
 */
function ssoAuthConfig(tenant: Tenant, client: SsoClient, request: Meta): AuthConfig {
  const provider: OIDCConfig<Profile> = {
    id: SSO_PROVIDER_ID,
    name: 'Single sign-on',
    type: 'oidc',
    issuer: client.issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    checks: ['pkce', 'state', 'nonce'],
    // Scope claims (email, email_verified, name) come from userinfo: many providers leave them
    // out of the ID token when an access token is issued. The ID token is still required and checked.
    idToken: false,
    authorization: { params: { scope: 'openid email profile' } },
  };
  return {
    ...sharedAuthOptions(),
    providers: [provider],
    logger: {
      // A failed or tampered callback is expected now and then: log what went wrong, not the
      // objects Auth.js attaches (they can hold tokens).
      error: (error: Error) => {
        const cause = (error as Error & { cause?: { err?: unknown } }).cause?.err;
        log.warn(
          {
            tenantId: tenant.id,
            requestId: request.requestId,
            kind: error.name,
            detail: (cause instanceof Error ? cause.message : error.message).slice(0, 200),
          },
          'sso sign-in failed',
        );
      },
      warn: () => {},
      debug: () => {},
    },
    callbacks: {
      async signIn({ user, profile }) {
        if (!profile?.sub) return failurePath('failed');
        const outcome = await completeSsoSignIn({
          tenant,
          issuer: client.issuer,
          claims: {
            subject: profile.sub,
            email: profile.email,
            // A few providers send the boolean as a string.
            emailVerified:
              profile.email_verified === true || `${profile.email_verified}` === 'true',
            name: profile.name,
          },
          request,
        });
        if (!outcome.ok) return failurePath(outcome.reason);
        // Auth.js hands this same object to `jwt` below.
        Object.assign(user, {
          id: outcome.userId,
          email: outcome.email,
          name: outcome.name,
          image: null,
          sessionId: outcome.sessionId,
          tenantId: tenant.id,
          kind: 'member',
        });
        return true;
      },
      jwt({ token, user }) {
        if (user) {
          const member = user as typeof user & { sessionId: string; tenantId: string };
          token.sid = member.sessionId;
          token.tid = member.tenantId;
          token.kind = 'member';
        }
        return token;
      },
    },
  };
}

async function enabledClient(tenant: Tenant): Promise<SsoClient | null> {
  if (tenant.status === 'suspended') return null;
  return withTenant(tenant.id, (tx) => ssoClientOf(tx, { tenantId: tenant.id }));
}

export type SsoStart =
  | { ok: true; redirect: string; cookies: SsoCookie[] }
  | { ok: false; reason: 'unavailable' | 'tenant_suspended' };

/**
 * Starts a sign-on on the host's tenant: the provider's authorization URL to send the browser
 * to, and the cookies (state, PKCE verifier, nonce, where to land) to set on this host first.
 * The caller is the sign-in page's server action (Next's own origin check guards it).
 */
export async function beginSsoSignIn(params: { tenant: Tenant; request: Meta }): Promise<SsoStart> {
  const { tenant, request } = params;
  if (tenant.status === 'suspended') return { ok: false, reason: 'tenant_suspended' };
  const client = await enabledClient(tenant);
  if (!client) return { ok: false, reason: 'unavailable' };
  const origin = portalOrigin(tenant.slug);
  try {
    const response = await Auth(
      new Request(`${origin}/api/auth/signin/${SSO_PROVIDER_ID}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ callbackUrl: `${origin}/documents` }),
      }),
      { ...ssoAuthConfig(tenant, client, request), raw, skipCSRFCheck },
    );
    if (!response.redirect) throw new Error('Auth.js gave no authorization URL');
    return { ok: true, redirect: response.redirect, cookies: response.cookies ?? [] };
  } catch (error) {
    // Most often the provider is down or its discovery document changed.
    log.warn(
      { err: error, tenantId: tenant.id, requestId: request.requestId },
      'sso sign-in could not start',
    );
    return { ok: false, reason: 'unavailable' };
  }
}

/**
 * The redirect URI's handler (GET /api/auth/callback/oidc on a tenant's host). The tenant comes
 * from the host (middleware's header) only; the request is rebuilt on that tenant's configured
 * origin, so the redirect URI Auth.js sends in the code exchange is the one registered for it —
 * a code or state from another tenant's flow fails there (different redirect URI, and that
 * host's state cookies are not sent here). Answers a redirect: to /documents with the session
 * cookie, or to /sign-in with the reason.
 */
export async function handleSsoCallback(request: Request): Promise<Response> {
  const slug = request.headers.get(INTERNAL_HEADERS.tenantSlug);
  const tenant = slug ? await resolveTenantBySlug(slug) : null;
  if (!tenant) return new Response('Not found', { status: 404 });
  const origin = portalOrigin(tenant.slug);
  const meta: Meta = {
    requestId: request.headers.get(INTERNAL_HEADERS.requestId),
    ip: clientIp(request.headers),
    userAgent: request.headers.get('user-agent'),
  };
  const client = await enabledClient(tenant);
  if (!client) {
    const reason = tenant.status === 'suspended' ? 'tenant_suspended' : 'unavailable';
    return Response.redirect(`${origin}${failurePath(reason)}`, 303);
  }
  const search = new URL(request.url).search;
  const rebuilt = new Request(`${origin}${SSO_CALLBACK_PATH}${search}`, {
    method: 'GET',
    headers: { cookie: request.headers.get('cookie') ?? '' },
  });
  return Auth(rebuilt, ssoAuthConfig(tenant, client, meta));
}
