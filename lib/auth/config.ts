import 'server-only';
import { AsyncLocalStorage } from 'node:async_hooks';
import NextAuth, { AuthError, CredentialsSignin } from 'next-auth';
import { withTenant } from '@/db/scope';
import type { RequestMeta } from '@/lib/audit';
import Credentials from 'next-auth/providers/credentials';
import { INTERNAL_HEADERS } from '@/lib/host';
import { resolveTenantBySlug } from '@/lib/tenancy';
import { log } from '@/lib/log';
import { clientIp } from '@/lib/request-meta';
import { cookies } from 'next/headers';
import { beginSsoSignIn } from '@/lib/sso';
import { sharedAuthOptions } from './options';
import { revokeSession, type ViewerDTO } from './sessions';
import { resolveViewer } from './viewer';
import type { TenantContextDTO } from '@/lib/tenancy';
import { authenticateWithPassword, signInInput } from './sign-in';
import type { SessionPendingStep } from '@/db/schema';
import { resolvePendingSignIn, type PendingSignInDTO } from './pending';
import {
  authenticateOperator,
  endOperatorSession,
  operatorSignInInput,
  resolveOperator,
  type OperatorDTO,
} from '@/lib/operators';

/** What a session token stands for: a tenant member (bound to one tenant) or a platform operator. */
type SessionKind = 'member' | 'operator';

declare module 'next-auth' {
  interface User {
    sessionId?: string;
    tenantId?: string;
    kind?: SessionKind;
  }
  interface Session {
    sessionId?: string;
    tenantId?: string;
    kind?: SessionKind;
  }
}

declare module '@auth/core/jwt' {
  interface JWT {
    sid?: string;
    tid?: string;
    kind?: SessionKind;
  }
}

// Auth.js answers a sign-in with a redirect URL only. The step a password sign-in still owes (a
// second factor) comes back through this store, which lives for one signInWithPassword call.
const signInSteps = new AsyncLocalStorage<{ pendingStep: SessionPendingStep | null }>();

class SignInRefused extends CredentialsSignin {
  /** For a locked account: how long until it may try again (Auth.js rethrows this very error). */
  readonly retryAfterSeconds?: number;
  constructor(code: string, retryAfterSeconds?: number) {
    super();
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Auth.js, credentials only, JWT sessions. The token carries just the server-side session id,
 * the tenant it was issued for and its kind; every request re-checks them (getViewer on tenant
 * hosts, getOperator on the root domain). Two providers: `credentials` for a tenant's members
 * (tenant hosts only) and `operator` for platform operators (root domain only). Cookies are
 * host-only, and each side refuses the other's tokens, so the two never stand in for each other.
 * Sign-in and sign-out are server actions; the one /api/auth route is the single sign-on
 * callback, whose per-tenant configuration lib/sso builds on the same shared options.
 */
// Lazy: the secret is read at the first request, not while `next build` loads this module.
const { auth, signIn, signOut } = NextAuth(() => ({
  ...sharedAuthOptions(),
  logger: {
    // Refused sign-ins are expected and audited by lib/auth; anything else is a real error.
    error: (error: Error) => {
      if (!(error instanceof CredentialsSignin)) log.error({ err: error }, 'auth.js error');
    },
  },
  providers: [
    Credentials({
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        const parsed = signInInput.safeParse(raw);
        if (!parsed.success) throw new SignInRefused('invalid_credentials');
        // The tenant comes from the host (middleware's header), never from the form.
        const slug = request.headers.get(INTERNAL_HEADERS.tenantSlug);
        const tenant = slug ? await resolveTenantBySlug(slug) : null;
        if (!tenant) throw new SignInRefused('invalid_credentials');
        const outcome = await authenticateWithPassword({
          ...parsed.data,
          tenant,
          request: {
            requestId: request.headers.get(INTERNAL_HEADERS.requestId),
            ip: clientIp(request.headers),
            userAgent: request.headers.get('user-agent'),
          },
        });
        if (!outcome.ok)
          throw new SignInRefused(
            outcome.reason,
            'retryAfterSeconds' in outcome ? outcome.retryAfterSeconds : undefined,
          );
        const slot = signInSteps.getStore();
        if (slot) slot.pendingStep = outcome.pendingStep;
        return {
          id: outcome.userId,
          email: outcome.email,
          name: outcome.name,
          sessionId: outcome.sessionId,
          tenantId: tenant.id,
          kind: 'member',
        };
      },
    }),
    Credentials({
      id: 'operator',
      name: 'Platform operator',
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        // Operators sign in on the root domain only: a tenant host never mints an operator token.
        if (request.headers.get(INTERNAL_HEADERS.tenantSlug))
          throw new SignInRefused('invalid_credentials');
        const parsed = operatorSignInInput.safeParse(raw);
        if (!parsed.success) throw new SignInRefused('invalid_credentials');
        const outcome = await authenticateOperator({
          ...parsed.data,
          request: {
            requestId: request.headers.get(INTERNAL_HEADERS.requestId),
            ip: clientIp(request.headers),
            userAgent: request.headers.get('user-agent'),
          },
        });
        if (!outcome.ok) throw new SignInRefused(outcome.reason);
        return {
          id: outcome.userId,
          email: outcome.email,
          name: outcome.name,
          sessionId: outcome.sessionId,
          kind: 'operator',
        };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.sid = user.sessionId;
        token.tid = user.tenantId;
        token.kind = user.kind;
      }
      return token;
    },
    session({ session, token }) {
      session.sessionId = token.sid;
      session.tenantId = token.tid;
      session.kind = token.kind;
      return session;
    },
  },
}));

// Glue between Auth.js and lib/auth. The logic it calls is tested on its own; these few lines
// run only inside a Next.js request, and the Playwright suite covers them.

/** The signed-in member of this tenant, or null. Re-checks the server-side session every time. */
export async function getViewer(
  tenant: TenantContextDTO,
  request: RequestMeta = {},
): Promise<ViewerDTO | null> {
  return resolveViewer(tenant, await auth(), request);
}

export type SignInResult =
  | { ok: true; pendingStep: SessionPendingStep | null }
  | {
      ok: false;
      code: 'invalid_credentials' | 'rate_limited' | 'tenant_suspended' | 'sso_required';
    }
  | { ok: false; code: 'account_locked'; retryAfterSeconds: number };

/**
 * Runs the credentials sign-in for the host's tenant and sets the session cookie. With
 * `pendingStep` set, the cookie is only half a sign-in: send the member to pendingSignInPath.
 */
export async function signInWithPassword(email: string, password: string): Promise<SignInResult> {
  try {
    const slot = { pendingStep: null as SessionPendingStep | null };
    await signInSteps.run(slot, () => signIn('credentials', { email, password, redirect: false }));
    return { ok: true, pendingStep: slot.pendingStep };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    const code = (error as AuthError & { code?: string }).code;
    if (code === 'account_locked' && error instanceof SignInRefused)
      return { ok: false, code, retryAfterSeconds: error.retryAfterSeconds ?? 0 };
    return {
      ok: false,
      code:
        code === 'rate_limited' || code === 'tenant_suspended' || code === 'sso_required'
          ? code
          : 'invalid_credentials',
    };
  }
}

export type SsoSignInStart =
  { ok: true; url: string } | { ok: false; code: 'unavailable' | 'tenant_suspended' };

/**
 * Starts single sign-on for the host's tenant (lib/sso runs Auth.js with that tenant's
 * connection): sets the flow's host-only cookies — state, PKCE verifier, nonce — and returns the
 * identity provider's URL to send the browser to.
 */
export async function startSsoSignIn(
  tenant: TenantContextDTO,
  request: RequestMeta & { userAgent?: string | null },
): Promise<SsoSignInStart> {
  const started = await beginSsoSignIn({ tenant, request });
  if (!started.ok) return { ok: false, code: started.reason };
  const jar = await cookies();
  for (const cookie of started.cookies) jar.set(cookie.name, cookie.value, cookie.options);
  return { ok: true, url: started.redirect };
}

/** The half sign-in (second factor owed) this request's cookie points at, or null. */
export async function getPendingSignIn(
  tenant: TenantContextDTO,
  request: RequestMeta = {},
): Promise<PendingSignInDTO | null> {
  return resolvePendingSignIn(tenant, await auth(), request);
}

/** Abandons a half sign-in: revokes its session row, then clears the cookie. */
export async function cancelPendingSignIn(
  tenant: TenantContextDTO,
  pending: PendingSignInDTO,
  request: RequestMeta,
): Promise<void> {
  await withTenant(tenant.id, (tx) =>
    revokeSession(tx, {
      tenantId: tenant.id,
      sessionId: pending.sessionId,
      actor: { type: 'user', id: pending.userId },
      request,
    }),
  );
  await signOut({ redirect: false });
}

/** Revokes the server-side session, then clears the cookie. */
export async function signOutViewer(
  tenant: TenantContextDTO,
  viewer: ViewerDTO,
  request: RequestMeta,
): Promise<void> {
  await withTenant(tenant.id, (tx) =>
    revokeSession(tx, {
      tenantId: tenant.id,
      sessionId: viewer.sessionId,
      actor: { type: 'user', id: viewer.userId },
      request,
    }),
  );
  await signOut({ redirect: false });
}

/** The signed-in platform operator (root domain only), or null. Re-checks the server-side session every time. */
export async function getOperator(request: RequestMeta = {}): Promise<OperatorDTO | null> {
  return resolveOperator(await auth(), request);
}

export type OperatorSignInResult =
  { ok: true } | { ok: false; code: 'invalid_credentials' | 'rate_limited' };

/** Runs the operator sign-in (root domain) and sets the session cookie. */
export async function signInOperator(
  email: string,
  password: string,
): Promise<OperatorSignInResult> {
  try {
    await signIn('operator', { email, password, redirect: false });
    return { ok: true };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    const code = (error as AuthError & { code?: string }).code;
    return { ok: false, code: code === 'rate_limited' ? code : 'invalid_credentials' };
  }
}

/** Revokes the operator's server-side session, then clears the cookie. */
export async function signOutOperator(operator: OperatorDTO, request: RequestMeta): Promise<void> {
  await endOperatorSession(operator, request);
  await signOut({ redirect: false });
}
