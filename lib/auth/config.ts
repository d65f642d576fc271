import 'server-only';
import NextAuth, { AuthError, CredentialsSignin } from 'next-auth';
import { withTenant } from '@/db/scope';
import type { RequestMeta } from '@/lib/audit';
import Credentials from 'next-auth/providers/credentials';
import { INTERNAL_HEADERS } from '@/lib/host';
import { resolveTenantBySlug } from '@/lib/tenancy';
import { log } from '@/lib/log';
import { clientIp } from '@/lib/request-meta';
import { authSecret } from './secret';
import { revokeSession, SESSION_COOKIE_MAX_AGE_SECONDS, type ViewerDTO } from './sessions';
import { resolveViewer } from './viewer';
import type { TenantContextDTO } from '@/lib/tenancy';
import { authenticateWithPassword, signInInput } from './sign-in';
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

class SignInRefused extends CredentialsSignin {
  constructor(code: string) {
    super();
    this.code = code;
  }
}

/**
 * Auth.js, credentials only, JWT sessions. The token carries just the server-side session id,
 * the tenant it was issued for and its kind; every request re-checks them (getViewer on tenant
 * hosts, getOperator on the root domain). Two providers: `credentials` for a tenant's members
 * (tenant hosts only) and `operator` for platform operators (root domain only). Cookies are
 * host-only, and each side refuses the other's tokens, so the two never stand in for each other.
 * There is deliberately no /api/auth route: sign-in and sign-out are server actions.
 */
// Lazy: the secret is read at the first request, not while `next build` loads this module.
const { auth, signIn, signOut } = NextAuth(() => ({
  secret: authSecret(),
  trustHost: true,
  // The cookie may live as long as the longest tenant policy; each request checks the tenant's own.
  session: { strategy: 'jwt', maxAge: SESSION_COOKIE_MAX_AGE_SECONDS },
  pages: { signIn: '/sign-in', error: '/sign-in' },
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
        if (!outcome.ok) throw new SignInRefused(outcome.reason);
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
  { ok: true } | { ok: false; code: 'invalid_credentials' | 'rate_limited' | 'tenant_suspended' };

/** Runs the credentials sign-in for the host's tenant and sets the session cookie. */
export async function signInWithPassword(email: string, password: string): Promise<SignInResult> {
  try {
    await signIn('credentials', { email, password, redirect: false });
    return { ok: true };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    const code = (error as AuthError & { code?: string }).code;
    return {
      ok: false,
      code: code === 'rate_limited' || code === 'tenant_suspended' ? code : 'invalid_credentials',
    };
  }
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
