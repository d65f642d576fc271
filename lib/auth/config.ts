import 'server-only';
import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { INTERNAL_HEADERS } from '@/lib/host';
import { resolveTenantBySlug } from '@/lib/tenancy';
import { clientIp } from '@/lib/request-meta';
import { authSecret } from './secret';
import { SESSION_ABSOLUTE_SECONDS } from './sessions';
import { authenticateWithPassword, signInInput } from './sign-in';

declare module 'next-auth' {
  interface User {
    sessionId?: string;
    tenantId?: string;
  }
  interface Session {
    sessionId?: string;
    tenantId?: string;
  }
}

declare module '@auth/core/jwt' {
  interface JWT {
    sid?: string;
    tid?: string;
  }
}

class SignInRefused extends CredentialsSignin {
  constructor(code: string) {
    super();
    this.code = code;
  }
}

/**
 * Auth.js, credentials only, JWT sessions. The token carries just the server-side session id
 * and the tenant it was issued for; every request re-checks both (lib/auth getViewer).
 * There is deliberately no /api/auth route: sign-in and sign-out are server actions.
 */
export const { auth, signIn, signOut } = NextAuth({
  secret: authSecret(),
  trustHost: true,
  session: { strategy: 'jwt', maxAge: SESSION_ABSOLUTE_SECONDS },
  pages: { signIn: '/sign-in', error: '/sign-in' },
  logger: { error: () => undefined },
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
        return { id: outcome.userId, email: outcome.email, name: outcome.name, sessionId: outcome.sessionId, tenantId: tenant.id };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.sid = user.sessionId;
        token.tid = user.tenantId;
      }
      return token;
    },
    session({ session, token }) {
      session.sessionId = token.sid;
      session.tenantId = token.tid;
      return session;
    },
  },
});
